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
  } & TokenShape;
  environment?: string;
}

/** How the provider's tokens name the business and the display name, and what they put
 * before the permissions (the stack's TokenTenantClaim, TokenNameClaim, TokenScopePrefix). */
export interface TokenShape {
  tenant_claim: string;
  name_claim: string;
  scope_prefix: string;
}

export const DEFAULT_TOKEN_SHAPE: TokenShape = { tenant_claim: "tenant_id", name_claim: "name", scope_prefix: "" };

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
    oidc: {
      issuer: oidc.issuer,
      client_id: oidc.client_id,
      scope: oidc.scope ?? "openid",
      token: oidc.token ?? "access_token",
      tenant_claim: oidc.tenant_claim || DEFAULT_TOKEN_SHAPE.tenant_claim,
      name_claim: oidc.name_claim || DEFAULT_TOKEN_SHAPE.name_claim,
      scope_prefix: oidc.scope_prefix ?? DEFAULT_TOKEN_SHAPE.scope_prefix,
    },
    environment: c.environment ?? "aws",
  };
}
