//! `DetectionFunction`: `GET /detection/stats` and `DELETE /detection/adaptation` (scope
//! `scl.admin`, docs/api.md) - what the business's CSR feedback has taught detection, and
//! forgetting it.

use lambda_http::http::Method;
use lambda_http::{Body, Error, Request, Response};
use scl_aws::DynamoStore;
use scl_core::ports::LearningStore;
use scl_core::service::learning::{reset, stats};
use scl_edge::api::{self, ApiError, Caller, Scope};

pub type State<S = DynamoStore> = scl_edge::state::WithStore<S>;

pub async fn handle<S: LearningStore>(
    state: &State<S>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("detection", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::Admin, |caller| run(state, caller, &req)).await
}

async fn run<S: LearningStore>(
    state: &State<S>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    api::reject_query_params(req, &[])?;
    let learning = if req.method() == Method::DELETE {
        reset(&state.store, &caller.tenant_id).await?
    } else {
        state.store.learning(&caller.tenant_id).await?.0
    };
    Ok(api::json(200, &stats(&learning), None))
}
