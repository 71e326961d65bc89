//! The one-minute drain of calls waiting for their After Call Work Time to end
//! (docs/data-model.md, Calls waiting for their decision): each due call is decided as it would
//! have been on arrival, and one that cannot be decided now waits for the next run.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{info, Instrument};

use super::process;
use crate::ports::{IngestStore, StoreError};
use scl_domain::call_decision::Arrival;

/// How many waiting calls one drain decides; the next minute's run takes the rest.
pub const DRAIN_BATCH: usize = 500;

/// What one run of the drain did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DrainReport {
    pub decided: usize,
    /// Calls that could not be decided now (they stay waiting; the next run tries again).
    pub failed: usize,
    /// Index partitions that could not be read now (their calls wait for the next run).
    pub unread_partitions: usize,
}

/// Decides every call whose After Call Work Time has ended (the one-minute schedule).
pub async fn decide_due_calls<S: IngestStore>(
    store: &S,
    now: DateTime<Utc>,
) -> Result<DrainReport, StoreError> {
    let due = store.due_calls(now, DRAIN_BATCH).await?;
    let mut report = DrainReport {
        unread_partitions: due.unread_partitions,
        ..DrainReport::default()
    };
    for pending in due.calls {
        let span =
            tracing::info_span!("call", tenant_id = %pending.tenant_id, call_id = %pending.call_id);
        let decided = process(store, &pending.call, Arrival::Due, now)
            .instrument(span.clone())
            .await;
        match decided {
            Ok(outcome) => {
                report.decided += 1;
                crate::telemetry::count("WaitingCallsDecided", ("Outcome", outcome.name()));
                span.in_scope(|| {
                    info!(
                        ?outcome,
                        late_ms = (now - pending.decide_at).num_milliseconds(),
                        "waiting call decided"
                    )
                });
            }
            Err(e) => {
                report.failed += 1;
                span.in_scope(
                    || tracing::warn!(error = %e, "waiting call not decided; next run retries"),
                );
            }
        }
    }
    Ok(report)
}
