import { formatDateTime } from "../../lib/format.ts";
import { STATUS_LABELS } from "../../lib/types.ts";
import type { HistoryEntry, LeadDetail } from "../../lib/types.ts";

const ACTIONS: Record<string, string> = {
  created: "Flagged as a Second Chance Lead",
  call_attached: "Called again",
  note_added: "Added a note",
  dismissed: "Dismissed",
  callback_requested: "Called the customer back",
  status_changed: "Changed the status",
  booked: "Job booked",
  promoted: "Promoted from near misses",
  booking_recorded: "Booking recorded",
};

function who(h: HistoryEntry): string {
  if (h.actor_name) return h.actor_name;
  if (h.actor_id === "system") return "Second Chance Leads";
  return h.actor_id;
}

/** The lead's history, newest first. */
export function History(props: { lead: LeadDetail }) {
  // Newest first, whatever order the API lists them in (ties keep their order).
  const entries = [...props.lead.history].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ol class="history">
        {entries.map((h, i) => (
          <li key={i}>
            <div>
              <strong>{ACTIONS[h.action] ?? h.action.replace(/_/g, " ")}</strong>
              {h.from_status && h.to_status && h.from_status !== h.to_status && (
                <span>
                  {" "}
                  — {STATUS_LABELS[h.from_status]} → {STATUS_LABELS[h.to_status]}
                </span>
              )}
            </div>
            {h.reason && <div class="muted">Reason: {h.reason.replace(/_/g, " ")}</div>}
            {h.note && <div class="history-note">{h.note}</div>}
            <div class="muted">
              {who(h)} · <time dateTime={h.at}>{formatDateTime(h.at)}</time>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
