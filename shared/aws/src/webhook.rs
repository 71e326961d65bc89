//! The signed webhook's ports over AWS: each business's signing secret in Secrets Manager
//! (`<WEBHOOK_SECRET_PREFIX><tenant_id>`, read through a five-minute cache so a warm function
//! asks once per business, and a rotated secret is in use within five minutes), and the
//! integration bus in EventBridge (`INTEGRATION_BUS_NAME`), onto which events go as
//! `WEBHOOK_SOURCE`. The received signatures are kept in the table (`dynamo::webhook`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use scl_core::ports::{BackendError, IntegrationBus, WebhookSecrets};
use scl_domain::webhook::SigningSecret;
use scl_domain::TenantId;

/// How long a business's secret (or its absence) is kept in a warm function.
const SECRET_TTL: Duration = Duration::from_secs(300);

type Cached = (Instant, Option<SigningSecret>);

pub struct SecretsManagerSecrets {
    client: aws_sdk_secretsmanager::Client,
    prefix: String,
    cache: Mutex<HashMap<TenantId, Cached>>,
}

impl SecretsManagerSecrets {
    pub fn new(client: aws_sdk_secretsmanager::Client, prefix: String) -> Self {
        SecretsManagerSecrets {
            client,
            prefix,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, tenant: &TenantId) -> Option<Option<SigningSecret>> {
        let cache = self.cache.lock().ok()?;
        let (at, secret) = cache.get(tenant)?;
        (at.elapsed() < SECRET_TTL).then(|| secret.clone())
    }
}

impl WebhookSecrets for SecretsManagerSecrets {
    async fn signing_secret(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<SigningSecret>, BackendError> {
        if let Some(secret) = self.cached(tenant) {
            return Ok(secret);
        }
        let read = self
            .client
            .get_secret_value()
            .secret_id(format!("{}{tenant}", self.prefix))
            .send()
            .await;
        let secret = match read {
            Ok(out) => out.secret_string().and_then(SigningSecret::new),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(GetSecretValueError::ResourceNotFoundException(_))
                ) =>
            {
                None
            }
            Err(e) => {
                return Err(BackendError {
                    what: "Secrets Manager GetSecretValue",
                    source: Box::new(e),
                })
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(tenant.clone(), (Instant::now(), secret.clone()));
        }
        Ok(secret)
    }
}

pub struct EventBridgeBus {
    client: aws_sdk_eventbridge::Client,
    bus: String,
    source: String,
}

impl EventBridgeBus {
    pub fn new(client: aws_sdk_eventbridge::Client, bus: String, source: String) -> Self {
        EventBridgeBus {
            client,
            bus,
            source,
        }
    }
}

impl IntegrationBus for EventBridgeBus {
    async fn put(&self, detail_type: &str, detail: &str) -> Result<String, BackendError> {
        put_event(&self.client, &self.bus, &self.source, detail_type, detail).await
    }
}

/// Puts one event on `bus`: its event id. PutEvents answers 200 with a per-entry error when an
/// entry is not taken, which is a failure here too.
pub(crate) async fn put_event(
    client: &aws_sdk_eventbridge::Client,
    bus: &str,
    source: &str,
    detail_type: &str,
    detail: &str,
) -> Result<String, BackendError> {
    let fail = |source: Box<dyn std::error::Error + Send + Sync>| BackendError {
        what: "EventBridge PutEvents",
        source,
    };
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(source)
        .detail_type(detail_type)
        .detail(detail)
        .build();
    let out = client
        .put_events()
        .entries(entry)
        .send()
        .await
        .map_err(|e| fail(Box::new(e)))?;
    let first = out.entries().first();
    match first.and_then(|e| e.event_id()) {
        Some(id) if out.failed_entry_count() == 0 => Ok(id.to_owned()),
        _ => {
            let code = first.and_then(|e| e.error_code()).unwrap_or("no event id");
            Err(fail(format!("entry not taken: {code}").into()))
        }
    }
}
