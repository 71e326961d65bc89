//! `IngestCallFunction`: EventBridge `CallCompleted` -> lead, and every minute (a schedule)
//! the calls whose After Call Work Time has ended. A malformed event is answered with a
//! `rejected` outcome (and filed for replay) rather than an error, so Lambda does not retry
//! something that can never succeed; storage failures are errors, so it does retry. A waiting
//! call the drain cannot decide stays waiting for the next minute's run.

use lambda_runtime::{Error, LambdaEvent};
use scl_shared::adapters::DynamoStore;
use scl_shared::domain::lead::now_millis;
use scl_shared::events_in::scheduled_at;
use scl_shared::service::ingest::{decide_due_calls, ingest_call};
use serde_json::Value;
use tracing::Instrument;

pub type State = scl_shared::state::WithStore<DynamoStore>;

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let span = tracing::info_span!("ingest_call", request_id = %event.context.request_id);
    handle_payload(state, &event.payload).instrument(span).await
}

/// The same, for a bare payload (tests and tools).
pub async fn handle_payload(state: &State, payload: &Value) -> Result<Value, Error> {
    if payload.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event") {
        // The clock is the schedule's `time`, so a missed run replayed decides as it would have.
        let report = decide_due_calls(&state.store, scheduled_at(payload)).await?;
        tracing::info!(
            decided = report.decided,
            failed = report.failed,
            "waiting calls decided"
        );
        return Ok(serde_json::to_value(report)?);
    }
    let outcome = ingest_call(&state.store, payload, now_millis()).await?;
    Ok(serde_json::to_value(outcome)?)
}
