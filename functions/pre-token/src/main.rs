use lambda_runtime::{service_fn, Error, LambdaEvent};
use pre_token::{handle, Groups};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    scl_core::telemetry::init();
    let groups = Groups::from_env()?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        // Cognito shows a failed trigger's message to the user and issues no token.
        let answer = handle(&groups, event.payload).map_err(Error::from);
        async move { answer }
    }))
    .await
}
