//! `GetLeadFunction`: `GET /leads/{id}` - the detail view, in one Query.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::LeadQueries;
use scl_domain::lead::now_millis;
use scl_domain::LeadId;
use scl_edge::api::view::LeadDetailView;
use scl_edge::api::{self, ApiError, Caller, Scope};
use tracing::Instrument;

pub type State<Q = DynamoStore> = scl_edge::state::WithStore<Q>;

pub async fn handle<Q: LeadQueries>(
    state: &State<Q>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("get_lead", request_id = %api::request_id(&req));
    Ok(api::respond(get(state, &req).instrument(span).await))
}

async fn get<Q: LeadQueries>(state: &State<Q>, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = Caller::authorize(req, Scope::View)?;
    api::reject_query_params(req, &[])?;
    let id = LeadId::parse("id", req.path_parameters().first("id").unwrap_or_default())?;
    let detail = state
        .store
        .lead_detail(&caller.tenant_id, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = now_millis();
    Ok(scl_render::lead_detail(
        &LeadDetailView::new(&detail, now),
        detail.lead.version,
    ))
}
