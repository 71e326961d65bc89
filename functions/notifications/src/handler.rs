//! `NotificationsFunction`: `GET /notifications?unread_only=true` - the caller's own in-app
//! feed, newest first, in one Query.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::NotificationStore;
use scl_domain::FieldError;
use scl_edge::api::{self, ApiError, Caller, Scope};
use serde_json::json;

pub type State<S = DynamoStore> = scl_edge::state::WithStore<S>;

pub async fn handle<S: NotificationStore>(
    state: &State<S>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("notifications", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::View, |caller| run(state, caller, &req)).await
}

async fn run<S: NotificationStore>(
    state: &State<S>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    api::reject_query_params(req, &["unread_only"])?;
    let params = req.query_string_parameters();
    let unread_only = match params.first("unread_only") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(FieldError::new("unread_only", "must be true or false").into()),
    };
    let items = state
        .store
        .notifications(&caller.tenant_id, caller.user_id.as_str(), unread_only)
        .await?;
    Ok(api::json(200, &json!({"items": items}), None))
}
