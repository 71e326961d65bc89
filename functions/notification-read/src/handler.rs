//! `MarkNotificationReadFunction`: `POST /notifications/{id}/read` - marks one of the caller's
//! own notifications read (someone else's id answers 404).

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::{IdempotencyStore, NotificationStore};
use scl_domain::commands::parse_empty;
use scl_domain::lead::now_millis;
use scl_domain::notification::NotificationId;
use scl_edge::api::{self, ApiError, Caller, Scope};
use scl_edge::body::parse_body;

pub type State<S = DynamoStore> = scl_edge::state::WithStore<S>;

pub async fn handle<S: NotificationStore + IdempotencyStore>(
    state: &State<S>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("notification_read", request_id = %api::request_id(&req));
    api::route::action(&state.store, &req, span, Scope::View, |caller| {
        run(state, caller, &req)
    })
    .await
}

async fn run<S: NotificationStore>(
    state: &State<S>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    api::reject_query_params(req, &[])?;
    parse_empty(&parse_body(req.body().as_ref())?)?;
    let id = NotificationId::parse("id", req.path_parameters().first("id").unwrap_or_default())?;
    let n = state
        .store
        .mark_read(
            &caller.tenant_id,
            caller.user_id.as_str(),
            &id,
            now_millis(),
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(api::json(200, &n, None))
}
