//! `BannerFunction`: `GET /banner?phone=` - is this caller tied to an Open/Cold lead whose call
//! ended within the last 14 days? One Query on the phone index.

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::LeadCommands;
use scl_domain::booking::SCL_MATCH_WINDOW;
use scl_domain::lead::now_millis;
use scl_domain::{FieldError, PhoneNumber};
use scl_edge::api::view::BannerView;
use scl_edge::api::{self, ApiError, Caller, Scope};

pub type State<S = DynamoStore> = scl_edge::state::WithStore<S>;

pub async fn handle<S: LeadCommands>(
    state: &State<S>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("banner", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::View, |caller| run(state, caller, &req)).await
}

async fn run<S: LeadCommands>(
    state: &State<S>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    api::reject_query_params(req, &["phone"])?;
    let params = req.query_string_parameters();
    let raw = params
        .first("phone")
        .ok_or_else(|| FieldError::new("phone", "is required"))?;
    let phone = PhoneNumber::parse_field("phone", raw)?;
    let now = now_millis();
    let lead = state
        .store
        .banner_lead(&caller.tenant_id, &phone, now - SCL_MATCH_WINDOW)
        .await?;
    Ok(api::json(200, &BannerView::new(lead.as_ref(), now), None))
}
