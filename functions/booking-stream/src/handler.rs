// The stream handler's nested async state machine is deep enough to need a higher limit.
#![recursion_limit = "256"]

//! `BookingStreamFunction`: new booking items from the table's stream -> automatic statuses.
//! Reports failed records by sequence number (`ReportBatchItemFailures`).

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::stream::decode_batch;
use scl_aws::DynamoStore;
use scl_core::service::stream::{handle_booking_batch, BatchResponse};
use scl_domain::lead::now_millis;
use serde_json::Value;
use tracing::Instrument;

pub type State = scl_edge::state::WithStore<DynamoStore>;

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<BatchResponse, Error> {
    let span = tracing::info_span!("booking_stream", request_id = %event.context.request_id);
    Ok(handle_payload(state, &event.payload).instrument(span).await)
}

pub async fn handle_payload(state: &State, payload: &Value) -> BatchResponse {
    handle_booking_batch(&state.store, &decode_batch(payload), now_millis()).await
}
