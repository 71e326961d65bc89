//! `LearnLabelsFunction`: lead inserts and changes from the table's stream -> the business's
//! label counts and learned detection adjustment (docs/api.md, Near misses and detection). Reports failed records by
//! sequence number (`ReportBatchItemFailures`).

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::stream::decode_batch;
use scl_aws::DynamoStore;
use scl_core::service::stream::{handle_label_batch, BatchResponse};
use serde_json::Value;
use tracing::Instrument;

pub type State = scl_edge::state::WithStore<DynamoStore>;

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<BatchResponse, Error> {
    let span = tracing::info_span!("learn_labels", request_id = %event.context.request_id);
    Ok(handle_payload(state, &event.payload).instrument(span).await)
}

pub async fn handle_payload(state: &State, payload: &Value) -> BatchResponse {
    handle_label_batch(&state.store, &decode_batch(payload)).await
}
