// What the deployed console is told at start (`/config.json`, written at deploy time; the
// local stack serves its own): where the API is and whom to sign in with.

export interface ConsoleConfig {
  api_url: string;
  oidc: {
    issuer: string;
    client_id: string;
    scope: string;
    /** Which token the API's authorizer accepts: the access token (default) or the ID token. */
    token?: "access_token" | "id_token";
  };
  environment?: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const resp = await fetch("/config.json", { cache: "no-cache" });
  if (!resp.ok) throw new Error(`The console's configuration could not be loaded (${resp.status}).`);
  const c = (await resp.json()) as { api_url?: unknown; oidc?: Partial<ConsoleConfig["oidc"]>; environment?: string };
  const oidc = c.oidc;
  if (typeof c.api_url !== "string" || !oidc || typeof oidc.issuer !== "string" || typeof oidc.client_id !== "string") {
    throw new Error("The console's configuration is incomplete (api_url, oidc.issuer, oidc.client_id).");
  }
  return {
    api_url: c.api_url,
    oidc: { issuer: oidc.issuer, client_id: oidc.client_id, scope: oidc.scope ?? "openid", token: oidc.token ?? "access_token" },
    environment: c.environment ?? "aws",
  };
}
