//! `StreamDispatchFunction`: the one reader of the table's stream. Each record goes to the FIFO
//! queue of every function that reads such changes, and each call that starts to wait for its
//! decision gets its turn in the decide queue, delayed until it is due (`scl_aws::fanout`;
//! docs/data-model.md, The table's stream and its readers). A record not sent everywhere is
//! reported by its sequence number, so the mapping retries from it (a bounded number of times,
//! bisecting the batch, then the on-failure queue); what was sent already is not sent twice (the
//! queues drop a record id they have seen, and the decide queue's turns are idempotent).

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::fanout::Fanout;
use scl_core::service::stream::{BatchItemFailure, BatchResponse};
use serde_json::Value;
use tracing::Instrument;

pub struct State {
    pub fanout: Fanout,
}

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<BatchResponse, Error> {
    let span = tracing::info_span!("stream_dispatch", request_id = %event.context.request_id);
    Ok(handle_payload(state, &event.payload).instrument(span).await)
}

/// The same, for a bare payload (tests and tools).
pub async fn handle_payload(state: &State, payload: &Value) -> BatchResponse {
    let records = payload
        .get("Records")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let failed = state.fanout.dispatch(records, chrono::Utc::now()).await;
    tracing::info!(
        records = records.len(),
        failed = failed.len(),
        "stream records dispatched"
    );
    BatchResponse {
        batch_item_failures: failed
            .into_iter()
            .map(|i| BatchItemFailure {
                // A record without a sequence number cannot be named: an empty identifier
                // makes Lambda retry the whole batch, the safe way not to lose it.
                item_identifier: records
                    .get(i)
                    .and_then(|r| r.pointer("/dynamodb/SequenceNumber"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect(),
    }
}
