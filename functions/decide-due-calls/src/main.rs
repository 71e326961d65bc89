// The handler's nested async state machine is deep enough to need a higher limit.
#![recursion_limit = "256"]

use decide_due_calls::{handle, State};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let cold = scl_aws::config::cold_start().await?;
    scl_domain::detection::preload();
    let state = State {
        store: cold.store,
        decide_queue: scl_aws::config::decide_queue(&cold.sdk)?,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handle(&state, event)
    }))
    .await
}
