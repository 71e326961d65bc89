// The handler's nested async state machine is deep enough to need a higher limit.
#![recursion_limit = "256"]

use lambda_http::{service_fn, Error, Request};
use notifications::{handle, State};

#[tokio::main]
async fn main() -> Result<(), Error> {
    scl_shared::telemetry::init();
    let sdk = scl_shared::config::aws_config().await;
    let state = State {
        store: scl_shared::config::dynamo_store(&sdk).await?,
    };
    lambda_http::run(service_fn(|req: Request| handle(&state, req))).await
}
