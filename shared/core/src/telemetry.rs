//! Logging: JSON lines through `tracing`, as CloudWatch (and the Lambda JSON log format)
//! expects. Nothing here ever formats a phone number or transcript text.

/// Installs the JSON subscriber once per cold start; `RUST_LOG` is the level (`error`, `warn`,
/// `info`, `debug`, `trace`; `info` when unset or unreadable). A level, not `EnvFilter`'s
/// per-module directives: the functions log from one crate, and the directive parser's regex
/// engine cost ~0.4 MiB of every bootstrap (BENCHMARKS.md).
pub fn init() {
    let level = level(std::env::var("RUST_LOG").ok().as_deref());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_current_span(true)
        .with_target(false)
        .without_time()
        .try_init();
}

fn level(raw: Option<&str>) -> tracing::Level {
    raw.and_then(|r| r.trim().parse().ok())
        .unwrap_or(tracing::Level::INFO)
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
    use super::{chain, level};
    use crate::ports::StoreError;

    #[test]
    fn the_log_level_comes_from_rust_log_and_defaults_to_info() {
        assert_eq!(level(Some("debug")), tracing::Level::DEBUG);
        assert_eq!(level(Some(" WARN ")), tracing::Level::WARN);
        assert_eq!(level(Some("scl=debug")), tracing::Level::INFO);
        assert_eq!(level(None), tracing::Level::INFO);
    }

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
