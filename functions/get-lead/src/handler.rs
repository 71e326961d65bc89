//! `GetLeadFunction`: `GET /leads/{id}` - the detail view, in one Query.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::LeadQueries;
use scl_domain::lead::now_millis;
use scl_domain::LeadId;
use scl_edge::api::view::LeadDetailView;
use scl_edge::api::{self, ApiError, Caller, Scope};

pub type State<Q = DynamoStore> = scl_edge::state::WithStore<Q>;

pub async fn handle<Q: LeadQueries>(
    state: &State<Q>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("get_lead", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::View, |caller| get(state, caller, &req)).await
}

async fn get<Q: LeadQueries>(
    state: &State<Q>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use scl_core::memory::MemoryStore;
    use scl_domain::sample::sample_lead;
    use scl_edge::api::sample;

    #[tokio::test]
    async fn a_lead_is_shown_to_its_own_business_only() {
        let lead = sample_lead("+15125550100");
        let state = State {
            store: MemoryStore::default().with_lead(lead.clone()),
        };
        let id = lead.id.to_string();
        let req = sample::get(&format!("/leads/{id}"), &[("id", &id)], &[], &["scl.view"]);
        let resp = handle(&state, req).await.unwrap();
        assert_eq!(resp.status(), 200);
        let body: serde_json::Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
        assert_eq!(body["id"], id.as_str());
        assert_eq!(
            resp.headers()["etag"],
            format!("\"{}\"", lead.version).as_str()
        );
        let other = LeadId::generate().to_string();
        let req = sample::get(
            &format!("/leads/{other}"),
            &[("id", &other)],
            &[],
            &["scl.view"],
        );
        assert_eq!(handle(&state, req).await.unwrap().status(), 404);
    }
}
