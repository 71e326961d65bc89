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

/// An error and every error beneath it, `outer: inner: innermost`, for a log line: the
/// operation that failed and why, which a top-level message alone does not say.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !out.ends_with(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::chain;
    use crate::ports::StoreError;

    #[test]
    fn a_chain_names_the_operation_and_keeps_the_cause() {
        let e = StoreError::Backend {
            operation: "Query".into(),
            source: "ProvisionedThroughputExceededException: slow down".into(),
        };
        assert_eq!(
            chain(&e),
            "DynamoDB Query failed: ProvisionedThroughputExceededException: slow down"
        );
    }
}
