//! How the identity provider's access tokens say who the caller is: which claim names the
//! business and the display name, and the prefix its permissions carry (docs/api.md,
//! Authentication and permissions). The stack's own Cognito user pool writes `tenant_id` and
//! `name` and issues resource-server scopes (`scl-api/scl.view`); another OIDC provider may
//! use other claim names, and plain `scl.view`. Read once per cold start from the environment.

use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenShape {
    /// The claim that holds the caller's business (`SCL_TENANT_CLAIM`, default `tenant_id`).
    pub tenant_claim: String,
    /// The claim that holds the caller's display name (`SCL_NAME_CLAIM`, default `name`).
    pub name_claim: String,
    /// What the provider puts before `scl.view` and `scl.admin` (`SCL_SCOPE_PREFIX`, e.g.
    /// `scl-api/`; default none). Both the prefixed and the plain form are accepted.
    pub scope_prefix: String,
}

impl Default for TokenShape {
    fn default() -> Self {
        TokenShape {
            tenant_claim: "tenant_id".into(),
            name_claim: "name".into(),
            scope_prefix: String::new(),
        }
    }
}

impl TokenShape {
    /// The shape the environment names, with the defaults for what it does not.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let default = TokenShape::default();
        TokenShape {
            tenant_claim: var("SCL_TENANT_CLAIM").unwrap_or(default.tenant_claim),
            name_claim: var("SCL_NAME_CLAIM").unwrap_or(default.name_claim),
            scope_prefix: var("SCL_SCOPE_PREFIX").unwrap_or(default.scope_prefix),
        }
    }

    /// This process's shape, read from the environment at first use.
    pub fn current() -> &'static TokenShape {
        static SHAPE: OnceLock<TokenShape> = OnceLock::new();
        SHAPE.get_or_init(TokenShape::from_env)
    }

    /// A scope as the token carries it, without the provider's prefix (`scl-api/scl.view` →
    /// `scl.view`); another resource server's scopes keep theirs and so match nothing.
    pub fn plain_scope<'a>(&self, scope: &'a str) -> &'a str {
        if self.scope_prefix.is_empty() {
            return scope;
        }
        scope
            .strip_prefix(self.scope_prefix.as_str())
            .unwrap_or(scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_providers_prefix_is_taken_off_and_nothing_else() {
        let cognito = TokenShape {
            scope_prefix: "scl-api/".into(),
            ..TokenShape::default()
        };
        assert_eq!(cognito.plain_scope("scl-api/scl.view"), "scl.view");
        assert_eq!(cognito.plain_scope("scl.view"), "scl.view");
        assert_eq!(
            cognito.plain_scope("other-api/scl.admin"),
            "other-api/scl.admin"
        );
        assert_eq!(
            TokenShape::default().plain_scope("scl-api/scl.view"),
            "scl-api/scl.view"
        );
    }
}
