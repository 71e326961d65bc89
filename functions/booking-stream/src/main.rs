// The stream handler's nested async state machine is deep enough to need a higher limit.
#![recursion_limit = "256"]

use booking_stream::{handle, State};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let cold = scl_aws::config::cold_start().await?;
    let state = State { store: cold.store };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handle(&state, event)
    }))
    .await
}
