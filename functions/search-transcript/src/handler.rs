//! `SearchTranscriptFunction`: `GET /leads/{id}/transcript/search?q=` - case-insensitive
//! phrase search over the lead's latest call, with highlight ranges.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::LeadQueries;
use scl_domain::search::{search, SearchQuery};
use scl_domain::{FieldError, LeadId};
use scl_edge::api::{self, ApiError, Caller, Scope};
use serde_json::json;

pub type State<Q = DynamoStore> = scl_edge::state::WithStore<Q>;

pub async fn handle<Q: LeadQueries>(
    state: &State<Q>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("search_transcript", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::View, |caller| run(state, caller, &req)).await
}

async fn run<Q: LeadQueries>(
    state: &State<Q>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    api::reject_query_params(req, &["q"])?;
    let id = LeadId::parse("id", req.path_parameters().first("id").unwrap_or_default())?;
    let params = req.query_string_parameters();
    let raw = params
        .first("q")
        .ok_or_else(|| FieldError::new("q", "is required"))?;
    let query = SearchQuery::parse("q", raw)?;
    let (_, transcript) = state
        .store
        .lead_transcript(&caller.tenant_id, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let matches = search(&transcript.segments, &query);
    Ok(api::json(
        200,
        &json!({"query": query.as_str(), "matches": matches}),
        None,
    ))
}
