// The handler's nested async state machine is deep enough to need a higher limit.
#![recursion_limit = "256"]

use lambda_runtime::{service_fn, Error, LambdaEvent};
use publish_events::{handle, State};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let sdk = scl_aws::config::init()?;
    let state = State {
        publisher: (
            scl_aws::config::sns_publisher(&sdk)?,
            scl_aws::config::events_bus_publisher(&sdk)?,
        ),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handle(&state, event)
    }))
    .await
}
