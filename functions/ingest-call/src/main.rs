// The handler's nested async state machine is deep enough to need a higher limit.
#![recursion_limit = "256"]

use ingest_call::{handle, State};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let cold = scl_aws::config::cold_start().await?;
    scl_domain::detection::preload();
    let state = State { store: cold.store };
    // A payload the runtime could not decode still reaches the handler, to be filed.
    lambda_runtime::Runtime::new(service_fn(|event: LambdaEvent<Value>| {
        handle(&state, event)
    }))
    .layer(lambda_runtime::layers::TracingLayer::new())
    .layer(scl_edge::events_in::ReadablePayloadLayer)
    .run()
    .await
}
