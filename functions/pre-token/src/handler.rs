//! The Cognito user pool's pre-token-generation trigger (event version 2): writes into every
//! access token what the API reads (docs/api.md, Authentication and permissions) from what
//! only an administrator can set.
//!
//! - `tenant_id`: the user's `custom:tenant_id` attribute. The console's app client may read
//!   it but not write it, so a user cannot move to another business; a user without one
//!   cannot sign in (the API would refuse every request anyway).
//! - `name`: the user's `name` attribute, when set.
//! - the scopes: `scl.view` for members of the view group, `scl.admin` for members of the
//!   admin group, with the resource server's prefix (`scl-api/scl.view`). Whatever the client
//!   asked for, a scope the user's groups do not grant is suppressed and one they grant is
//!   added.

use serde::Deserialize;
use serde_json::{json, Value};

/// The user pool groups that grant the two permissions (`SCL_VIEW_GROUP`, `SCL_ADMIN_GROUP`),
/// and the resource server's scope prefix (`SCL_SCOPE_PREFIX`, e.g. `scl-api/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Groups {
    pub view: String,
    pub admin: String,
    pub scope_prefix: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("the event is not a version 2 pre-token-generation event: {0}")]
    Unreadable(#[source] serde_json::Error),
    /// Cognito shows this message to the user and issues no token.
    #[error("This account is not assigned to a business yet; ask your administrator to set it.")]
    NoBusiness,
}

impl Groups {
    pub fn from_env() -> Result<Groups, TriggerError> {
        let var = |name: &'static str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or(TriggerError::Missing(name))
        };
        Ok(Groups {
            view: var("SCL_VIEW_GROUP")?,
            admin: var("SCL_ADMIN_GROUP")?,
            scope_prefix: var("SCL_SCOPE_PREFIX")?,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    #[serde(default)]
    user_attributes: std::collections::HashMap<String, String>,
    #[serde(default)]
    group_configuration: Option<GroupConfiguration>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GroupConfiguration {
    #[serde(default)]
    groups_to_override: Option<Vec<String>>,
}

/// The event with its `response` filled in, as Cognito expects it back.
pub fn handle(groups: &Groups, mut event: Value) -> Result<Value, TriggerError> {
    let request: Request =
        serde_json::from_value(event.get("request").cloned().unwrap_or_default())
            .map_err(TriggerError::Unreadable)?;
    let tenant = request
        .user_attributes
        .get("custom:tenant_id")
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .ok_or(TriggerError::NoBusiness)?;
    let member_of = request
        .group_configuration
        .unwrap_or_default()
        .groups_to_override
        .unwrap_or_default();
    let requested = request.scopes.unwrap_or_default();

    let mut claims = json!({"tenant_id": tenant});
    if let Some(name) = request
        .user_attributes
        .get("name")
        .filter(|n| !n.is_empty())
    {
        claims["name"] = json!(name);
    }
    let (mut add, mut suppress) = (vec![], vec![]);
    for (scope, group) in [("scl.view", &groups.view), ("scl.admin", &groups.admin)] {
        let prefixed = format!("{}{scope}", groups.scope_prefix);
        if member_of.iter().any(|g| g == group) {
            add.push(prefixed);
        } else {
            // Either spelling, if the client asked for it.
            suppress.extend(
                requested
                    .iter()
                    .filter(|r| **r == prefixed || *r == scope)
                    .cloned(),
            );
        }
    }
    let trigger = event
        .get("triggerSource")
        .and_then(Value::as_str)
        .unwrap_or_default();
    tracing::info!(trigger, granted = add.len(), "access token shaped");
    event["response"] = json!({
        "claimsAndScopeOverrideDetails": {
            "accessTokenGeneration": {
                "claimsToAddOrOverride": claims,
                "scopesToAdd": add,
                "scopesToSuppress": suppress,
            },
            "idTokenGeneration": {"claimsToAddOrOverride": claims},
        }
    });
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Groups {
        Groups {
            view: "scl-view".into(),
            admin: "scl-admin".into(),
            scope_prefix: "scl-api/".into(),
        }
    }

    /// A version 2 event as Cognito sends it for a hosted sign-in.
    fn event(attributes: Value, member_of: &[&str], scopes: &[&str]) -> Value {
        json!({
            "version": "2",
            "triggerSource": "TokenGeneration_HostedAuth",
            "region": "us-east-1",
            "userPoolId": "us-east-1_abc",
            "userName": "kim",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client"},
            "request": {
                "userAttributes": attributes,
                "groupConfiguration": {"groupsToOverride": member_of, "iamRolesToOverride": [],
                                       "preferredRole": null},
                "scopes": scopes,
            },
            "response": {"claimsAndScopeOverrideDetails": null}
        })
    }

    fn access(out: &Value) -> &Value {
        &out["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    }

    #[test]
    fn a_csr_gets_their_business_name_and_the_view_permission_only() {
        let out = handle(
            &groups(),
            event(
                json!({"sub": "u-1", "custom:tenant_id": "t-4", "name": "Kim"}),
                &["scl-view"],
                &["openid", "scl-api/scl.view", "scl-api/scl.admin"],
            ),
        )
        .unwrap();
        let a = access(&out);
        assert_eq!(
            a["claimsToAddOrOverride"],
            json!({"tenant_id": "t-4", "name": "Kim"})
        );
        assert_eq!(a["scopesToAdd"], json!(["scl-api/scl.view"]));
        assert_eq!(a["scopesToSuppress"], json!(["scl-api/scl.admin"]));
        // The rest of the event goes back as it came.
        assert_eq!(out["userName"], "kim");
    }

    #[test]
    fn an_administrator_gets_both_permissions_even_if_the_client_asked_for_neither() {
        let out = handle(
            &groups(),
            event(
                json!({"custom:tenant_id": "t-4"}),
                &["scl-view", "scl-admin"],
                &["openid"],
            ),
        )
        .unwrap();
        let a = access(&out);
        assert_eq!(
            a["scopesToAdd"],
            json!(["scl-api/scl.view", "scl-api/scl.admin"])
        );
        assert_eq!(a["scopesToSuppress"], json!([]));
        assert_eq!(a["claimsToAddOrOverride"], json!({"tenant_id": "t-4"}));
    }

    #[test]
    fn a_user_in_no_group_keeps_no_permission_in_either_spelling() {
        let out = handle(
            &groups(),
            event(
                json!({"custom:tenant_id": "t-4"}),
                &[],
                &[
                    "openid",
                    "scl.view",
                    "scl-api/scl.view",
                    "scl-api/scl.admin",
                ],
            ),
        )
        .unwrap();
        let a = access(&out);
        assert_eq!(a["scopesToAdd"], json!([]));
        assert_eq!(
            a["scopesToSuppress"],
            json!(["scl.view", "scl-api/scl.view", "scl-api/scl.admin"])
        );
    }

    #[test]
    fn a_user_without_a_business_gets_no_token() {
        for attributes in [json!({"sub": "u-1"}), json!({"custom:tenant_id": "  "})] {
            let err = handle(&groups(), event(attributes, &["scl-view"], &[])).unwrap_err();
            assert!(matches!(err, TriggerError::NoBusiness));
        }
    }

    #[test]
    fn a_group_named_like_a_permission_elsewhere_grants_nothing() {
        let out = handle(
            &groups(),
            event(
                json!({"custom:tenant_id": "t-4"}),
                &["admins", "scl-admins"],
                &[],
            ),
        )
        .unwrap();
        assert_eq!(access(&out)["scopesToAdd"], json!([]));
    }
}
