//! lambda_runtime's hello world: answers every event with `{"hello": "world"}`. Not deployed;
//! `make bench` builds it with the release profile and starts it under the same emulator as
//! the functions, so their init and size read against what the runtime alone costs.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn hello(_event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(json!({"hello": "world"}))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(hello)).await
}
