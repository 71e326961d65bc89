// The handler's nested async state machine is deep enough to need a higher limit.
#![recursion_limit = "256"]

use callback::{handle, State};
use lambda_http::{Error, Request};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let cold = scl_aws::config::cold_start().await?;
    let state = State { store: cold.store };
    scl_edge::api::serve(|req: Request| handle(&state, req)).await
}
