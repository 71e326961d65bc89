//! The caller, read from the JWT claims and scopes API Gateway places in
//! `requestContext.authorizer.jwt`.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use super::error::ApiError;
use super::scope::Scope;
use super::token_shape::TokenShape;

use scl_domain::{TenantId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub name: Option<String>,
    pub scopes: Vec<String>,
}

impl Caller {
    /// Reads the caller from the authorizer context, with this process's token shape. No
    /// context or no usable `sub` / business claim means the request did not come through the
    /// authorizer: 401.
    pub fn from_request(req: &Request) -> Result<Self, ApiError> {
        Caller::from_request_shaped(req, TokenShape::current())
    }

    /// As `from_request`, reading the claims `shape` names. Scopes are kept without the
    /// provider's prefix, so `require` compares plain names.
    pub fn from_request_shaped(req: &Request, shape: &TokenShape) -> Result<Self, ApiError> {
        let jwt = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx
                .authorizer
                .as_ref()
                .and_then(|a| a.jwt.as_ref())
                .ok_or(ApiError::Unauthorized)?,
            _ => return Err(ApiError::Unauthorized),
        };
        let claim = |name: &str| {
            jwt.claims
                .get(name)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        let tenant_id = claim(&shape.tenant_claim)
            .and_then(|t| TenantId::parse("tenant_id", t).ok())
            .ok_or(ApiError::Unauthorized)?;
        let user_id = claim("sub")
            .and_then(|s| UserId::parse("sub", s).ok())
            .ok_or(ApiError::Unauthorized)?;
        // API Gateway lists scopes in `scopes`; fall back to the `scope` claim it also passes.
        let scopes = match &jwt.scopes {
            Some(s) if !s.is_empty() => s.iter().map(|s| shape.plain_scope(s).to_owned()).collect(),
            _ => claim("scope")
                .map(|s| {
                    s.split_whitespace()
                        .map(|s| shape.plain_scope(s).to_owned())
                        .collect()
                })
                .unwrap_or_default(),
        };
        Ok(Caller {
            tenant_id,
            user_id,
            name: claim(&shape.name_claim).map(str::to_owned),
            scopes,
        })
    }

    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope.as_str()) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(scope))
        }
    }

    /// The caller, required to hold `scope`.
    pub fn authorize(req: &Request, scope: Scope) -> Result<Self, ApiError> {
        let caller = Caller::from_request(req)?;
        caller.require(scope)?;
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::sample::signed_in;
    use serde_json::json;

    fn cognito() -> TokenShape {
        TokenShape {
            scope_prefix: "scl-api/".into(),
            ..TokenShape::default()
        }
    }

    #[test]
    fn a_cognito_access_token_is_read_with_its_prefixed_scopes() {
        // What the stack's user pool issues: no aud (client_id instead), resource-server
        // scopes, tenant_id and name written by the pre-token-generation trigger.
        let req = signed_in(
            json!({"sub": "u-9", "client_id": "abc", "tenant_id": "t-4", "name": "Kim"}),
            &["openid", "scl-api/scl.view"],
        );
        let caller = Caller::from_request_shaped(&req, &cognito()).unwrap();
        assert_eq!(caller.tenant_id.as_str(), "t-4");
        assert_eq!(caller.name.as_deref(), Some("Kim"));
        assert!(caller.require(Scope::View).is_ok());
        assert!(matches!(
            caller.require(Scope::Admin),
            Err(ApiError::Forbidden(Scope::Admin))
        ));
    }

    #[test]
    fn plain_scopes_are_accepted_beside_the_prefixed_ones() {
        let req = signed_in(json!({"sub": "u-1", "tenant_id": "t-1"}), &["scl.admin"]);
        let caller = Caller::from_request_shaped(&req, &cognito()).unwrap();
        assert!(caller.require(Scope::Admin).is_ok());
    }

    #[test]
    fn another_resource_servers_scope_grants_nothing() {
        let req = signed_in(
            json!({"sub": "u-1", "tenant_id": "t-1"}),
            &["billing/scl.admin"],
        );
        let caller = Caller::from_request_shaped(&req, &cognito()).unwrap();
        assert!(caller.require(Scope::Admin).is_err());
        assert!(caller.require(Scope::View).is_err());
    }

    #[test]
    fn the_business_is_read_from_the_claim_the_provider_uses() {
        let shape = TokenShape {
            tenant_claim: "https://acme.example/business".into(),
            name_claim: "preferred_username".into(),
            scope_prefix: String::new(),
        };
        let req = signed_in(
            json!({"sub": "u-1", "https://acme.example/business": "t-7",
                   "preferred_username": "sam", "tenant_id": "t-other"}),
            &["scl.view"],
        );
        let caller = Caller::from_request_shaped(&req, &shape).unwrap();
        assert_eq!(caller.tenant_id.as_str(), "t-7");
        assert_eq!(caller.name.as_deref(), Some("sam"));
        // Without the configured claim the caller has no business: 401, never a default.
        let without = signed_in(json!({"sub": "u-1", "tenant_id": "t-1"}), &["scl.view"]);
        assert!(matches!(
            Caller::from_request_shaped(&without, &shape),
            Err(ApiError::Unauthorized)
        ));
    }
}
