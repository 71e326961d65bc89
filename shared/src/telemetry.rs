//! Logging: JSON lines through `tracing`, as CloudWatch (and the Lambda JSON log format)
//! expects. Nothing here ever formats a phone number or transcript text.

/// Installs the JSON subscriber once per cold start; `RUST_LOG` sets the level.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_target(false)
        .without_time()
        .try_init();
}
