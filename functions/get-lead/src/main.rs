#![recursion_limit = "256"]
use get_lead::{handle, State};
use lambda_http::{service_fn, Error, Request};

fn main() -> Result<(), Error> {
    let t0 = std::time::Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    eprintln!("rt {:?}", t0.elapsed());
    rt.block_on(async {
        scl_shared::telemetry::init();
        eprintln!("tracing {:?}", t0.elapsed());
        let sdk = scl_shared::config::sdk_config()?;
        eprintln!("config {:?}", t0.elapsed());
        let store = scl_shared::config::dynamo_store(&sdk)?;
        eprintln!("store {:?}", t0.elapsed());
        let state = State { store };
        lambda_http::run(service_fn(|req: Request| handle(&state, req))).await
    })
}
