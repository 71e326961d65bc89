//! `NearMissesFunction`: `GET /calls/near-misses` - calls that passed every gate but scored
//! under the business's threshold, newest first, one Query per page (docs/api.md, Near misses and detection).

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::NearMissStore;
use scl_domain::lead::now_millis;
use scl_edge::api::view::PageView;
use scl_edge::api::{self, ApiError, Caller, Scope};

pub type State<S = DynamoStore> = scl_edge::state::WithStore<S>;

pub async fn handle<S: NearMissStore>(
    state: &State<S>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("near_misses", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::View, |caller| list(state, caller, &req)).await
}

async fn list<S: NearMissStore>(
    state: &State<S>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let params = req.query_string_parameters();
    let request = scl_edge::query::near_miss_request(params.iter())?;
    let page = state
        .store
        .near_misses(&caller.tenant_id, &request, now_millis())
        .await?;
    Ok(api::json(
        200,
        &PageView {
            items: page.items,
            next_cursor: page.next.map(|c| c.encode()),
        },
        None,
    ))
}
