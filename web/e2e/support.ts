// What the browser tests need besides the browser: the stack's addresses, tokens, and the
// events the phone platform and booking system send (through the local Invoke API, as
// EventBridge would deliver them). Each test works in a business (tenant) of its own.

import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect } from "@playwright/test";
import type { Page } from "@playwright/test";

export const CONSOLE = process.env.SCL_CONSOLE_URL ?? "http://127.0.0.1:3000";
export const INVOKE = process.env.SCL_INVOKE_URL ?? "http://127.0.0.1:3001";
const SECRET = process.env.SCL_DEV_JWT_SECRET ?? "scl-local-dev-secret";
const ROOT = path.resolve(import.meta.dirname, "../..");
export const SHOTS = path.resolve(import.meta.dirname, "../test-results/screenshots");

export function uniqueTenant(name: string): string {
  return `t-web-${name}-${randomUUID().slice(0, 8)}`;
}

/** A phone number nobody else uses, as E.164. */
export function uniquePhone(): string {
  // A North American exchange starts with 2-9.
  return `+1512${String(Math.floor(Math.random() * 8_000_000) + 2_000_000)}`;
}

/** A dev token as the local stack's provider issues them (for the tests' own API calls). */
export function token(tenant: string, user: string, scope: string, name?: string): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const body = b64({ sub: user, tenant_id: tenant, scope, name, iss: "scl-local", aud: "scl-api", iat: now - 5, exp: now + 3600 });
  const head = b64({ alg: "HS256", typ: "JWT" });
  const sig = createHmac("sha256", SECRET).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

export async function api(tok: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const resp = await fetch(CONSOLE + route, {
    method,
    headers: { Authorization: `Bearer ${tok}`, "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  return { status: resp.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** The samples' sources (events/), which a business must bind before it receives their events. */
const SAMPLE_SOURCES = [
  { source: "phone.platform", account: "123456789012" },
  { source: "booking.system", account: "123456789012" },
];
const bound = new Set<string>();

/** Binds the business to the samples' sources, as its administrator would (once per business). */
async function bind(tenant: string): Promise<void> {
  if (bound.has(tenant)) return;
  const out = await api(token(tenant, "admin", "scl.admin"), "PUT", "/settings", { event_sources: SAMPLE_SOURCES });
  expect(out.status, JSON.stringify(out.body)).toBe(200);
  bound.add(tenant);
}

async function invoke(fn: string, event: { detail: Record<string, unknown> }): Promise<Record<string, unknown>> {
  if (typeof event.detail.tenant_id === "string") await bind(event.detail.tenant_id);
  const resp = await fetch(`${INVOKE}/2015-03-31/functions/${fn}/invocations`, { method: "POST", body: JSON.stringify(event) });
  expect(resp.status).toBe(200);
  return (await resp.json()) as Record<string, unknown>;
}

function sample(name: string): { detail: Record<string, unknown> } & Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, "events", name), "utf8")) as { detail: Record<string, unknown> } & Record<string, unknown>;
}

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * A qualifying call (the repository's sample, events/call-completed.json) ended `minutesAgo`
 * ago; its lead id. `outcome` is what ingestion must answer: a new lead, or a call attached to
 * the number's open lead.
 */
export async function sendCall(
  tenant: string,
  patch: Record<string, unknown> = {},
  minutesAgo = 10,
  outcome: "created" | "attached" = "created",
): Promise<string> {
  const e = sample("call-completed.json");
  const ended = Date.now() - minutesAgo * 60_000;
  e.id = randomUUID();
  e.detail = {
    ...e.detail,
    tenant_id: tenant,
    call_id: `call-${randomUUID()}`,
    started_at: iso(ended - 252_000),
    ended_at: iso(ended),
    ...patch,
  };
  const out = await invoke("IngestCallFunction", e);
  expect(out.outcome, JSON.stringify(out)).toBe(outcome);
  return String(out.lead_id);
}

/**
 * A call that passes every gate but scores just under the threshold (a customer asking about an
 * existing job): a near miss, not a lead. Its call id.
 */
export async function sendNearMiss(tenant: string, phone: string): Promise<string> {
  const e = sample("call-completed.json");
  const ended = Date.now() - 20 * 60_000;
  const callId = `call-${randomUUID()}`;
  e.id = randomUUID();
  e.detail = {
    ...e.detail,
    tenant_id: tenant,
    call_id: callId,
    from_number: phone,
    started_at: iso(ended - 252_000),
    ended_at: iso(ended),
    call_reason: null,
    csr_notes: null,
    transcript: [
      { speaker: "agent", start_ms: 0, text: "Thanks for calling." },
      { speaker: "customer", start_ms: 2000, text: "Hi, I'm just checking when my technician is coming, the appointment was at two." },
      { speaker: "agent", start_ms: 6000, text: "He's running a little late, about twenty minutes." },
      { speaker: "customer", start_ms: 9000, text: "Okay. Also, while he's here, could he look at the noise our dryer makes?" },
    ],
  };
  const out = await invoke("IngestCallFunction", e);
  expect(out.outcome, JSON.stringify(out)).not.toBe("created");
  return callId;
}

/** The booking system's JobBooked for `phone` (events/job-booked.json). */
export async function sendBooking(tenant: string, phone: string, extra: Record<string, unknown> = {}): Promise<void> {
  const e = sample("job-booked.json");
  e.id = randomUUID();
  e.detail = { ...e.detail, tenant_id: tenant, job_id: `job-${randomUUID().slice(0, 8)}`, customer_phone: phone, booked_at: iso(Date.now()), ...extra };
  const out = await invoke("IngestBookingFunction", e);
  expect(JSON.stringify(out)).not.toContain("errorType");
}

export interface Who {
  tenant: string;
  user?: string;
  name?: string;
  scopes?: ("scl.view" | "scl.admin")[];
}

/** Signs in through the console's real sign-in (the local provider's page, code + PKCE). */
export async function signIn(page: Page, who: Who, startAt = "/"): Promise<void> {
  await page.goto(startAt);
  await expect(page.getByRole("heading", { name: "Sign in to Second Chance Leads" })).toBeVisible();
  await page.getByLabel("Business (tenant id)").fill(who.tenant);
  await page.getByLabel("User id").fill(who.user ?? "u-1");
  await page.getByLabel("Display name").fill(who.name ?? "Sam Carter");
  const scopes = who.scopes ?? ["scl.view", "scl.admin"];
  for (const s of ["scl.view", "scl.admin"] as const) {
    await page.locator(`input[name="scope_${s}"]`).setChecked(scopes.includes(s));
  }
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Console" })).toBeVisible();
}

/** The business's settings, set through the API as an administrator would. */
export async function setUp(tenant: string, settings: Record<string, unknown>): Promise<void> {
  const r = await api(token(tenant, "admin-1", "scl.view scl.admin", "Alex Admin"), "PUT", "/settings", settings);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

const refusals = new WeakMap<Page, string[]>();

/**
 * Records every Content-Security-Policy refusal the page reports, across navigations (the local
 * stack sends the console's CSP); `cspViolations` reads them.
 */
export function watchCsp(page: Page): void {
  const seen: string[] = [];
  refusals.set(page, seen);
  page.on("console", (m) => {
    if (m.type() === "error" && m.text().includes("Content Security Policy")) seen.push(m.text());
  });
}

export function cspViolations(page: Page): string[] {
  return refusals.get(page) ?? [];
}

/** A screenshot of the page as it is, for the run's record (test-results/screenshots/). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's scan of the page as it is: the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the browser's debugging protocol, which the console's CSP (scripts from
  // its own origin only) does not govern; a <script> tag would be refused, rightly.
  await page.evaluate(readFileSync(path.resolve(import.meta.dirname, "../node_modules/axe-core/axe.min.js"), "utf8"));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations;
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact ?? ""}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
