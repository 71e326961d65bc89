//! Integration events out (docs/api.md, Events out), published from the outbox.

use std::future::Future;

use scl_domain::events::PendingEvent;

#[derive(Debug, thiserror::Error)]
#[error("publishing {event_type} {event_id} failed: {detail}")]
pub struct PublishError {
    pub event_type: String,
    pub event_id: String,
    pub detail: String,
}

pub trait EventPublisher: Send + Sync {
    fn publish(
        &self,
        event: &PendingEvent,
    ) -> impl Future<Output = Result<(), PublishError>> + Send;
}
