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

/// Two publishers, one after the other (the SNS topic, then the events bus): an event counts as
/// published when both took it; a retry after the second failed publishes it to the first
/// again, which delivery at least once (and `event_id`) already allows for.
impl<A: EventPublisher, B: EventPublisher> EventPublisher for (A, B) {
    async fn publish(&self, event: &PendingEvent) -> Result<(), PublishError> {
        self.0.publish(event).await?;
        self.1.publish(event).await
    }
}
