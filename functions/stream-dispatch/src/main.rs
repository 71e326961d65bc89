use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use stream_dispatch::{handle, State};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let sdk = scl_aws::config::init()?;
    let state = State {
        fanout: scl_aws::config::fanout(&sdk)?,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handle(&state, event)
    }))
    .await
}
