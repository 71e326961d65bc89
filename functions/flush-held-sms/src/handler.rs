//! `FlushHeldSmsFunction`: on an EventBridge schedule, sends the SMS held through quiet hours
//! whose release time has come. The clock is the schedule event's `time`, so a test (or an
//! operator replaying a missed run) drives it through the input.

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::{AwsNotifier, DynamoStore};
use scl_core::ports::{NotificationStore, Notifier};
use scl_core::service::notify::flush_held_sms;
use scl_edge::events_in::scheduled_at;
use serde_json::Value;
use tracing::Instrument;

pub struct State<S = DynamoStore, N = AwsNotifier> {
    pub store: S,
    pub notifier: N,
}

pub async fn handle<S: NotificationStore, N: Notifier>(
    state: &State<S, N>,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let span = tracing::info_span!("flush_held_sms", request_id = %event.context.request_id);
    handle_payload(state, &event.payload).instrument(span).await
}

pub async fn handle_payload<S: NotificationStore, N: Notifier>(
    state: &State<S, N>,
    payload: &Value,
) -> Result<Value, Error> {
    let now = scheduled_at(payload);
    let report = flush_held_sms(&state.store, &state.notifier, now).await?;
    Ok(serde_json::to_value(report)?)
}
