//! `MemoryWebhook`: the signed webhook's ports in memory — the businesses' secrets, the
//! signatures received, and the events put on the bus (or a bus that takes none).

use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::ports::{BackendError, IntegrationBus, SignatureLog, StoreError, WebhookSecrets};
use scl_domain::webhook::SigningSecret;
use scl_domain::TenantId;

#[derive(Default)]
pub struct MemoryWebhook {
    secrets: Vec<(TenantId, SigningSecret)>,
    signatures: Mutex<Vec<String>>,
    put: Mutex<Vec<(String, String)>>,
    /// While true the bus takes nothing (EventBridge unavailable).
    pub bus_down: bool,
}

impl MemoryWebhook {
    /// A business's signing secret.
    pub fn with_secret(mut self, tenant: &TenantId, secret: SigningSecret) -> Self {
        self.secrets.push((tenant.clone(), secret));
        self
    }

    /// The signatures recorded as received.
    pub fn signatures(&self) -> Vec<String> {
        self.signatures
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// What was put on the bus: (detail-type, detail).
    pub fn put(&self) -> Vec<(String, String)> {
        self.put.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

impl WebhookSecrets for MemoryWebhook {
    async fn signing_secret(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<SigningSecret>, BackendError> {
        Ok(self
            .secrets
            .iter()
            .find(|(t, _)| t == tenant)
            .map(|(_, s)| s.clone()))
    }
}

impl SignatureLog for MemoryWebhook {
    async fn first_receipt(
        &self,
        _: &TenantId,
        signature: &str,
        _: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut seen = self.signatures.lock().map_err(|_| poisoned())?;
        let first = !seen.iter().any(|s| s == signature);
        if first {
            seen.push(signature.to_owned());
        }
        Ok(first)
    }

    async fn forget_receipt(&self, _: &TenantId, signature: &str) -> Result<(), StoreError> {
        let mut seen = self.signatures.lock().map_err(|_| poisoned())?;
        seen.retain(|s| s != signature);
        Ok(())
    }
}

impl IntegrationBus for MemoryWebhook {
    async fn put(&self, detail_type: &str, detail: &str) -> Result<String, BackendError> {
        if self.bus_down {
            return Err(BackendError {
                what: "PutEvents",
                source: "the bus is down".into(),
            });
        }
        let mut put = self.put.lock().map_err(|_| BackendError {
            what: "PutEvents",
            source: "poisoned".into(),
        })?;
        put.push((detail_type.to_owned(), detail.to_owned()));
        Ok(format!("event-{}", put.len()))
    }
}

fn poisoned() -> StoreError {
    StoreError::Corrupt("the in-memory signature log's lock was poisoned".into())
}
