//! Incoming events the edge could not read (`scl_edge::events_in`), or that a business refused
//! from where they came (`scl_domain::event_source`): filed for an operator to inspect and
//! replay, and answered with the contract's error shape.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::warn;

use crate::ports::{RejectedEvent, RejectedEventStore, StoreError, Unreadable};
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

/// A read event that its business does not admit from its origin: nothing was applied; the
/// edge files it (`file_rejected`), since the event as it arrived is the edge's.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused(pub FieldError);

/// Why an event is filed instead of applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// It does not read as its contract says: answered `validation_failed`.
    Unreadable,
    /// Its business does not bind its source: answered `forbidden`.
    Refused,
}

/// Files an event that was not applied, for an operator to inspect and replay, and answers with
/// the contract's error. One call for both kinds, so a function links one filing.
pub async fn file_rejected<S: RejectedEventStore>(
    store: &S,
    event: Unreadable,
    why: Rejection,
    now: DateTime<Utc>,
) -> Result<RejectionError, StoreError> {
    let mut answer = RejectionError::from(&event.error);
    match why {
        // Only the field name is logged: serde messages can quote the offending value, which
        // may be a phone number or transcript text.
        Rejection::Unreadable => {
            warn!(field = %event.error.field, detail_type = ?event.detail_type, "rejected event")
        }
        // The message names the source and account, never the event's content.
        Rejection::Refused => {
            answer.code = "forbidden";
            warn!(tenant_id = ?event.tenant_id, why = %event.error.message, "refused event");
        }
    }
    store
        .record_rejected(&RejectedEvent {
            received_at: now,
            event,
        })
        .await?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use scl_domain::lead::now_millis;
    use scl_domain::TenantId;

    #[tokio::test]
    async fn an_unreadable_event_is_filed_whole_and_answered_naming_its_field() {
        let store = MemoryStore::default();
        let event = Unreadable {
            event_id: Some("e-1".into()),
            detail_type: Some("CallCompleted".into()),
            tenant_id: Some(TenantId::parse("tenant_id", "t-1").unwrap()),
            error: FieldError::new("detail.from_number", "is not a phone number"),
            raw: r#"{"detail-type":"CallCompleted","detail":{"tenant_id":"t-1"}}"#.into(),
        };
        let now = now_millis();
        let answer = file_rejected(&store, event.clone(), Rejection::Unreadable, now)
            .await
            .unwrap();
        assert_eq!(
            (answer.code, answer.field.as_str()),
            ("validation_failed", "detail.from_number")
        );
        assert_eq!(
            store.rejected(),
            vec![RejectedEvent {
                received_at: now,
                event
            }]
        );
    }
}
