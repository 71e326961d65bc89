//! `CountReportsFunction`: lead inserts and changes from the table's stream (through its queue)
//! -> the business's report totals (docs/api.md, Reports), reporting failed records by sequence
//! number (`ReportBatchItemFailures`). An operator rebuilds or checks a business's totals with
//! `RepairReportsFunction`.

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::stream::decode_batch;
use scl_aws::DynamoStore;
use scl_core::service::stream::handle_report_batch;
use serde_json::Value;
use tracing::Instrument;

pub type State = scl_edge::state::WithStore<DynamoStore>;

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let span = tracing::info_span!("count_reports", request_id = %event.context.request_id);
    handle_payload(state, &event.payload).instrument(span).await
}

pub async fn handle_payload(state: &State, payload: &Value) -> Result<Value, Error> {
    let response = handle_report_batch(&state.store, &decode_batch(payload)).await;
    Ok(serde_json::to_value(response)?)
}
