//! Incoming EventBridge events: parse the envelope and detail, or file the event for an
//! operator to replay and answer with the contract's error shape.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tracing::warn;

use crate::ports::{RejectedEvent, RejectedEventStore, StoreError};
use scl_domain::envelope::Envelope;
use scl_domain::FieldError;

/// The contract's error body, so a caller of the Invoke API sees the same shape as HTTP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectionError {
    pub code: &'static str,
    pub message: String,
    pub field: String,
}

impl From<&FieldError> for RejectionError {
    fn from(e: &FieldError) -> Self {
        RejectionError {
            code: "validation_failed",
            message: e.to_string(),
            field: e.field.clone(),
        }
    }
}

/// `Ok(Ok(detail))` for a valid event; `Ok(Err(..))` once an invalid one has been filed.
pub async fn parse_or_file<S, T>(
    store: &S,
    event: &Value,
    detail_type: &str,
    parse: impl FnOnce(&Value) -> Result<T, FieldError>,
    now: DateTime<Utc>,
) -> Result<Result<T, RejectionError>, StoreError>
where
    S: RejectedEventStore,
{
    let envelope = Envelope::parse(event, detail_type);
    let parsed = envelope
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|env| parse(&env.detail));
    match parsed {
        Ok(t) => Ok(Ok(t)),
        Err(error) => {
            let error = error.bounded();
            let env = envelope.ok();
            // Only the field name is logged: serde messages can quote the offending value,
            // which may be a phone number or transcript text.
            warn!(field = %error.field, detail_type, "rejected event");
            store
                .record_rejected(&RejectedEvent {
                    received_at: now,
                    event_id: env.as_ref().and_then(|e| e.id.clone()),
                    detail_type: env.as_ref().map(|e| e.detail_type.clone()),
                    tenant_id: env.as_ref().and_then(Envelope::claimed_tenant),
                    error: error.clone(),
                    event: event.clone(),
                })
                .await?;
            Ok(Err(RejectionError::from(&error)))
        }
    }
}
