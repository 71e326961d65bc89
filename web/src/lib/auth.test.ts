import { expect, test } from "@playwright/test";
import { decodeSession } from "./auth.ts";
import { DEFAULT_TOKEN_SHAPE } from "./config.ts";

function token(claims: Record<string, unknown>): string {
  const part = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${part({ alg: "RS256" })}.${part(claims)}.signature`;
}

test("a Cognito access token: prefixed permissions read as plain ones", () => {
  const s = decodeSession(
    token({ sub: "u-9", client_id: "abc", tenant_id: "t-4", name: "Kim", scope: "openid email scl-api/scl.view scl-api/scl.admin", exp: 2_000_000_000 }),
    { ...DEFAULT_TOKEN_SHAPE, scope_prefix: "scl-api/" },
  );
  expect(s?.tenantId).toBe("t-4");
  expect(s?.name).toBe("Kim");
  expect(s?.scopes).toEqual(["openid", "email", "scl.view", "scl.admin"]);
});

test("another provider's claim names are read as configured", () => {
  const s = decodeSession(
    token({ sub: "u-1", "https://acme.example/business": "t-7", nickname: "Sam", scope: "scl.view other/scl.admin" }),
    { tenant_claim: "https://acme.example/business", name_claim: "nickname", scope_prefix: "" },
  );
  expect(s?.tenantId).toBe("t-7");
  expect(s?.name).toBe("Sam");
  // Another resource server's scope is not this API's permission.
  expect(s?.scopes).toEqual(["scl.view", "other/scl.admin"]);
});
