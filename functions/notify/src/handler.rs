//! `NotifyFunction`: new leads from the table's stream -> in-app, email and SMS notifications.
//! Reports failed records by sequence number.

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::stream::decode_batch;
use scl_aws::{AwsNotifier, DynamoStore};
use scl_core::ports::{NotificationStore, Notifier, SettingsStore};
use scl_core::service::notify::NotifyConfig;
use scl_core::service::stream::{handle_lead_batch, BatchResponse};
use scl_domain::lead::now_millis;
use serde_json::Value;
use tracing::Instrument;

pub struct State<S = DynamoStore, N = AwsNotifier> {
    pub store: S,
    pub notifier: N,
    pub config: NotifyConfig,
}

pub async fn handle<S, N>(
    state: &State<S, N>,
    event: LambdaEvent<Value>,
) -> Result<BatchResponse, Error>
where
    S: NotificationStore + SettingsStore,
    N: Notifier,
{
    let span = tracing::info_span!("notify", request_id = %event.context.request_id);
    Ok(handle_payload(state, &event.payload).instrument(span).await)
}

pub async fn handle_payload<S, N>(state: &State<S, N>, payload: &Value) -> BatchResponse
where
    S: NotificationStore + SettingsStore,
    N: Notifier,
{
    handle_lead_batch(
        &state.store,
        &state.notifier,
        &state.config,
        &decode_batch(payload),
        now_millis(),
    )
    .await
}
