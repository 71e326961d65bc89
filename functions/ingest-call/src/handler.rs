//! `IngestCallFunction`: EventBridge `CallCompleted` -> a lead, a near miss, nothing, or a call
//! waiting for its After Call Work Time (which `DecideDueCallsFunction` decides when it ends).
//! A malformed event, or one from a source its business does not bind (`event_sources` in the
//! settings), is answered with a `rejected` outcome (and filed for replay) rather than
//! an error, so Lambda does not retry something that can never succeed; storage failures are
//! errors, so it does retry.

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::DynamoStore;
use scl_core::service::events::{file_rejected, Refused, Rejection};
use scl_core::service::ingest::{ingest_call, IngestOutcome, DETAIL_TYPE};
use scl_domain::call_event::CallCompleted;
use scl_domain::lead::now_millis;
use scl_edge::events_in::{decode, refused};
use serde_json::Value;
use tracing::Instrument;

pub type State = scl_edge::state::WithStore<DynamoStore>;

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let span = tracing::info_span!("ingest_call", request_id = %event.context.request_id);
    handle_payload(state, &event.payload).instrument(span).await
}

/// The same, for a bare payload (tests and tools).
pub async fn handle_payload(state: &State, payload: &Value) -> Result<Value, Error> {
    let now = now_millis();
    let (event, why) = match decode(payload, DETAIL_TYPE, CallCompleted::from_detail) {
        Ok(arrived) => match ingest_call(&state.store, arrived, now).await? {
            Ok(outcome) => return Ok(serde_json::to_value(outcome)?),
            Err(Refused(why)) => (refused(payload, DETAIL_TYPE, why), Rejection::Refused),
        },
        Err(unreadable) => (*unreadable, Rejection::Unreadable),
    };
    let outcome = IngestOutcome::Rejected {
        error: file_rejected(&state.store, event, why, now).await?,
    };
    Ok(serde_json::to_value(outcome)?)
}
