use lambda_http::{Error, Request};
use webhook::{handle, State};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let cold = scl_aws::config::cold_start().await?;
    let (secrets, bus) = scl_aws::config::webhook_ports(&cold.sdk)?;
    let state = State {
        store: cold.store,
        secrets,
        bus,
    };
    scl_edge::api::serve(|req: Request| handle(&state, req)).await
}
