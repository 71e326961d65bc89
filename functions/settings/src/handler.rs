//! `SettingsFunction`: `GET /settings` and `PUT /settings` (scope `scl.admin`). A `PUT` may
//! carry any subset of the fields; omitted fields keep their value, `null` clears an optional one.

use chrono::Utc;
use lambda_http::http::Method;
use lambda_http::{Body, Error, Request, Response};
use scl_aws::DynamoStore;
use scl_core::ports::SettingsStore;
use scl_core::service::settings::update_settings;
use scl_domain::settings::SettingsUpdate;
use scl_edge::api::{self, ApiError, Caller, Scope};
use scl_edge::body::parse_required_body;

pub type State<S = DynamoStore> = scl_edge::state::WithStore<S>;

pub async fn handle<S: SettingsStore>(
    state: &State<S>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("settings", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::Admin, |caller| run(state, caller, &req)).await
}

async fn run<S: SettingsStore>(
    state: &State<S>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    api::reject_query_params(req, &[])?;
    let settings = if req.method() == Method::PUT {
        let update = SettingsUpdate::parse(&parse_required_body(req.body().as_ref())?)?;
        update_settings(&state.store, &caller.tenant_id, update, Utc::now()).await?
    } else {
        state.store.settings(&caller.tenant_id).await?
    };
    Ok(api::json(200, &settings, None))
}
