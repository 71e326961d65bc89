import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Notice } from "../components/Notice.tsx";
import { ApiError, newIdempotencyKey } from "../lib/api.ts";
import { useApp } from "../lib/context.ts";
import type { Channel, Recipient, Settings as SettingsT, Strictness } from "../lib/types.ts";

/** The input id of an API field name: `recipients[0].email` → `s-recipients-0-email`. */
export function fieldId(field: string): string {
  return "s-" + field.replace(/[^A-Za-z0-9]+/g, "-").replace(/-$/, "");
}

interface Form {
  enabled: boolean;
  after_call_work_minutes: string;
  timezone: string;
  cold_after_days: string;
  quiet: boolean;
  quiet_start: string;
  quiet_end: string;
  callback_caller_id: string;
  voicemail_callback_number: string;
  min_call_seconds: string;
  detection_strictness: Strictness;
  recipients: Recipient[];
}

function toForm(s: SettingsT): Form {
  return {
    enabled: s.enabled,
    after_call_work_minutes: String(s.after_call_work_minutes),
    timezone: s.timezone,
    cold_after_days: String(s.cold_after_days),
    quiet: s.quiet_hours !== null,
    quiet_start: s.quiet_hours?.start ?? "21:00",
    quiet_end: s.quiet_hours?.end ?? "08:00",
    callback_caller_id: s.callback_caller_id ?? "",
    voicemail_callback_number: s.voicemail_callback_number ?? "",
    min_call_seconds: String(s.min_call_seconds),
    detection_strictness: s.detection_strictness,
    recipients: s.recipients,
  };
}

/** The whole form as a PUT body: numbers stay as typed when they are not numbers, so the API names the field. */
function toBody(f: Form): Record<string, unknown> {
  const num = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : v);
  const optional = (v: string) => (v.trim() === "" ? null : v.trim());
  return {
    enabled: f.enabled,
    after_call_work_minutes: num(f.after_call_work_minutes),
    timezone: f.timezone.trim(),
    cold_after_days: num(f.cold_after_days),
    quiet_hours: f.quiet ? { start: f.quiet_start, end: f.quiet_end } : null,
    callback_caller_id: optional(f.callback_caller_id),
    voicemail_callback_number: optional(f.voicemail_callback_number),
    min_call_seconds: num(f.min_call_seconds),
    detection_strictness: f.detection_strictness,
    recipients: f.recipients.map((r) => ({
      user_id: r.user_id.trim(),
      name: r.name?.trim() ? r.name.trim() : null,
      email: r.email?.trim() ? r.email.trim() : null,
      phone: r.phone?.trim() ? r.phone.trim() : null,
      channels: r.channels,
    })),
  };
}

/** A recipient's text fields: the API's name, the label, the input type. */
const RECIPIENT_FIELDS: readonly [keyof Omit<Recipient, "channels">, string, string][] = [
  ["user_id", "User id", "text"],
  ["name", "Name", "text"],
  ["email", "Email", "email"],
  ["phone", "Mobile for SMS", "tel"],
];

const ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
})();

function Field(props: { field: string; label: string; hint?: string; error: ApiError | null; children: (id: string, describedBy: string | undefined, invalid: boolean) => ComponentChildren }) {
  const id = fieldId(props.field);
  const invalid = props.error?.field === props.field;
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errId = invalid ? `${id}-error` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(" ") || undefined;
  return (
    <div class={`field${invalid ? " invalid" : ""}`}>
      <label for={id}>{props.label}</label>
      {props.children(id, describedBy, invalid)}
      {props.hint && (
        <p id={hintId} class="hint">
          {props.hint}
        </p>
      )}
      {invalid && (
        <p id={errId} class="field-error">
          {props.error?.message}
        </p>
      )}
    </div>
  );
}

/** The administrator's settings: who is told and how, quiet hours, calling, detection. */
export function Settings() {
  const { api } = useApp();
  const [form, setForm] = useState<Form | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newIdempotencyKey);

  useEffect(() => {
    api
      .settings()
      .then((s) => {
        setForm(toForm(s));
      })
      .catch((e: unknown) => {
        setError(e as ApiError);
      });
  }, [api]);

  useEffect(() => {
    if (error?.field) document.getElementById(fieldId(error.field))?.focus();
  }, [error]);

  if (!form) {
    return error ? <Notice kind="error">Could not load the settings: {error.message}</Notice> : <p class="loading">Loading…</p>;
  }
  const set = (patch: Partial<Form>) => {
    setForm({ ...form, ...patch });
    setSaved(false);
    setKey(newIdempotencyKey());
  };
  const setRecipient = (i: number, patch: Partial<Recipient>) => {
    set({ recipients: form.recipients.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  };
  const text = (field: keyof Form, id: string, describedBy: string | undefined, invalid: boolean, type = "text") => (
    <input
      id={id}
      type={type}
      value={form[field] as string}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      onInput={(e) => {
        set({ [field]: (e.target as HTMLInputElement).value });
      }}
    />
  );

  const save = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    api
      .saveSettings(toBody(form) as Partial<SettingsT>, key)
      .then((s) => {
        setForm(toForm(s));
        setError(null);
        setSaved(true);
        setKey(newIdempotencyKey());
      })
      .catch((err: unknown) => {
        setError(err instanceof ApiError ? err : new ApiError(0, "client", String(err)));
        setSaved(false);
      })
      .finally(() => {
        setBusy(false);
      });
  };

  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <form class="settings" onSubmit={save} noValidate>
        <fieldset>
          <legend>Second Chance Leads</legend>
          <div class="field">
            <label>
              <input
                id={fieldId("enabled")}
                type="checkbox"
                checked={form.enabled}
                aria-describedby="enabled-hint"
                onChange={(e) => {
                  set({ enabled: (e.target as HTMLInputElement).checked });
                }}
              />{" "}
              Find Second Chance Leads for this business
            </label>
            <p id="enabled-hint" class="hint">
              While off, calls are recorded as decided “disabled” and nothing is created; turning it on does not bring them back.
            </p>
          </div>
          <Field
            field="after_call_work_minutes"
            label="After Call Work Time (minutes)"
            hint="How long after a call ends to wait before deciding, so a job booked during the agent's wrap-up keeps the call out of the queue (0–60)."
            error={error}
          >
            {(id, d, inv) => text("after_call_work_minutes", id, d, inv, "number")}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Calling back</legend>
          <Field field="callback_caller_id" label="Caller ID for call-backs" hint="The number customers see when a CSR calls back." error={error}>
            {(id, d, inv) => text("callback_caller_id", id, d, inv, "tel")}
          </Field>
          <Field field="voicemail_callback_number" label="Voicemail call-back number" hint="The number CSRs leave on voicemail." error={error}>
            {(id, d, inv) => text("voicemail_callback_number", id, d, inv, "tel")}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Queue and time</legend>
          <Field field="timezone" label="Time zone" hint="An IANA zone, e.g. America/Chicago: days in reports and quiet hours use it." error={error}>
            {(id, d, inv) => (
              <>
                <input
                  id={id}
                  type="text"
                  list="zones"
                  value={form.timezone}
                  aria-invalid={inv || undefined}
                  aria-describedby={d}
                  onInput={(e) => {
                    set({ timezone: (e.target as HTMLInputElement).value });
                  }}
                />
                <datalist id="zones">
                  {ZONES.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field field="cold_after_days" label="Days until an untouched lead goes Cold" error={error}>
            {(id, d, inv) => text("cold_after_days", id, d, inv, "number")}
          </Field>
          <div class="field">
            <label>
              <input
                type="checkbox"
                checked={form.quiet}
                onChange={(e) => {
                  set({ quiet: (e.target as HTMLInputElement).checked });
                }}
              />{" "}
              Quiet hours (SMS held until they end)
            </label>
          </div>
          {form.quiet && (
            <div class="row">
              <Field field="quiet_hours.start" label="Quiet from" error={error}>
                {(id, d, inv) => text("quiet_start", id, d, inv, "time")}
              </Field>
              <Field field="quiet_hours.end" label="Quiet until" error={error}>
                {(id, d, inv) => text("quiet_end", id, d, inv, "time")}
              </Field>
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>Detection</legend>
          <Field field="detection_strictness" label="Strictness" hint="Lenient flags more calls; strict flags fewer, surer ones." error={error}>
            {(id, d, inv) => (
              <select
                id={id}
                value={form.detection_strictness}
                aria-invalid={inv || undefined}
                aria-describedby={d}
                onChange={(e) => {
                  set({ detection_strictness: (e.target as HTMLSelectElement).value as Strictness });
                }}
              >
                <option value="lenient">Lenient</option>
                <option value="balanced">Balanced</option>
                <option value="strict">Strict</option>
              </select>
            )}
          </Field>
          <Field field="min_call_seconds" label="Minimum call length (seconds)" hint="Shorter calls are never leads." error={error}>
            {(id, d, inv) => text("min_call_seconds", id, d, inv, "number")}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Who is told about new leads</legend>
          {error?.field === "recipients" && <p class="field-error">{error.message}</p>}
          {form.recipients.length === 0 && <p class="muted">Nobody yet.</p>}
          {form.recipients.map((r, i) => (
            <div class="recipient" key={i} role="group" aria-label={`Recipient ${i + 1}`}>
              {RECIPIENT_FIELDS.map(([key, label, type]) => (
                <Field key={key} field={`recipients[${i}].${key}`} label={label} error={error}>
                  {(id, d, inv) => (
                    <input
                      id={id}
                      type={type}
                      value={r[key] ?? ""}
                      aria-invalid={inv || undefined}
                      aria-describedby={d}
                      onInput={(e) => {
                        setRecipient(i, { [key]: (e.target as HTMLInputElement).value });
                      }}
                    />
                  )}
                </Field>
              ))}
              <fieldset class="inline">
                <legend>Channels</legend>
                {(["in_app", "email", "sms"] as Channel[]).map((c) => (
                  <label key={c}>
                    <input
                      type="checkbox"
                      checked={r.channels.includes(c)}
                      onChange={(e) => {
                        const on = (e.target as HTMLInputElement).checked;
                        setRecipient(i, { channels: on ? [...r.channels, c] : r.channels.filter((x) => x !== c) });
                      }}
                    />{" "}
                    {c === "in_app" ? "In the console" : c === "email" ? "Email" : "SMS"}
                  </label>
                ))}
              </fieldset>
              <button
                type="button"
                class="link"
                onClick={() => {
                  set({ recipients: form.recipients.filter((_, j) => j !== i) });
                }}
              >
                Remove recipient {i + 1}
              </button>
            </div>
          ))}
          <button
            type="button"
            onClick={() => {
              set({ recipients: [...form.recipients, { user_id: "", name: "", email: "", phone: "", channels: ["in_app"] }] });
            }}
          >
            Add a recipient
          </button>
        </fieldset>
        {error && !error.field && <Notice kind="error">{error.message}</Notice>}
        {error?.field && (
          <Notice kind="error">
            Not saved: {error.field} {error.message}
          </Notice>
        )}
        {saved && <Notice kind="success">Settings saved.</Notice>}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Saving…" : "Save settings"}
        </button>
      </form>
    </section>
  );
}
