//! `WebhookFunction`: `POST /webhooks/{tenant_id}`, without a token: the request is signed
//! with the business's own secret instead (header `X-SCL-Signature`;
//! docs/api.md, The signed webhook). A signed `CallCompleted` or `JobBooked` is put on the
//! integration bus and answered 202 with its event id; the bus's rules bring it to the ingest
//! functions like any event.

use chrono::Utc;
use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_core::ports::{IntegrationBus, SignatureLog, WebhookSecrets};
use scl_core::service::webhook::{receive, WebhookPorts};
use scl_domain::webhook::SIGNATURE_HEADER;
use scl_domain::TenantId;
use scl_edge::api::{self, ApiError};
use serde_json::json;
use tracing::Instrument;

pub struct State<
    L = scl_aws::DynamoStore,
    S = scl_aws::webhook::SecretsManagerSecrets,
    B = scl_aws::webhook::EventBridgeBus,
> {
    /// The table, where received signatures are kept.
    pub store: L,
    pub secrets: S,
    pub bus: B,
}

pub async fn handle<L, S, B>(state: &State<L, S, B>, req: Request) -> Result<Response<Body>, Error>
where
    L: SignatureLog,
    S: WebhookSecrets,
    B: IntegrationBus,
{
    let span = tracing::info_span!(
        "webhook",
        request_id = %api::request_id(&req),
        tenant_id = tracing::field::Empty
    );
    let answered = Box::pin(run(state, &req)).instrument(span).await;
    Ok(api::respond(answered))
}

async fn run<L, S, B>(state: &State<L, S, B>, req: &Request) -> Result<Response<Body>, ApiError>
where
    L: SignatureLog,
    S: WebhookSecrets,
    B: IntegrationBus,
{
    api::reject_query_params(req, &[])?;
    let raw = req
        .path_parameters_ref()
        .and_then(|p| p.first("tenant_id"))
        .unwrap_or_default();
    let tenant = TenantId::parse("tenant_id", raw)?;
    tracing::Span::current().record("tenant_id", tenant.as_str());
    let signature = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let ports = WebhookPorts {
        secrets: &state.secrets,
        signatures: &state.store,
        bus: &state.bus,
    };
    let accepted = receive(ports, &tenant, signature, req.body().as_ref(), Utc::now()).await?;
    Ok(api::json(
        202,
        &json!({"event_id": accepted.event_id, "detail_type": accepted.detail_type}),
        None,
    ))
}
