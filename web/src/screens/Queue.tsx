import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { Link } from "../components/Link.tsx";
import { Notice } from "../components/Notice.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";
import type { ApiError } from "../lib/api.ts";
import { useApp } from "../lib/context.ts";
import { formatAge, formatDateTime, formatPhone } from "../lib/format.ts";
import { useAutoRefresh } from "../lib/refresh.ts";
import { navigate } from "../lib/router.ts";
import { STATUS_LABELS, TAB_STATUSES } from "../lib/types.ts";
import type { Lead, LeadStatus, Tab } from "../lib/types.ts";

const PAGE_SIZE = 50;
const TAB_LABELS: Record<Tab, string> = { open: "Open", cold: "Cold", done: "Done" };
const TAB_HINTS: Record<Tab, string> = {
  open: "Leads to work: new, and called back without a booking yet.",
  cold: "Open leads nobody touched for the business's cold-after days.",
  done: "Booked, dismissed or closed leads.",
};

function queueUrl(tab: Tab, status: string | null, cursor: string | null): string {
  const q = new URLSearchParams();
  if (status) q.set("status", status);
  if (cursor) q.set("cursor", cursor);
  const s = q.toString();
  return `/queue/${tab}${s ? `?${s}` : ""}`;
}

/**
 * The queue: a page of 50 leads at a time (newest call first), whatever the backlog, so a
 * queue of thousands pages as fast as one of ten. The page's cursor is in the address: a
 * reload, a refresh or coming back from a lead keeps the CSR's place.
 */
export function Queue(props: { tab: Tab; status: string | null; cursor: string | null }) {
  const { api, refreshSeconds } = useApp();
  const { tab, cursor } = props;
  const allowed = TAB_STATUSES[tab];
  const status = allowed.includes(props.status as LeadStatus) ? (props.status as LeadStatus) : null;
  const [page, setPage] = useState<{ key: string; items: Lead[]; next: string | null } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [refreshedAt, setRefreshedAt] = useState<Date | null>(null);
  const [counts, setCounts] = useState<Record<Tab, number> | null>(null);
  // The cursors of the pages before this one, to page back (kept while paging forward).
  const previous = useRef<string[]>([]);
  const key = `${tab}|${status ?? ""}|${cursor ?? ""}`;

  const load = useCallback(() => {
    api
      .listLeads(tab, status, cursor, PAGE_SIZE)
      .then((p) => {
        setPage({ key, items: p.items, next: p.next_cursor });
        setProblem(null);
        setRefreshedAt(new Date());
      })
      .catch((e: unknown) => {
        setProblem((e as ApiError).message);
      });
    api
      .queueCounts()
      .then(setCounts)
      .catch(() => {
        // The tabs just show no counts; the list says what went wrong, if anything.
        setCounts(null);
      });
  }, [api, tab, status, cursor, key]);
  useEffect(load, [load]);
  useAutoRefresh(load, refreshSeconds);
  useEffect(() => {
    if (!cursor) previous.current = [];
  }, [cursor]);

  const items = page?.key === key ? page.items : null;
  const pageNumber = cursor ? previous.current.length + 1 : 1;

  return (
    <section aria-labelledby="queue-title">
      <div class="queue-head">
        <h1 id="queue-title">Second Chance Leads</h1>
        <p class="muted refreshed" aria-live="off">
          {refreshedAt ? `Updated ${refreshedAt.toLocaleTimeString()}` : ""}
        </p>
      </div>
      <nav class="tabs" aria-label="Queue tabs">
        <ul>
          {(Object.keys(TAB_LABELS) as Tab[]).map((t) => (
            <li key={t}>
              <Link to={queueUrl(t, null, null)} current={t === tab} class="tab">
                {TAB_LABELS[t]}
                {counts && (
                  <span class="count" data-tab-count={t}>
                    <span class="visually-hidden">, </span>
                    {counts[t].toLocaleString()}
                    <span class="visually-hidden">{counts[t] === 1 ? " lead" : " leads"}</span>
                  </span>
                )}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <p class="muted">{TAB_HINTS[tab]}</p>
      <div class="filters">
        <label for="status-filter">Status</label>
        <select
          id="status-filter"
          value={status ?? ""}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            navigate(queueUrl(tab, v || null, null));
          }}
        >
          <option value="">All in {TAB_LABELS[tab]}</option>
          {allowed.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
      </div>
      {problem && <Notice kind="error">Could not load the queue: {problem}</Notice>}
      {items === null && !problem && <p class="loading">Loading…</p>}
      {items !== null && items.length === 0 && (
        <p class="empty">{cursor ? "No more leads." : `No leads in ${TAB_LABELS[tab]}${status ? ` with status ${STATUS_LABELS[status]}` : ""}.`}</p>
      )}
      {items !== null && items.length > 0 && (
        <table class="queue">
          <caption class="visually-hidden">
            {TAB_LABELS[tab]} leads, newest call first, page {pageNumber}
          </caption>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Call</th>
              <th scope="col">Reason and summary</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Call-backs
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((l) => (
              <tr
                key={l.id}
                data-lead-id={l.id}
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest("a")) return;
                  navigate(`/review/${l.id}`);
                }}
              >
                <td>
                  <Link to={`/review/${l.id}`} class="lead-link">
                    {l.customer.name ?? "Unknown caller"}
                  </Link>
                  <div class="phone">{formatPhone(l.customer.phone)}</div>
                </td>
                <td>
                  <time dateTime={l.call.started_at}>{formatDateTime(l.call.started_at)}</time>
                  <div class="muted">{formatAge(l.call.started_at)}</div>
                </td>
                <td class="summary-cell">
                  {l.call.call_reason && <div class="reason">{l.call.call_reason}</div>}
                  <div class="summary-line" title={l.summary}>
                    {l.summary}
                  </div>
                </td>
                <td>
                  <StatusBadge status={l.status} label={l.status_label} />
                </td>
                <td class="num">{l.callback_attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={!cursor}
          onClick={() => {
            const before = previous.current.pop() ?? null;
            navigate(queueUrl(tab, status, before));
          }}
        >
          ← Newer
        </button>
        <span>Page {pageNumber}</span>
        <button
          type="button"
          disabled={!page?.next || page.key !== key}
          onClick={() => {
            if (!page?.next) return;
            if (cursor) previous.current.push(cursor);
            navigate(queueUrl(tab, status, page.next));
          }}
        >
          Older →
        </button>
      </nav>
    </section>
  );
}
