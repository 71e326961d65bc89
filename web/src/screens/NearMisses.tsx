import { useCallback, useEffect, useState } from "preact/hooks";
import { Notice } from "../components/Notice.tsx";
import { ApiError, newIdempotencyKey } from "../lib/api.ts";
import { useApp } from "../lib/context.ts";
import { formatDateTime, formatDuration, formatPhone } from "../lib/format.ts";
import { navigate } from "../lib/router.ts";
import type { NearMiss } from "../lib/types.ts";

/** Calls that scored just under the business's threshold, newest first; Promote makes a lead. */
export function NearMisses() {
  const { api } = useApp();
  const [items, setItems] = useState<NearMiss[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(
    (cursor: string | null) => {
      api
        .nearMisses(cursor)
        .then((p) => {
          setItems((old) => (cursor && old ? [...old, ...p.items] : p.items));
          setNext(p.next_cursor);
          setProblem(null);
        })
        .catch((e: unknown) => {
          setProblem((e as ApiError).message);
        });
    },
    [api],
  );
  useEffect(() => {
    load(null);
  }, [load]);

  const promote = (m: NearMiss) => {
    setBusy(m.call_id);
    api
      .promote(m.call_id, newIdempotencyKey())
      .then((lead) => {
        navigate(`/review/${lead.id}`);
      })
      .catch((e: unknown) => {
        setProblem(
          e instanceof ApiError && e.code === "already_a_lead" ? "That call is already a lead." : e instanceof ApiError ? e.message : String(e),
        );
        setBusy(null);
      });
  };

  return (
    <section aria-labelledby="nm-title">
      <h1 id="nm-title">Near misses</h1>
      <p class="muted">
        Calls that passed every check but scored just below this business's detection threshold, kept for 30 days. Promote one that
        is a real lead: it joins the queue and teaches the detector.
      </p>
      {problem && <Notice kind="error">{problem}</Notice>}
      {items === null && !problem && <p class="loading">Loading…</p>}
      {items?.length === 0 && <p class="empty">No near misses in the last 30 days.</p>}
      {items && items.length > 0 && (
        <table class="queue">
          <thead>
            <tr>
              <th scope="col">Caller</th>
              <th scope="col">Call</th>
              <th scope="col">Summary and signals</th>
              <th scope="col" class="num">
                Score
              </th>
              <th scope="col">
                <span class="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.call_id}>
                <td class="phone">{formatPhone(m.customer_phone)}</td>
                <td>
                  {formatDateTime(m.started_at)}
                  <div class="muted">{formatDuration(m.duration_seconds)}</div>
                </td>
                <td class="summary-cell">
                  <div>{m.summary}</div>
                  <div class="muted">{m.reasons.join("; ")}</div>
                </td>
                <td class="num">{m.score.toFixed(2)}</td>
                <td>
                  <button
                    type="button"
                    disabled={busy !== null}
                    onClick={() => {
                      promote(m);
                    }}
                    aria-label={`Promote the call from ${formatPhone(m.customer_phone)} at ${formatDateTime(m.started_at)}`}
                  >
                    {busy === m.call_id ? "Promoting…" : "Promote"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button
          type="button"
          onClick={() => {
            load(next);
          }}
        >
          Show older
        </button>
      )}
    </section>
  );
}
