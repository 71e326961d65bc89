//! `ListLeadsFunction`: `GET /leads` - one page of a tab, newest call first, in one Query.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::LeadQueries;
use scl_domain::lead::now_millis;
use scl_edge::api::view::{LeadView, PageView};
use scl_edge::api::{self, ApiError, Caller, Scope};

pub type State<Q = DynamoStore> = scl_edge::state::WithStore<Q>;

pub async fn handle<Q: LeadQueries>(
    state: &State<Q>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("list_leads", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::View, |caller| list(state, caller, &req)).await
}

async fn list<Q: LeadQueries>(
    state: &State<Q>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use scl_core::memory::MemoryStore;
    use scl_domain::sample::sample_lead;
    use scl_edge::api::sample;

    async fn get(state: &State<MemoryStore>, query: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let req = sample::get("/leads", &[], query, &["scl.view"]);
        let resp = handle(state, req).await.unwrap();
        let body = serde_json::from_slice(resp.body().as_ref()).unwrap();
        (resp.status().as_u16(), body)
    }

    fn ids(page: &serde_json::Value) -> Vec<String> {
        page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| l["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn the_open_tab_pages_newest_call_first() {
        let leads: Vec<_> = (0..3)
            .map(|n| {
                let mut lead = sample_lead("+15125550100");
                lead.call.started_at -= chrono::Duration::minutes(n);
                lead
            })
            .collect();
        let store = leads
            .iter()
            .cloned()
            .fold(MemoryStore::default(), MemoryStore::with_lead);
        let state = State { store };
        let (status, first) = get(&state, &[("limit", "2")]).await;
        assert_eq!(status, 200);
        let id = |n: usize| leads[n].id.to_string();
        assert_eq!(ids(&first), vec![id(0), id(1)]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let (_, second) = get(&state, &[("limit", "2"), ("cursor", cursor)]).await;
        assert_eq!(ids(&second), vec![id(2)]);
        assert!(second["next_cursor"].is_null());
    }

    #[tokio::test]
    async fn a_bad_parameter_or_a_missing_permission_is_refused() {
        let state = State {
            store: MemoryStore::default(),
        };
        let (status, body) = get(&state, &[("tab", "later")]).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (400, Some("tab"))
        );
        let req = sample::get("/leads", &[], &[], &[]);
        assert_eq!(handle(&state, req).await.unwrap().status(), 403);
    }
}
