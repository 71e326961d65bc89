//! `DecideDueCallsFunction`: every minute (a schedule), decides the calls whose After Call Work
//! Time has ended, as `IngestCallFunction` would have decided them on arrival
//! (docs/data-model.md, Calls waiting for their decision). A function of its own so that the
//! drain's code is not in every cold start of ingestion (IngestCall's bootstrap stays under
//! 4 MB; BENCHMARKS.md, Deployment artifacts). A waiting call the drain cannot decide stays
//! waiting for the next minute's run; the run fails (and the schedule's event goes to the
//! dead-letter queue) only when the waiting calls cannot be read at all.

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::DynamoStore;
use scl_core::service::ingest::decide_due_calls;
use scl_edge::events_in::scheduled_at;
use serde_json::Value;
use tracing::Instrument;

pub type State = scl_edge::state::WithStore<DynamoStore>;

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let span = tracing::info_span!("decide_due_calls", request_id = %event.context.request_id);
    handle_payload(state, &event.payload).instrument(span).await
}

/// The same, for a bare payload (tests and tools). The clock is the schedule's `time`, so a
/// missed run replayed decides as it would have.
pub async fn handle_payload(state: &State, payload: &Value) -> Result<Value, Error> {
    let report = decide_due_calls(&state.store, scheduled_at(payload)).await?;
    tracing::info!(
        decided = report.decided,
        failed = report.failed,
        "waiting calls decided"
    );
    Ok(serde_json::to_value(report)?)
}
