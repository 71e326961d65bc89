// Sign-in by OAuth 2.0 authorization code with PKCE (S256) against the issuer `config.json`
// names: locally the dev provider of the local stack, on AWS the business's OIDC provider.
// The token lives in sessionStorage: it ends with the tab, and no other site can read it.

import type { ConsoleConfig, TokenShape } from "./config.ts";

const TOKEN_KEY = "scl.token";
const PENDING_KEY = "scl.signin";
export const CALLBACK_PATH = "/signin/callback";

export interface Session {
  token: string;
  expiresAt: number;
  userId: string;
  tenantId: string;
  name: string | null;
  scopes: string[];
}

interface Pending {
  state: string;
  verifier: string;
  returnTo: string;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The claims the console shows and decides with (the API checks the token itself), read
 * with the provider's claim names; permissions without its prefix (`scl-api/scl.admin` →
 * `scl.admin`). */
export function decodeSession(token: string, shape: TokenShape, expiresIn?: number): Session | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json) as Record<string, unknown>;
    const scope = typeof claims.scope === "string" ? claims.scope : "";
    const exp = typeof claims.exp === "number" ? claims.exp * 1000 : Date.now() + (expiresIn ?? 3600) * 1000;
    return {
      token,
      expiresAt: exp,
      userId: typeof claims.sub === "string" ? claims.sub : "",
      tenantId: stringClaim(claims, shape.tenant_claim) ?? "",
      name: stringClaim(claims, shape.name_claim),
      scopes: scope
        .split(/\s+/)
        .filter(Boolean)
        .map((s) => (shape.scope_prefix && s.startsWith(shape.scope_prefix) ? s.slice(shape.scope_prefix.length) : s)),
    };
  } catch {
    return null;
  }
}

function stringClaim(claims: Record<string, unknown>, name: string): string | null {
  const v = claims[name];
  return typeof v === "string" ? v : null;
}

export function currentSession(shape: TokenShape): Session | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  const s = decodeSession(token, shape);
  // A minute's margin: a token about to expire would fail mid-action.
  if (!s || s.expiresAt < Date.now() + 60_000) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return s;
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

async function discover(issuer: string): Promise<Discovery> {
  const resp = await fetch(issuer.replace(/\/$/, "") + "/.well-known/openid-configuration");
  if (!resp.ok) throw new Error(`The sign-in provider could not be reached (${resp.status}).`);
  return (await resp.json()) as Discovery;
}

function redirectUri(): string {
  return window.location.origin + CALLBACK_PATH;
}

/** Leaves for the provider's sign-in page; comes back to CALLBACK_PATH. */
export async function beginSignIn(config: ConsoleConfig, returnTo: string): Promise<void> {
  const { authorization_endpoint } = await discover(config.oidc.issuer);
  const pending: Pending = { state: randomString(16), verifier: randomString(48), returnTo };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const q = new URLSearchParams({
    response_type: "code",
    client_id: config.oidc.client_id,
    redirect_uri: redirectUri(),
    scope: config.oidc.scope,
    state: pending.state,
    code_challenge: await s256(pending.verifier),
    code_challenge_method: "S256",
  });
  window.location.assign(`${authorization_endpoint}?${q.toString()}`);
}

/** On CALLBACK_PATH: exchanges the code for a token; returns where the user was going. */
export async function completeSignIn(config: ConsoleConfig, search: string): Promise<string> {
  const params = new URLSearchParams(search);
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const pending = raw ? (JSON.parse(raw) as Pending) : null;
  const error = params.get("error");
  if (error) throw new Error(`Sign-in was refused: ${params.get("error_description") ?? error}.`);
  const code = params.get("code");
  if (!pending || !code || params.get("state") !== pending.state) {
    throw new Error("This sign-in answer does not belong to this tab. Please sign in again.");
  }
  const { token_endpoint } = await discover(config.oidc.issuer);
  const resp = await fetch(token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri(),
      client_id: config.oidc.client_id,
      code_verifier: pending.verifier,
    }).toString(),
  });
  if (!resp.ok) throw new Error("The sign-in could not be completed. Please sign in again.");
  const answer = (await resp.json()) as { access_token?: string; expires_in?: number };
  const token = config.oidc.token === "id_token" ? (answer as { id_token?: string }).id_token : answer.access_token;
  if (!token || !decodeSession(token, config.oidc, answer.expires_in)) throw new Error("The sign-in provider sent no usable token.");
  sessionStorage.setItem(TOKEN_KEY, token);
  return pending.returnTo.startsWith("/") ? pending.returnTo : "/";
}
