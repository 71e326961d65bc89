//! Integration events out (docs/api.md, Events out).

use std::future::Future;

use crate::domain::events::IntegrationEvent;

#[derive(Debug, thiserror::Error)]
#[error("publishing {event_type} failed: {detail}")]
pub struct PublishError {
    pub event_type: &'static str,
    pub detail: String,
}

pub trait EventPublisher: Send + Sync {
    fn publish(
        &self,
        event: &IntegrationEvent,
    ) -> impl Future<Output = Result<(), PublishError>> + Send;
}

/// For functions that publish nothing: an attempt to publish is a bug, reported as an error.
impl EventPublisher for () {
    async fn publish(&self, event: &IntegrationEvent) -> Result<(), PublishError> {
        Err(PublishError {
            event_type: event.event_type(),
            detail: "this function has no event publisher".into(),
        })
    }
}
