use lambda_runtime::{service_fn, Error, LambdaEvent};
use repair_reports::{handle, State};
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
