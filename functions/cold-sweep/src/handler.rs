//! `ColdSweepFunction`: every minute, moves the leads whose cold time has come from where Open
//! leads are stored to where Cold ones are (docs/data-model.md, The Cold tab). The queue is
//! exact without it; the move keeps an Open or Cold page a page of reads. The clock is the
//! schedule event's `time`, so a test (or an operator replaying a missed run) drives it through
//! the input.

use lambda_runtime::{Error, LambdaEvent};
use scl_core::ports::ColdSweep;
use scl_edge::events_in::scheduled_at;
use serde_json::{json, Value};
use tracing::Instrument;

pub async fn handle<S: ColdSweep>(store: &S, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let span = tracing::info_span!("cold_sweep", request_id = %event.context.request_id);
    handle_payload(store, &event.payload).instrument(span).await
}

pub async fn handle_payload<S: ColdSweep>(store: &S, payload: &Value) -> Result<Value, Error> {
    let now = scheduled_at(payload);
    let moved = store.move_due_to_cold(now).await?;
    tracing::info!(moved, "moved leads that turned Cold");
    Ok(json!({"moved": moved}))
}
