//! The caller, read from the JWT claims and scopes API Gateway places in
//! `requestContext.authorizer.jwt`.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use super::error::ApiError;
use super::scope::Scope;

use scl_domain::{TenantId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub name: Option<String>,
    pub scopes: Vec<String>,
}

impl Caller {
    /// Reads the caller from the authorizer context. No context or no usable `sub` /
    /// `tenant_id` claim means the request did not come through the authorizer: 401.
    pub fn from_request(req: &Request) -> Result<Self, ApiError> {
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
        let tenant_id = claim("tenant_id")
            .and_then(|t| TenantId::parse("tenant_id", t).ok())
            .ok_or(ApiError::Unauthorized)?;
        let user_id = claim("sub")
            .and_then(|s| UserId::parse("sub", s).ok())
            .ok_or(ApiError::Unauthorized)?;
        // API Gateway lists scopes in `scopes`; fall back to the `scope` claim it also passes.
        let scopes = match &jwt.scopes {
            Some(s) if !s.is_empty() => s.clone(),
            _ => claim("scope")
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
        };
        Ok(Caller {
            tenant_id,
            user_id,
            name: claim("name").map(str::to_owned),
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
