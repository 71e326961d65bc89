import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { Link } from "../components/Link.tsx";
import { Notice } from "../components/Notice.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { ApiError } from "../lib/api.ts";
import { useApp } from "../lib/context.ts";
import { formatDateTime, formatDuration, formatPhone } from "../lib/format.ts";
import { useAutoRefresh } from "../lib/refresh.ts";
import type { ReasonRange } from "../lib/highlight.ts";
import type { LeadDetail } from "../lib/types.ts";
import { Actions } from "./review/Actions.tsx";
import { History } from "./review/History.tsx";
import { Notes } from "./review/Notes.tsx";
import { Transcript } from "./review/Transcript.tsx";
import type { Focus } from "./review/Transcript.tsx";

/** The transcript ranges of each reason's evidence, by segment (reasons by their index). */
function evidenceBySegment(lead: LeadDetail): Map<number, ReasonRange[]> {
  const out = new Map<number, ReasonRange[]>();
  for (const e of lead.detection.evidence ?? []) {
    const reason = lead.detection.reasons.indexOf(e.reason);
    if (reason < 0) continue;
    for (const s of e.spans) {
      // Spans past a truncated transcript's end have nothing to mark.
      if (s.field !== "transcript" || s.segment_index === undefined || s.segment_index >= lead.transcript.length) continue;
      const list = out.get(s.segment_index) ?? [];
      list.push({ start: s.start, end: s.end, reason });
      out.set(s.segment_index, list);
    }
  }
  return out;
}

/** The review window: everything about one lead, and what a CSR can do with it. */
export function Review(props: { id: string }) {
  const { api, refreshSeconds } = useApp();
  const [lead, setLead] = useState<LeadDetail | null>(null);
  const [problem, setProblem] = useState<ApiError | null>(null);
  // Shown after a reload that another person's change caused.
  const [notice, setNotice] = useState<{ kind: "error" | "success" | "info"; text: string } | null>(null);
  const [focus, setFocus] = useState<Focus | null>(null);
  const evidence = useMemo(() => (lead ? evidenceBySegment(lead) : new Map<number, ReasonRange[]>()), [lead]);

  const load = useCallback(
    () =>
      api
        .lead(props.id)
        .then((l) => {
          setLead((old) => (old && old.version === l.version && old.id === l.id ? old : l));
          setProblem(null);
          return l;
        })
        .catch((e: unknown) => {
          if (e instanceof ApiError) setProblem(e);
          return null;
        }),
    [api, props.id],
  );
  useEffect(() => {
    setLead(null);
    setNotice(null);
    setFocus(null);
    void load();
  }, [load]);
  useAutoRefresh(() => void load(), refreshSeconds);

  if (problem && !lead) {
    return (
      <section class="panel">
        <h1>Lead</h1>
        <Notice kind="error">
          {problem.status === 404 ? "There is no such lead in your business." : `Could not load the lead: ${problem.message}`}
        </Notice>
        <p>
          <Link to="/queue/open">Back to the queue</Link>
        </p>
      </section>
    );
  }
  if (!lead) return <p class="loading">Loading the lead…</p>;

  const { call, customer } = lead;
  return (
    <article class="review" aria-labelledby="lead-title">
      <div class="review-head">
        <Link to={`/queue/${lead.tab}`} class="back">
          ← {lead.tab === "open" ? "Open" : lead.tab === "cold" ? "Cold" : "Done"} queue
        </Link>
        <h1 id="lead-title">
          {customer.name ?? "Unknown caller"} <span class="phone-big">{formatPhone(customer.phone)}</span>
        </h1>
        <StatusBadge status={lead.status} label={lead.status_label} />
      </div>
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      <div class="review-grid">
        <div class="review-main">
          <section class="panel" aria-labelledby="details-title">
            <h2 id="details-title">Call</h2>
            <dl class="details">
              <dt>Phone</dt>
              <dd>{formatPhone(customer.phone)}</dd>
              <dt>Date and time</dt>
              <dd>
                <time dateTime={call.started_at}>{formatDateTime(call.started_at)}</time> ({formatDuration(call.duration_seconds)})
              </dd>
              <dt>Reason</dt>
              <dd>{call.call_reason ?? "—"}</dd>
              <dt>Agent</dt>
              <dd>{call.agent_name ?? call.agent_id ?? "—"}</dd>
              <dt>Customer / location</dt>
              <dd>
                {customer.customer_id ?? "no customer"} / {customer.location_id ?? "no location"}
              </dd>
              <dt>Calls from this number</dt>
              <dd>{lead.calls_count}</dd>
              <dt>Call-back attempts</dt>
              <dd>{lead.callback_attempts}</dd>
            </dl>
            <h3>Agent's notes</h3>
            <p class="csr-notes">{call.csr_notes ?? "No notes were taken on the call."}</p>
            <h3>
              Summary{" "}
              {lead.summary_is_generated && (
                <span class="tag" title="Written by Second Chance Leads from the transcript, not by a person">
                  Machine-generated
                </span>
              )}
            </h3>
            <p class="summary">{lead.summary}</p>
            <h3>Why this call was flagged</h3>
            <ul class="reasons">
              {lead.detection.reasons.map((r, i) => {
                const shown = [...evidence.values()].some((ranges) => ranges.some((e) => e.reason === i));
                return (
                  <li key={r}>
                    {shown ? (
                      <button
                        type="button"
                        class={focus?.reason === i ? "reason-link focused" : "reason-link"}
                        aria-pressed={focus?.reason === i}
                        title="Show where in the transcript"
                        onClick={() => {
                          setFocus({ reason: i, asked: Date.now() });
                        }}
                      >
                        {r}
                      </button>
                    ) : (
                      r
                    )}
                  </li>
                );
              })}
            </ul>
            <p class="muted">Detection score {lead.detection.score.toFixed(2)}</p>
            <h3>Recording</h3>
            {call.recording_url ? (
              <audio controls preload="none" src={call.recording_url} aria-label="Call recording">
                <a href={call.recording_url}>Download the recording</a>
              </audio>
            ) : (
              <p class="muted">No recording for this call.</p>
            )}
          </section>
          <Transcript lead={lead} evidence={evidence} focus={focus} />
          {lead.calls.length > 1 && (
            <section class="panel" aria-labelledby="calls-title">
              <h2 id="calls-title">Every call from this number ({lead.calls.length})</h2>
              <ul class="calls">
                {[...lead.calls]
                  .sort((a, b) => b.started_at.localeCompare(a.started_at))
                  .map((c) => (
                    <li key={c.call_id}>
                      <time dateTime={c.started_at}>{formatDateTime(c.started_at)}</time> ({formatDuration(c.duration_seconds)})
                      {c.call_reason ? ` — ${c.call_reason}` : ""}
                      {c.agent_name ? `, with ${c.agent_name}` : ""}
                      {c.call_id === call.call_id && <span class="tag">shown above</span>}
                    </li>
                  ))}
              </ul>
            </section>
          )}
        </div>
        <aside class="review-side" aria-label="Actions, notes and history">
          <Actions
            lead={lead}
            onChanged={(_, message) => {
              // The detail (history, notes) comes from a fresh read of the changed lead.
              setNotice(message ? { kind: "success", text: message } : null);
              void load();
            }}
            onConflict={() => {
              void load().then(() => {
                setNotice({
                  kind: "error",
                  text: "Someone else changed this lead while you were looking at it. It has been reloaded with their change: check it and try again.",
                });
              });
            }}
          />
          <Notes
            lead={lead}
            onAdded={() => {
              void load();
            }}
          />
          <History lead={lead} />
        </aside>
      </div>
    </article>
  );
}
