//! `PromoteCallFunction`: `POST /calls/{call_id}/promote` - a CSR makes a near miss a lead
//! (docs/api.md, Near misses and detection). Exactly one of concurrent promotions creates it; the others answer 409.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::{IdempotencyStore, NearMissStore};
use scl_core::service::actions::ActingUser;
use scl_core::service::near_misses::promote;
use scl_domain::commands::parse_empty;
use scl_domain::lead::now_millis;
use scl_domain::CallId;
use scl_edge::api::view::LeadView;
use scl_edge::api::{self, ApiError, Caller, Scope};
use scl_edge::body::parse_body;

pub type State<S = DynamoStore> = scl_edge::state::WithStore<S>;

pub async fn handle<S: NearMissStore + IdempotencyStore>(
    state: &State<S>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("promote_call", request_id = %api::request_id(&req));
    api::route::action(&state.store, &req, span, Scope::View, |caller| {
        run(state, caller, &req)
    })
    .await
}

async fn run<S: NearMissStore>(
    state: &State<S>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    api::reject_query_params(req, &[])?;
    let call = CallId::parse(
        "call_id",
        req.path_parameters().first("call_id").unwrap_or_default(),
    )?;
    parse_empty(&parse_body(req.body().as_ref())?)?;
    let actor = ActingUser {
        user_id: caller.user_id.clone(),
        name: caller.name.clone(),
    };
    let now = now_millis();
    let lead = promote(&state.store, &caller.tenant_id, &call, &actor, now).await?;
    Ok(api::json(
        201,
        &LeadView::new(&lead, now),
        Some(lead.version),
    ))
}
