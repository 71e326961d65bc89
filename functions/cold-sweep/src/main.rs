use cold_sweep::handle;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let cold = scl_aws::config::cold_start().await?;
    let store = cold.store;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handle(&store, event)
    }))
    .await
}
