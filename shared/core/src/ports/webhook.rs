//! What the signed webhooks need. In: the business's signing secret, a memory of the
//! signatures received (so none is accepted twice), and the integration bus to put its event
//! on. Out: where a business's webhook for integration events is registered.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::*;
use scl_domain::webhook::SigningSecret;
use scl_domain::webhook_out::WebhookRegistration;
use scl_domain::TenantId;

/// A backend other than the table failed (Secrets Manager, EventBridge); `what` says which call.
#[derive(Debug, thiserror::Error)]
#[error("{what} failed")]
pub struct BackendError {
    pub what: &'static str,
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

pub trait WebhookSecrets: Send + Sync {
    /// The business's signing secret; `None` when it has none (or one too short to trust).
    fn signing_secret(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Option<SigningSecret>, BackendError>> + Send;
}

pub trait SignatureLog: Send + Sync {
    /// Records a signature until `until`; false when it was recorded before (a replay).
    fn first_receipt(
        &self,
        tenant: &TenantId,
        signature: &str,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Forgets a signature whose event could not be put on the bus, so the sender's retry of
    /// the same request is not taken for a replay.
    fn forget_receipt(
        &self,
        tenant: &TenantId,
        signature: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait IntegrationBus: Send + Sync {
    /// Puts an event on the stack's integration bus as the webhook's source; its event id.
    fn put(
        &self,
        detail_type: &str,
        detail: &str,
    ) -> impl Future<Output = Result<String, BackendError>> + Send;
}

/// Where a business's webhook for integration events is registered: an EventBridge rule on
/// the events bus for its events, delivering to an API destination, its signing secret kept
/// apart.
pub trait WebhookRegistry: Send + Sync {
    /// Creates or replaces the business's webhook; the new signing secret (shown once).
    fn register(
        &self,
        tenant: &TenantId,
        registration: &WebhookRegistration,
    ) -> impl Future<Output = Result<String, BackendError>> + Send;

    /// The business's webhook, if it has one.
    fn registered(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Option<WebhookRegistration>, BackendError>> + Send;

    /// Removes the business's webhook; false when it had none.
    fn remove(&self, tenant: &TenantId) -> impl Future<Output = Result<bool, BackendError>> + Send;
}
