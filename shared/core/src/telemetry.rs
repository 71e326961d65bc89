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

/// A business metric (docs/reliability.md, Business metrics): one line of CloudWatch's embedded
/// metric format on stdout, which Lambda hands to CloudWatch Logs and CloudWatch turns into
/// metric `name` under the namespace `SCL_METRICS_NAMESPACE` (the stack's; nothing is emitted
/// without one), with one dimension. Counting costs no request: it is a log line.
pub fn metric(name: &'static str, dimension: (&'static str, &str), value: f64, unit: Unit) {
    if let Some(namespace) = metrics_namespace() {
        let now = chrono::Utc::now().timestamp_millis();
        println!("{}", emf_line(namespace, name, dimension, value, unit, now));
    }
}

/// A count of one.
pub fn count(name: &'static str, dimension: (&'static str, &str)) {
    metric(name, dimension, 1.0, Unit::Count);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

fn metrics_namespace() -> Option<&'static str> {
    static NAMESPACE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    NAMESPACE
        .get_or_init(|| {
            std::env::var("SCL_METRICS_NAMESPACE")
                .ok()
                .filter(|n| !n.is_empty())
        })
        .as_deref()
}

/// Written with `format!` rather than a `serde_json::Value`: IngestCall logs metrics too, and
/// its bootstrap has no room for a JSON map's code (BENCHMARKS.md, Deployment artifacts).
fn emf_line(
    namespace: &str,
    name: &str,
    (key, value_of_key): (&str, &str),
    value: f64,
    unit: Unit,
    timestamp_ms: i64,
) -> String {
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    let (namespace, name, key, value_of_key) = (
        quoted(namespace),
        quoted(name),
        quoted(key),
        quoted(value_of_key),
    );
    let value = if value.is_finite() { value } else { 0.0 };
    format!(
        concat!(
            r#"{{"_aws":{{"Timestamp":{ts},"CloudWatchMetrics":[{{"Namespace":{ns},"#,
            r#""Dimensions":[[{key}]],"Metrics":[{{"Name":{name},"Unit":"{unit}"}}]}}]}},"#,
            r#"{key}:{dim},{name}:{value}}}"#
        ),
        ts = timestamp_ms,
        ns = namespace,
        key = key,
        name = name,
        unit = unit.as_str(),
        dim = value_of_key,
        value = value,
    )
}

#[cfg(test)]
mod tests {
    use super::{chain, emf_line, level, Unit};

    #[test]
    fn a_metric_is_one_embedded_metric_format_line() {
        let line = emf_line(
            "SecondChanceLeads/prod",
            "NotificationsSent",
            ("Channel", "sms"),
            1.0,
            Unit::Count,
            1_796_601_940_000,
        );
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["_aws"]["Timestamp"], 1_796_601_940_000_i64);
        let directive = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "SecondChanceLeads/prod");
        assert_eq!(directive["Dimensions"], serde_json::json!([["Channel"]]));
        assert_eq!(
            directive["Metrics"],
            serde_json::json!([{"Name": "NotificationsSent", "Unit": "Count"}])
        );
        // The dimension and the value are members of the same object, as EMF requires.
        assert_eq!(v["Channel"], "sms");
        assert_eq!(v["NotificationsSent"], 1.0);
    }
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
