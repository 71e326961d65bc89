import { useEffect, useState } from "preact/hooks";
import { Notice } from "../components/Notice.tsx";
import type { ApiError } from "../lib/api.ts";
import { useApp } from "../lib/context.ts";
import { addDays, formatMoney, formatPercent, today } from "../lib/format.ts";
import { navigate } from "../lib/router.ts";
import type { ReportSummary } from "../lib/types.ts";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function minutes(m: number | null): string {
  if (m === null) return "—";
  if (m < 120) return `${Math.round(m)} min`;
  return `${(m / 60).toFixed(1)} h`;
}

/** Flagged and booked-by-SCL leads per day, as bars. */
function DayChart(props: { days: ReportSummary["by_day"] }) {
  const { days } = props;
  const max = Math.max(1, ...days.map((d) => d.flagged));
  const w = 720;
  const h = 180;
  const bar = w / Math.max(days.length, 1);
  const total = days.reduce((a, d) => a + d.flagged, 0);
  const booked = days.reduce((a, d) => a + d.booked_by_scl, 0);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${w} ${h + 20}`} role="img" aria-labelledby="day-chart-title day-chart-desc">
        <title id="day-chart-title">Leads flagged and booked by SCL per day</title>
        <desc id="day-chart-desc">
          {days.length} days: {total} leads flagged, {booked} booked by Second Chance Leads. The table below lists every day.
        </desc>
        <line x1="0" y1={h} x2={w} y2={h} class="axis" />
        {days.map((d, i) => {
          const fh = (d.flagged / max) * (h - 10);
          const bh = (d.booked_by_scl / max) * (h - 10);
          return (
            <g key={d.day}>
              <rect x={i * bar + bar * 0.1} y={h - fh} width={bar * 0.8} height={fh} class="bar-flagged" />
              <rect x={i * bar + bar * 0.1} y={h - bh} width={bar * 0.8} height={bh} class="bar-booked" />
            </g>
          );
        })}
        <text x="0" y={h + 16} class="tick">
          {days[0]?.day ?? ""}
        </text>
        <text x={w} y={h + 16} class="tick" text-anchor="end">
          {days[days.length - 1]?.day ?? ""}
        </text>
      </svg>
      <figcaption>
        <span class="key key-flagged" aria-hidden="true" /> Flagged <span class="key key-booked" aria-hidden="true" /> Booked by SCL
      </figcaption>
    </figure>
  );
}

/** Where the period's leads ended up, as one stacked bar. */
function OutcomeBar(props: { r: ReportSummary }) {
  const { r } = props;
  const parts: [string, number, string][] = [
    ["Booked by SCL", r.booked_by_scl, "o-booked"],
    ["Booked elsewhere", r.booked_elsewhere, "o-elsewhere"],
    ["Not able to save", r.not_able_to_save, "o-unsaved"],
    ["Not following up", r.not_following_up, "o-notfollowing"],
    ["Not a lead", r.not_a_lead, "o-notlead"],
  ];
  const open = Math.max(0, r.flagged - parts.reduce((a, p) => a + p[1], 0));
  parts.push(["Still open", open, "o-open"]);
  const total = Math.max(1, r.flagged);
  let x = 0;
  return (
    <figure class="chart">
      <svg viewBox="0 0 720 36" role="img" aria-labelledby="outcome-title">
        <title id="outcome-title">
          Outcomes of the {r.flagged} leads flagged: {parts.map(([label, n]) => `${label} ${n}`).join(", ")}
        </title>
        {parts.map(([label, n, cls]) => {
          const width = (n / total) * 720;
          const rect = <rect key={label} x={x} y="4" width={width} height="28" class={cls} />;
          x += width;
          return rect;
        })}
      </svg>
      <figcaption class="legend">
        {parts.map(([label, n, cls]) => (
          <span key={label}>
            <span class={`key ${cls}`} aria-hidden="true" /> {label}: {n}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** What the queue recovered over a period: figures, charts, per CSR, and the CSV. */
export function Reports(props: { from: string | null; to: string | null }) {
  const { api } = useApp();
  const to = props.to && DAY.test(props.to) ? props.to : today();
  const from = props.from && DAY.test(props.from) ? props.from : addDays(to, -29);
  const [form, setForm] = useState({ from, to });
  const [report, setReport] = useState<ReportSummary | null>(null);
  const [problem, setProblem] = useState<ApiError | null>(null);

  useEffect(() => {
    setForm({ from, to });
    setReport(null);
    api
      .report(from, to)
      .then((r) => {
        setReport(r);
        setProblem(null);
      })
      .catch((e: unknown) => {
        setProblem(e as ApiError);
      });
  }, [api, from, to]);

  const download = () => {
    api
      .reportCsv(from, to)
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        const a = document.createElement("a");
        a.href = url;
        a.download = `scl-report-${from}-to-${to}.csv`;
        document.body.append(a);
        a.click();
        a.remove();
        URL.revokeObjectURL(url);
      })
      .catch((e: unknown) => {
        setProblem(e as ApiError);
      });
  };

  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <form
        class="period"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/reports?${new URLSearchParams(form).toString()}`);
        }}
      >
        <label for="report-from">From</label>
        <input
          id="report-from"
          type="date"
          value={form.from}
          required
          aria-invalid={problem?.field === "from" ? true : undefined}
          onInput={(e) => {
            setForm({ ...form, from: (e.target as HTMLInputElement).value });
          }}
        />
        <label for="report-to">To</label>
        <input
          id="report-to"
          type="date"
          value={form.to}
          required
          aria-invalid={problem?.field === "to" ? true : undefined}
          onInput={(e) => {
            setForm({ ...form, to: (e.target as HTMLInputElement).value });
          }}
        />
        <button type="submit">Show</button>
        <button type="button" onClick={download} disabled={!report}>
          Download CSV
        </button>
      </form>
      {problem && <Notice kind="error">{problem.field ? `${problem.field}: ${problem.message}` : problem.message}</Notice>}
      {!report && !problem && <p class="loading">Loading…</p>}
      {report && (
        <>
          <p class="muted">
            {report.from} to {report.to}, days in {report.timezone}.
          </p>
          <dl class="tiles">
            {(
              [
                ["Flagged", String(report.flagged)],
                ["Reviewed", String(report.reviewed)],
                ["Called back", String(report.called_back)],
                ["Booked by SCL", String(report.booked_by_scl)],
                ["Revenue booked by SCL", formatMoney(report.revenue_booked_by_scl)],
                ["Conversion", formatPercent(report.conversion_rate)],
                ["Detection precision", formatPercent(report.detection_precision)],
                ["First action, median", minutes(report.minutes_to_first_action.median)],
                ["First action, 90th percentile", minutes(report.minutes_to_first_action.p90)],
                ["Booked during wrap-up", String(report.booked_during_wrap_up)],
                ["Open now", String(report.open_now)],
                ["Cold now", String(report.cold_now)],
              ] as const
            ).map(([label, value]) => (
              <div class="tile" key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          <h2>Per day</h2>
          <DayChart days={report.by_day} />
          <h2>Outcomes</h2>
          <OutcomeBar r={report} />
          <h2>Per CSR</h2>
          {report.by_csr.length === 0 ? (
            <p class="muted">No CSR acted on a lead flagged in this period.</p>
          ) : (
            <table class="queue">
              <thead>
                <tr>
                  <th scope="col">CSR</th>
                  <th scope="col" class="num">
                    Actions
                  </th>
                  <th scope="col" class="num">
                    Called back
                  </th>
                  <th scope="col" class="num">
                    Booked by SCL
                  </th>
                  <th scope="col" class="num">
                    Not a lead
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.by_csr.map((c) => (
                  <tr key={c.user_id}>
                    <td>{c.name ?? c.user_id}</td>
                    <td class="num">{c.actions}</td>
                    <td class="num">{c.called_back}</td>
                    <td class="num">{c.booked_by_scl}</td>
                    <td class="num">{c.not_a_lead}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <details>
            <summary>Every day as a table</summary>
            <table class="queue">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col" class="num">
                    Flagged
                  </th>
                  <th scope="col" class="num">
                    Booked by SCL
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.by_day.map((d) => (
                  <tr key={d.day}>
                    <td>{d.day}</td>
                    <td class="num">{d.flagged}</td>
                    <td class="num">{d.booked_by_scl}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}
