use integrations::{handle, State};
use lambda_http::{Error, Request};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let sdk = scl_aws::config::init()?;
    let state = State {
        registry: scl_aws::config::webhook_registry(&sdk)?,
    };
    scl_edge::api::serve(|req: Request| handle(&state, req)).await
}
