//! `PublishEventsFunction`: events written to the outbox with their changes, from the table's
//! stream -> the project's SNS topic, with the `event_type` and `event_id` attributes, and the
//! events bus, signed for the business's webhook (`scl_aws::events_out`). Reports failed records
//! by sequence number, so an unavailable topic or bus delays events and loses none.

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::events_out::EventBridgePublisher;
use scl_aws::stream::decode_batch;
use scl_aws::SnsPublisher;
use scl_core::ports::EventPublisher;
use scl_core::service::stream::{handle_event_batch, BatchResponse};
use serde_json::Value;
use tracing::Instrument;

pub struct State<P = (SnsPublisher, EventBridgePublisher)> {
    pub publisher: P,
}

pub async fn handle<P: EventPublisher>(
    state: &State<P>,
    event: LambdaEvent<Value>,
) -> Result<BatchResponse, Error> {
    let span = tracing::info_span!("publish_events", request_id = %event.context.request_id);
    Ok(handle_payload(state, &event.payload).instrument(span).await)
}

pub async fn handle_payload<P: EventPublisher>(state: &State<P>, payload: &Value) -> BatchResponse {
    handle_event_batch(&state.publisher, &decode_batch(payload)).await
}
