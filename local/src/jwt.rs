//! Dev tokens: HS256 JWTs with issuer `scl-local` and audience `scl-api`, validated the way
//! the API Gateway JWT authorizer validates real ones (signature, iss, exp, `nbf` and `iat`
//! not in the future, and the audience: `aud`, or when a token has none, `client_id`, as in
//! Cognito's access tokens).

use anyhow::Result;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const ISSUER: &str = "scl-local";
pub const AUDIENCE: &str = "scl-api";
pub const DEFAULT_SECRET: &str = "scl-local-dev-secret";

/// The secret from `SCL_DEV_JWT_SECRET`, or the documented default.
pub fn secret_from_env() -> String {
    std::env::var("SCL_DEV_JWT_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_SECRET.to_owned())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevClaims {
    pub sub: String,
    pub tenant_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub scope: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
}

impl DevClaims {
    pub fn new(sub: &str, tenant_id: &str, scope: &str, ttl_seconds: i64) -> Self {
        let now = chrono::Utc::now().timestamp();
        DevClaims {
            sub: sub.into(),
            tenant_id: tenant_id.into(),
            name: None,
            scope: scope.into(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            exp: now + ttl_seconds,
            iat: now,
        }
    }
}

pub fn mint(claims: &impl Serialize, secret: &str) -> Result<String> {
    Ok(encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?)
}

/// The claims of an access token as the stack's Cognito user pool issues it (no `aud`: the app
/// client in `client_id`; resource-server scopes; `tenant_id` and `name` from the
/// pre-token-generation trigger), signed like the dev tokens.
pub fn cognito_access_claims(sub: &str, tenant_id: &str, scope: &str, client_id: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    serde_json::json!({
        "sub": sub, "iss": ISSUER, "client_id": client_id, "token_use": "access",
        "scope": scope, "tenant_id": tenant_id, "name": "Kim",
        "username": sub, "exp": now + 300, "iat": now, "auth_time": now,
    })
}

/// Verifies a bearer token; returns every claim (as API Gateway passes them on).
pub fn verify(token: &str, secret: &str) -> Option<Map<String, Value>> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&[ISSUER]);
    v.set_required_spec_claims(&["exp", "iss"]);
    v.validate_aud = false;
    v.validate_nbf = true;
    let claims =
        decode::<Map<String, Value>>(token, &DecodingKey::from_secret(secret.as_bytes()), &v)
            .ok()?
            .claims;
    let audience_matches = match claims.get("aud") {
        Some(Value::String(aud)) => aud == AUDIENCE,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(AUDIENCE)),
        Some(_) => false,
        None => claims.get("client_id").and_then(Value::as_str) == Some(AUDIENCE),
    };
    if !audience_matches {
        return None;
    }
    // A token issued in the future is refused too (with the same leeway as exp and nbf).
    let issued = claims.get("iat").and_then(Value::as_i64);
    if issued.is_some_and(|iat| iat > chrono::Utc::now().timestamp() + v.leeway as i64) {
        return None;
    }
    Some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_and_tampering_fails() {
        let t = mint(&DevClaims::new("u-1", "t-1", "scl.view", 60), "s").unwrap();
        let claims = verify(&t, "s").unwrap();
        assert_eq!(claims["tenant_id"], "t-1");
        assert!(verify(&t, "other").is_none());
        let expired = mint(&DevClaims::new("u-1", "t-1", "scl.view", -120), "s").unwrap();
        assert!(verify(&expired, "s").is_none());
        let mut wrong_aud = DevClaims::new("u-1", "t-1", "scl.view", 60);
        wrong_aud.aud = "else".into();
        assert!(verify(&mint(&wrong_aud, "s").unwrap(), "s").is_none());
    }

    #[test]
    fn cognito_shaped_access_tokens_are_accepted_by_client_id() {
        let token = |claims: Value| mint(&claims, "s").unwrap();
        let cognito = cognito_access_claims("u-1", "t-1", "openid scl-api/scl.view", AUDIENCE);
        assert!(verify(&token(cognito.clone()), "s").is_some());
        let mut other_client = cognito.clone();
        other_client["client_id"] = "someone-else".into();
        assert!(verify(&token(other_client), "s").is_none());
        // aud, when present, is what counts.
        let mut wrong_aud = cognito;
        wrong_aud["aud"] = "else".into();
        assert!(verify(&token(wrong_aud), "s").is_none());
    }

    #[test]
    fn tokens_not_valid_yet_or_issued_in_the_future_are_refused() {
        let mint_with = |claim: &str, offset: i64| {
            let mut c =
                serde_json::to_value(DevClaims::new("u-1", "t-1", "scl.view", 600)).unwrap();
            let json = serde_json::json!(chrono::Utc::now().timestamp() + offset);
            c[claim] = json;
            encode(&Header::default(), &c, &EncodingKey::from_secret(b"s")).unwrap()
        };
        assert!(
            verify(&mint_with("nbf", 3600), "s").is_none(),
            "nbf in an hour"
        );
        assert!(
            verify(&mint_with("iat", 3600), "s").is_none(),
            "issued in an hour"
        );
        assert!(verify(&mint_with("nbf", -10), "s").is_some());
        assert!(verify(&mint_with("iat", -10), "s").is_some());
    }
}
