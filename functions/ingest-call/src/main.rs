// The handler's nested async state machine is deep enough to need a higher limit.
#![recursion_limit = "256"]

use ingest_call::{handle, State};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    scl_shared::telemetry::init();
    scl_shared::domain::PhoneNumber::preload_metadata();
    scl_shared::domain::detection::preload();
    let sdk = scl_shared::config::aws_config().await;
    let state = State {
        store: scl_shared::config::dynamo_store(&sdk).await?,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handle(&state, event)
    }))
    .await
}
