import { useEffect, useRef, useState } from "preact/hooks";
import { Dialog } from "../../components/Dialog.tsx";
import { Notice } from "../../components/Notice.tsx";
import { ApiError, newIdempotencyKey } from "../../lib/api.ts";
import { useApp } from "../../lib/context.ts";
import { formatDateTime, formatMoney, formatPhone } from "../../lib/format.ts";
import { MANUAL_STATUSES, STATUS_LABELS } from "../../lib/types.ts";
import type { CallbackAnswer, Lead, LeadDetail, LeadStatus } from "../../lib/types.ts";

type DismissReason = "not_a_lead" | "lead_not_following_up";

function describe(err: unknown): string {
  if (!(err instanceof ApiError)) return String(err);
  if (err.field === "callback_caller_id") {
    return "This business has no call-back caller ID yet: an administrator must set it in Settings before anyone can call back.";
  }
  if (err.code === "lead_locked") return "This lead is booked and can no longer change.";
  if (err.code === "invalid_transition") return `That is not possible from the lead's current status: ${err.message}`;
  return err.message;
}

/** Dismiss, Call Customer Back and status changes; booked leads are read-only. */
export function Actions(props: { lead: LeadDetail; onChanged: (lead: Lead, message: string | null) => void; onConflict: () => void }) {
  const { api } = useApp();
  const { lead } = props;
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [dismissOpen, setDismissOpen] = useState(false);
  const [calling, setCalling] = useState<CallbackAnswer | null>(null);
  const [status, setStatus] = useState<LeadStatus | "">("");
  const [statusNote, setStatusNote] = useState("");
  // Each open action keeps one Idempotency-Key until it succeeds, so a retry acts once.
  const keys = useRef<Record<string, string>>({});
  const keyFor = (action: string) => (keys.current[action] ??= newIdempotencyKey());
  const used = (action: string) => {
    keys.current = Object.fromEntries(Object.entries(keys.current).filter(([a]) => a !== action));
  };

  useEffect(() => {
    setStatus("");
    setStatusNote("");
    setProblem(null);
  }, [lead.id, lead.version]);

  if (lead.status === "booked_by_scl" || lead.status === "booked_elsewhere") {
    const b = lead.booking;
    return (
      <section class="panel" aria-labelledby="actions-title">
        <h2 id="actions-title">Actions</h2>
        <p class="locked" role="note">
          <strong>Read-only:</strong> this lead is {lead.status === "booked_by_scl" ? "booked by Second Chance Leads" : "booked elsewhere"}
          {b && (
            <>
              {" "}
              (job <code>{b.job_id}</code>, {formatDateTime(b.booked_at)}
              {b.job_value ? `, ${formatMoney(b.job_value)}` : ""})
            </>
          )}
          . A booked lead cannot be dismissed, called back or changed; notes can still be added.
        </p>
      </section>
    );
  }

  const run = (action: string, call: (key: string) => Promise<Lead>, message: (l: Lead) => string | null) => {
    setBusy(true);
    setProblem(null);
    call(keyFor(action))
      .then((l) => {
        used(action);
        props.onChanged(l, message(l));
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 412) {
          used(action);
          props.onConflict();
          return;
        }
        setProblem(describe(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const callBack = () => {
    run(
      "callback",
      (key) =>
        api.callback(lead.id, key).then((answer) => {
          setCalling(answer);
          return answer;
        }),
      () => null,
    );
  };

  const offered = MANUAL_STATUSES.filter((s) => s !== lead.status);
  const canCallBack = lead.status === "new" || lead.status === "call_back_attempted";

  return (
    <section class="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <div class="action-buttons">
        <button type="button" class="primary" disabled={busy || !canCallBack} onClick={callBack}>
          Call Customer Back
        </button>
        <button
          type="button"
          disabled={busy || lead.status === "not_a_lead" || lead.status === "not_following_up"}
          onClick={() => {
            setDismissOpen(true);
          }}
        >
          Dismiss…
        </button>
      </div>
      {!canCallBack && <p class="muted">Call-backs are for New and Call Back Attempted leads.</p>}
      {problem && <Notice kind="error">{problem}</Notice>}
      {calling?.callback && (
        <Notice kind="info">
          <p>
            <strong>Calling {formatPhone(lead.customer.phone)}</strong> from caller ID{" "}
            <strong class="caller-id">{formatPhone(calling.callback.caller_id)}</strong>.
          </p>
          <p>
            If you reach voicemail, leave the call-back number{" "}
            <strong class="voicemail-number">
              {calling.callback.voicemail_callback_number
                ? formatPhone(calling.callback.voicemail_callback_number)
                : formatPhone(calling.callback.caller_id)}
            </strong>
            .
          </p>
        </Notice>
      )}
      <form
        class="status-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!status) {
            setProblem("Choose the new status first.");
            return;
          }
          const to = status;
          run(`status:${to}`, (key) => api.setStatus(lead.id, to, statusNote, lead.version, key), (l) => `Status changed to ${l.status_label}.`);
        }}
      >
        <label for="status-select">Change status</label>
        <select
          id="status-select"
          value={status}
          onChange={(e) => {
            setStatus((e.target as HTMLSelectElement).value as LeadStatus | "");
          }}
        >
          <option value="">Choose…</option>
          {offered.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
        <label for="status-note">Note (optional)</label>
        <input
          id="status-note"
          type="text"
          maxLength={5000}
          value={statusNote}
          onInput={(e) => {
            setStatusNote((e.target as HTMLInputElement).value);
          }}
        />
        <button type="submit" disabled={busy}>
          Change status
        </button>
      </form>
      <DismissDialog
        open={dismissOpen}
        busy={busy}
        onClose={() => {
          setDismissOpen(false);
        }}
        onDismiss={(reason, comment) => {
          run(
            `dismiss:${reason}`,
            (key) => api.dismiss(lead.id, reason, comment, key),
            (l) => {
              setDismissOpen(false);
              return `Dismissed: ${l.status_label}. The lead moved to Done.`;
            },
          );
        }}
      />
    </section>
  );
}

function DismissDialog(props: { open: boolean; busy: boolean; onClose: () => void; onDismiss: (reason: DismissReason, comment: string) => void }) {
  const [reason, setReason] = useState<DismissReason | null>(null);
  const [comment, setComment] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (props.open) {
      setReason(null);
      setComment("");
      setProblem(null);
    }
  }, [props.open]);
  return (
    <Dialog id="dismiss" title="Dismiss this lead" open={props.open} onClose={props.onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!reason) {
            setProblem("Choose why the lead is dismissed.");
            return;
          }
          props.onDismiss(reason, comment);
        }}
      >
        <fieldset>
          <legend>Reason</legend>
          <label>
            <input
              type="radio"
              name="dismiss-reason"
              value="not_a_lead"
              checked={reason === "not_a_lead"}
              onChange={() => {
                setReason("not_a_lead");
              }}
            />{" "}
            Not a Lead — the caller never wanted a job
          </label>
          <label>
            <input
              type="radio"
              name="dismiss-reason"
              value="lead_not_following_up"
              checked={reason === "lead_not_following_up"}
              onChange={() => {
                setReason("lead_not_following_up");
              }}
            />{" "}
            Lead Not Following Up — a real lead we will not pursue
          </label>
        </fieldset>
        <label for="dismiss-comment">Comment (optional)</label>
        <textarea
          id="dismiss-comment"
          rows={3}
          maxLength={5000}
          value={comment}
          onInput={(e) => {
            setComment((e.target as HTMLTextAreaElement).value);
          }}
        />
        {problem && <Notice kind="error">{problem}</Notice>}
        <div class="dialog-buttons">
          <button type="submit" class="primary" disabled={props.busy}>
            Dismiss lead
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
