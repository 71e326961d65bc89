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

#[cfg(test)]
mod tests {
    use super::*;
    use scl_core::memory::MemoryStore;
    use scl_domain::sample::sample_lead;
    use scl_domain::status::Tab;

    #[tokio::test]
    async fn leads_whose_cold_time_has_come_move_once() {
        let lead = sample_lead("+15125550100");
        let store = MemoryStore::default().with_lead(lead.clone());
        let before = json!({"time": (lead.cold_at - chrono::Duration::minutes(1)).to_rfc3339()});
        assert_eq!(handle_payload(&store, &before).await.unwrap()["moved"], 0);
        let after = json!({"time": (lead.cold_at + chrono::Duration::minutes(1)).to_rfc3339()});
        assert_eq!(handle_payload(&store, &after).await.unwrap()["moved"], 1);
        assert_eq!(store.listed(&store.lead(&lead.id).unwrap()), Tab::Cold);
        assert_eq!(handle_payload(&store, &after).await.unwrap()["moved"], 0);
    }
}
