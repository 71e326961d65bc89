//! `IntegrationsFunction`: a business's webhook for integration events (scope `scl.admin`;
//! docs/api.md, Events out). `PUT /integrations/webhook` registers (or replaces) it and answers
//! its new signing secret, once; `GET` shows it; `DELETE` removes it. EventBridge delivers the
//! events (an API destination per business, with retries and a dead-letter queue).

use lambda_http::http::Method;
use lambda_http::{Body, Error, Request, Response};
use scl_core::ports::WebhookRegistry;
use scl_domain::webhook_out::WebhookRegistration;
use scl_edge::api::{self, ApiError, Caller, Scope};
use scl_edge::body::parse_required_body;
use serde_json::json;
use tracing::info;

pub struct State<R = scl_aws::events_out::EventBridgeWebhooks> {
    pub registry: R,
}

pub async fn handle<R: WebhookRegistry>(
    state: &State<R>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("integrations", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::Admin, |caller| run(state, caller, &req)).await
}

async fn run<R: WebhookRegistry>(
    state: &State<R>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    api::reject_query_params(req, &[])?;
    let tenant = &caller.tenant_id;
    let internal = |e| ApiError::Internal(Box::new(e));
    let method = req.method();
    if method == Method::PUT {
        let body = parse_required_body(req.body().as_ref())?;
        let registration = WebhookRegistration::parse(&body)?;
        let secret = state
            .registry
            .register(tenant, &registration)
            .await
            .map_err(internal)?;
        info!(events = ?registration.events, "webhook registered");
        Ok(api::json(
            200,
            &json!({"url": registration.url, "events": registration.events, "secret": secret}),
            None,
        ))
    } else if method == Method::DELETE {
        let removed = state.registry.remove(tenant).await.map_err(internal)?;
        info!(removed, "webhook removed");
        match removed {
            true => Ok(api::json(200, &json!({"removed": true}), None)),
            false => Err(ApiError::NoWebhook),
        }
    } else {
        match state.registry.registered(tenant).await.map_err(internal)? {
            Some(registration) => Ok(api::json(200, &registration, None)),
            None => Err(ApiError::NoWebhook),
        }
    }
}
