import { useState } from "preact/hooks";
import { Notice } from "../../components/Notice.tsx";
import { ApiError, newIdempotencyKey } from "../../lib/api.ts";
import { useApp } from "../../lib/context.ts";
import { formatDateTime } from "../../lib/format.ts";
import type { LeadDetail } from "../../lib/types.ts";

const MAX_NOTE = 5000;

/** The lead's notes, and adding one (optionally copied to the customer and/or location). */
export function Notes(props: { lead: LeadDetail; onAdded: () => void }) {
  const { api } = useApp();
  const { lead } = props;
  const [text, setText] = useState("");
  const [copy, setCopy] = useState<{ customer: boolean; location: boolean }>({ customer: false, location: false });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // One key per note being written: a retried click sends the same note once.
  const [key, setKey] = useState(newIdempotencyKey);

  const submit = (e: Event) => {
    e.preventDefault();
    if (!text.trim()) {
      setProblem("Write the note first.");
      return;
    }
    const copyTo = (["customer", "location"] as const).filter((t) => copy[t]);
    setBusy(true);
    setProblem(null);
    api
      .addNote(lead.id, text.trim(), copyTo, key)
      .then((note) => {
        setText("");
        setCopy({ customer: false, location: false });
        setKey(newIdempotencyKey());
        setDone(note.copied_to.length > 0 ? `Note added and copied to the ${note.copied_to.join(" and ")}.` : "Note added.");
        props.onAdded();
      })
      .catch((err: unknown) => {
        setProblem(err instanceof ApiError ? err.message : String(err));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  return (
    <section class="panel" aria-labelledby="notes-title">
      <h2 id="notes-title">Notes</h2>
      {lead.notes.length === 0 ? (
        <p class="muted">No notes yet.</p>
      ) : (
        <ul class="notes">
          {[...lead.notes]
            .sort((a, b) => b.created_at.localeCompare(a.created_at))
            .map((n) => (
            <li key={n.id}>
              <p>{n.text}</p>
              <div class="muted">
                {n.author_name ?? n.author_id} · <time dateTime={n.created_at}>{formatDateTime(n.created_at)}</time>
                {n.copied_to.length > 0 && <span class="tag">Copied to {n.copied_to.join(" and ")}</span>}
              </div>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={submit} class="note-form">
        <label for="note-text">Add a note</label>
        <textarea
          id="note-text"
          rows={3}
          maxLength={MAX_NOTE}
          value={text}
          onInput={(e) => {
            setText((e.target as HTMLTextAreaElement).value);
            setDone(null);
          }}
        />
        <fieldset class="inline">
          <legend>Also copy it to</legend>
          <label>
            <input
              type="checkbox"
              checked={copy.customer}
              disabled={!lead.customer.customer_id}
              onChange={(e) => {
                setCopy({ ...copy, customer: (e.target as HTMLInputElement).checked });
              }}
            />{" "}
            the customer{!lead.customer.customer_id && " (no customer record)"}
          </label>
          <label>
            <input
              type="checkbox"
              checked={copy.location}
              disabled={!lead.customer.location_id}
              onChange={(e) => {
                setCopy({ ...copy, location: (e.target as HTMLInputElement).checked });
              }}
            />{" "}
            the location{!lead.customer.location_id && " (no location record)"}
          </label>
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? "Adding…" : "Add note"}
        </button>
      </form>
      {problem && <Notice kind="error">{problem}</Notice>}
      {done && <Notice kind="success">{done}</Notice>}
    </section>
  );
}
