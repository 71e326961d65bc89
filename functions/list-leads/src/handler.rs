//! `ListLeadsFunction`: `GET /leads` - one page of a tab, newest call first, in one Query.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::LeadQueries;
use scl_domain::lead::now_millis;
use scl_edge::api::view::{LeadView, PageView};
use scl_edge::api::{self, ApiError, Caller, Scope};
use tracing::Instrument;

pub type State<Q = DynamoStore> = scl_edge::state::WithStore<Q>;

pub async fn handle<Q: LeadQueries>(
    state: &State<Q>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("list_leads", request_id = %api::request_id(&req));
    Ok(api::respond(list(state, &req).instrument(span).await))
}

async fn list<Q: LeadQueries>(state: &State<Q>, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = Caller::authorize(req, Scope::View)?;
    let params = req.query_string_parameters();
    let request = scl_edge::query::list_request(params.iter())?;
    let now = now_millis();
    let page = state
        .store
        .list_leads(&caller.tenant_id, &request, now)
        .await?;
    tracing::info!(
        tab = request.tab.api_value(),
        items = page.items.len(),
        read_units = page.read_units,
        "page read"
    );
    let items: Vec<LeadView> = page.items.iter().map(|l| LeadView::new(l, now)).collect();
    Ok(scl_render::page(&PageView {
        items,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
