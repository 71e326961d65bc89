// The API client: every call carries the signed-in user's token; errors become `ApiError`
// with the contract's code, message and field; changes carry an Idempotency-Key so a retried
// click never acts twice (docs/api.md, Retries from clients), and a status change its If-Match.

import type {
  AppNotification,
  BannerAnswer,
  CallbackAnswer,
  ErrorBody,
  Lead,
  LeadDetail,
  LeadStatus,
  NearMiss,
  Note,
  Page,
  ReportSummary,
  SearchMatch,
  Settings,
  Tab,
} from "./types.ts";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export type TokenSource = () => string | null;

/** A fresh key per user action: the same action retried (e.g. after a network error) reuses it. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === "object" && v !== null && "error" in v && typeof (v as ErrorBody).error.code === "string";
}

export class Api {
  readonly base: string;
  private readonly token: TokenSource;
  /** Called on a 401: the session is over (expired or revoked). */
  private readonly onUnauthorized: () => void;

  constructor(base: string, token: TokenSource, onUnauthorized: () => void) {
    this.base = base.replace(/\/$/, "");
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  private async send(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    let resp: Response;
    try {
      resp = await fetch(this.base + path, { method, headers, body });
    } catch {
      throw new ApiError(0, "network", "The server could not be reached. Check the connection and try again.");
    }
    if (resp.ok) return resp;
    let parsed: unknown = null;
    try {
      parsed = await resp.json();
    } catch {
      /* not JSON: described by status below */
    }
    if (resp.status === 401) this.onUnauthorized();
    if (isErrorBody(parsed)) {
      throw new ApiError(resp.status, parsed.error.code, parsed.error.message, parsed.error.field);
    }
    throw new ApiError(resp.status, "http_" + String(resp.status), `The server answered ${resp.status}.`);
  }

  private async json<T>(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    const resp = await this.send(method, path, opts);
    return (await resp.json()) as T;
  }

  listLeads(tab: Tab, status: LeadStatus | null, cursor: string | null, limit = 50): Promise<Page<Lead>> {
    const q = new URLSearchParams({ tab, limit: String(limit) });
    if (status) q.set("status", status);
    if (cursor) q.set("cursor", cursor);
    return this.json("GET", `/leads?${q.toString()}`);
  }

  /** How many leads each tab lists now. */
  queueCounts(): Promise<Record<Tab, number>> {
    return this.json("GET", "/reports/queue");
  }

  lead(id: string): Promise<LeadDetail> {
    return this.json("GET", `/leads/${encodeURIComponent(id)}`);
  }

  async searchTranscript(id: string, q: string): Promise<SearchMatch[]> {
    const r = await this.json<{ matches: SearchMatch[] }>(
      "GET",
      `/leads/${encodeURIComponent(id)}/transcript/search?${new URLSearchParams({ q }).toString()}`,
    );
    return r.matches;
  }

  addNote(id: string, text: string, copyTo: string[], key: string): Promise<Note> {
    const body: { text: string; copy_to?: string[] } = { text };
    if (copyTo.length > 0) body.copy_to = copyTo;
    return this.json("POST", `/leads/${encodeURIComponent(id)}/notes`, { body, headers: { "Idempotency-Key": key } });
  }

  dismiss(id: string, reason: "not_a_lead" | "lead_not_following_up", comment: string, key: string): Promise<Lead> {
    const body: { reason: string; comment?: string } = { reason };
    if (comment.trim()) body.comment = comment.trim();
    return this.json("POST", `/leads/${encodeURIComponent(id)}/dismiss`, { body, headers: { "Idempotency-Key": key } });
  }

  callback(id: string, key: string): Promise<CallbackAnswer> {
    return this.json("POST", `/leads/${encodeURIComponent(id)}/callback`, { body: {}, headers: { "Idempotency-Key": key } });
  }

  setStatus(id: string, status: LeadStatus, note: string, version: number, key: string): Promise<Lead> {
    const body: { status: string; note?: string } = { status };
    if (note.trim()) body.note = note.trim();
    return this.json("PUT", `/leads/${encodeURIComponent(id)}/status`, {
      body,
      headers: { "If-Match": `"${String(version)}"`, "Idempotency-Key": key },
    });
  }

  banner(phone: string): Promise<BannerAnswer> {
    return this.json("GET", `/banner?${new URLSearchParams({ phone }).toString()}`);
  }

  settings(): Promise<Settings> {
    return this.json("GET", "/settings");
  }

  saveSettings(changes: Partial<Settings>, key: string): Promise<Settings> {
    return this.json("PUT", "/settings", { body: changes, headers: { "Idempotency-Key": key } });
  }

  async notifications(unreadOnly = false): Promise<AppNotification[]> {
    const r = await this.json<{ items: AppNotification[] }>("GET", `/notifications${unreadOnly ? "?unread_only=true" : ""}`);
    return r.items;
  }

  markRead(id: string): Promise<AppNotification> {
    return this.json("POST", `/notifications/${encodeURIComponent(id)}/read`, { body: {} });
  }

  nearMisses(cursor: string | null): Promise<Page<NearMiss>> {
    const q = new URLSearchParams({ limit: "25" });
    if (cursor) q.set("cursor", cursor);
    return this.json("GET", `/calls/near-misses?${q.toString()}`);
  }

  promote(callId: string, key: string): Promise<Lead> {
    return this.json("POST", `/calls/${encodeURIComponent(callId)}/promote`, { body: {}, headers: { "Idempotency-Key": key } });
  }

  report(from: string, to: string): Promise<ReportSummary> {
    return this.json("GET", `/reports/summary?${new URLSearchParams({ from, to }).toString()}`);
  }

  /** The CSV as a file (the route needs the token, so not a plain link). */
  async reportCsv(from: string, to: string): Promise<Blob> {
    const resp = await this.send("GET", `/reports/summary.csv?${new URLSearchParams({ from, to }).toString()}`, {
      headers: { Accept: "text/csv" },
    });
    return resp.blob();
  }
}
