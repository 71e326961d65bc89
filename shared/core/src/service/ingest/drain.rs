//! Deciding the calls that waited for their After Call Work Time (docs/data-model.md, Calls
//! waiting for their decision). Each waiting call has its turn when it is due: the decide
//! queue delivers its message then (`decide_waiting_call`), and the call is decided as it
//! would have been on arrival. A turn that fails comes round again (the queue redelivers it);
//! the sweep (`decide_due_calls`, on a schedule) decides whatever is still waiting well after
//! its time, so a call whose message was lost or dead-lettered is decided all the same.
//! Exactly one decision per call whoever gets there: the decision replaces the waiting call
//! only while it waits (a conditional write), and a turn that finds it decided does nothing.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tracing::{info, Instrument};

use super::{process, IngestOutcome};
use crate::ports::{IngestStore, StoreError};
use scl_domain::call_decision::{Arrival, PendingCall};
use scl_domain::{CallId, TenantId};

/// How many waiting calls one sweep decides; the next run takes the rest.
pub const DRAIN_BATCH: usize = 200;

/// How long past due a call must be for the sweep to take it: by then its turn on the queue
/// has come and gone (the queue retries a failed turn within seconds, not minutes).
pub fn sweep_after() -> Duration {
    Duration::minutes(2)
}

/// What one waiting call's turn did.
#[derive(Debug, Clone, PartialEq)]
pub enum Turn {
    Decided(IngestOutcome),
    /// Decided before this turn (an earlier delivery, the sweep, the call re-sent as booked),
    /// or never kept: nothing to do.
    AlreadyDecided,
    /// Not due yet (a wait longer than the queue can delay one message): its turn is again at
    /// `decide_at`.
    NotDue {
        decide_at: DateTime<Utc>,
    },
}

/// The turn of one waiting call: decided if it is due and still waiting.
pub async fn decide_waiting_call<S: IngestStore>(
    store: &S,
    tenant: &TenantId,
    call_id: &CallId,
    now: DateTime<Utc>,
) -> Result<Turn, StoreError> {
    let span = tracing::info_span!("call", tenant_id = %tenant, call_id = %call_id);
    async {
        let Some(pending) = store.waiting_call(tenant, call_id).await? else {
            return Ok(Turn::AlreadyDecided);
        };
        if pending.decide_at > now {
            return Ok(Turn::NotDue {
                decide_at: pending.decide_at,
            });
        }
        let outcome = decide(store, &pending, "queue", now).await?;
        Ok(match outcome {
            IngestOutcome::Duplicate => Turn::AlreadyDecided,
            outcome => Turn::Decided(outcome),
        })
    }
    .instrument(span)
    .await
}

/// Decides a due call and says how late the decision came (`DecisionLateness`, by the way it
/// came: `queue` or `sweep`).
async fn decide<S: IngestStore>(
    store: &S,
    pending: &PendingCall,
    by: &'static str,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let outcome = process(store, &pending.call, Arrival::Due, now).await?;
    if outcome != IngestOutcome::Duplicate {
        let late_ms = (Utc::now() - pending.decide_at).num_milliseconds().max(0);
        crate::telemetry::count("WaitingCallsDecided", ("Outcome", outcome.name()));
        let unit = crate::telemetry::Unit::Milliseconds;
        crate::telemetry::metric("DecisionLateness", ("By", by), late_ms as f64, unit);
        info!(?outcome, late_ms, by, "waiting call decided");
    }
    Ok(outcome)
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DrainReport {
    pub decided: usize,
    /// Calls that could not be decided now (they stay waiting; the next run tries again).
    pub failed: usize,
    /// Index partitions that could not be read now (their calls wait for the next run).
    pub unread_partitions: usize,
}

/// Decides every call still waiting `sweep_after()` past its time (the schedule's backstop).
pub async fn decide_due_calls<S: IngestStore>(
    store: &S,
    now: DateTime<Utc>,
) -> Result<DrainReport, StoreError> {
    let due = store.due_calls(now - sweep_after(), DRAIN_BATCH).await?;
    let mut report = DrainReport {
        unread_partitions: due.unread_partitions,
        ..DrainReport::default()
    };
    for pending in due.calls {
        let span =
            tracing::info_span!("call", tenant_id = %pending.tenant_id, call_id = %pending.call_id);
        match decide(store, &pending, "sweep", now)
            .instrument(span.clone())
            .await
        {
            Ok(IngestOutcome::Duplicate) => {}
            Ok(_) => report.decided += 1,
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
