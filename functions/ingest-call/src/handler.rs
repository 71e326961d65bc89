//! `IngestCallFunction`: EventBridge `CallCompleted` -> a lead, a near miss, nothing, or a call
//! waiting for its After Call Work Time (which `DecideDueCallsFunction` decides when it ends).
//! A malformed event is answered with a `rejected` outcome (and filed for replay) rather than
//! an error, so Lambda does not retry something that can never succeed; storage failures are
//! errors, so it does retry.

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::DynamoStore;
use scl_core::service::ingest::ingest_call;
use scl_domain::lead::now_millis;
use serde_json::Value;
use tracing::Instrument;

pub type State = scl_edge::state::WithStore<DynamoStore>;

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let span = tracing::info_span!("ingest_call", request_id = %event.context.request_id);
    handle_payload(state, &event.payload).instrument(span).await
}

/// The same, for a bare payload (tests and tools).
pub async fn handle_payload(state: &State, payload: &Value) -> Result<Value, Error> {
    let outcome = ingest_call(&state.store, payload, now_millis()).await?;
    Ok(serde_json::to_value(outcome)?)
}
