//! Call ingestion: `CallCompleted` -> rejected, not a lead, near miss, new lead, or a call
//! attached to the caller's open lead. Idempotent on (tenant, call_id).
//!
//! A call that would be a lead is decided only once the business's After Call Work Time has
//! passed since it ended: until then it waits (`defer_call`), and its turn on the decide queue
//! (`decide_waiting_call`) decides it when it is due. A job booked for the number or the customer meanwhile, or
//! the call re-sent as booked, makes it `booked_during_wrap_up`: no lead, no notification.
//!
//! Every rule is the domain's (`scl_domain::call_decision::decide`); this reads what the
//! decision asks for, writes its plan, and says what happened.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{info, Instrument};

use crate::ports::{CallDecision, IngestStore, StoreError};
use crate::service::events::{Refused, RejectionError};
use crate::service::retry::{pause, MAX_ATTEMPTS};
use scl_domain::call_decision::{decide, Arrival, Known, Plan, Step};
use scl_domain::call_event::CallCompleted;
use scl_domain::detection::adaptation::Adjustment;
use scl_domain::envelope::Arrived;
use scl_domain::event_source::admit;
use scl_domain::settings::TenantSettings;
use scl_domain::LeadId;

mod drain;
pub use drain::{
    decide_due_calls, decide_waiting_call, sweep_after, DrainReport, Turn, DRAIN_BATCH,
};

pub const DETAIL_TYPE: &str = "CallCompleted";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IngestOutcome {
    Created {
        lead_id: LeadId,
    },
    Attached {
        lead_id: LeadId,
        calls_count: u32,
    },
    /// The same call was already processed; nothing was written.
    Duplicate,
    /// Excluded by a gate.
    NotALead {
        reasons: Vec<String>,
    },
    /// Passed the gates, scored under the threshold: kept as a near miss.
    NearMiss {
        score: f64,
        reasons: Vec<String>,
    },
    /// The business has Second Chance Leads turned off: recorded, nothing created.
    Disabled,
    /// Waiting for the After Call Work Time to end; decided at `decide_at` (within seconds).
    Pending {
        #[serde(with = "scl_domain::timestamp")]
        decide_at: DateTime<Utc>,
    },
    /// A job was booked for the caller during the wrap-up: no lead.
    BookedDuringWrapUp,
    /// The event was invalid; it was filed for an operator, nothing else was written.
    Rejected {
        error: RejectionError,
    },
}

impl IngestOutcome {
    /// The outcome's name, as the answer's `outcome` field and the metrics' dimension say it.
    pub fn name(&self) -> &'static str {
        match self {
            IngestOutcome::Created { .. } => "created",
            IngestOutcome::Attached { .. } => "attached",
            IngestOutcome::Duplicate => "duplicate",
            IngestOutcome::NotALead { .. } => "not_a_lead",
            IngestOutcome::NearMiss { .. } => "near_miss",
            IngestOutcome::Disabled => "disabled",
            IngestOutcome::Pending { .. } => "pending",
            IngestOutcome::BookedDuringWrapUp => "booked_during_wrap_up",
            IngestOutcome::Rejected { .. } => "rejected",
        }
    }
}

/// Decides a valid call (the edge has decoded it; an unreadable one is filed there), unless
/// its business does not admit the event's origin: then nothing is written and the refusal is
/// the edge's to file.
pub async fn ingest_call<S: IngestStore>(
    store: &S,
    arrived: Arrived<CallCompleted>,
    now: DateTime<Utc>,
) -> Result<Result<IngestOutcome, Refused>, StoreError> {
    let call = arrived.detail;
    let span = tracing::info_span!("call", tenant_id = %call.tenant_id, call_id = %call.call_id);
    let decided = async {
        // The business's learned adjustment comes with the settings, in the same request.
        let context = store.detection_context(&call.tenant_id).await?;
        if let Err(why) = admit(&context.0.event_sources, &arrived.origin) {
            return Ok(Err(Refused(why)));
        }
        decide_and_write(store, &call, context, Arrival::Event, now)
            .await
            .map(Ok)
    };
    let decided = decided.instrument(span).await?;
    let name = decided.as_ref().map_or("refused", IngestOutcome::name);
    crate::telemetry::count("CallsReceived", ("Outcome", name));
    Ok(decided)
}

/// Reads what the decision asks for until it is a plan, then writes the plan.
async fn process<S: IngestStore>(
    store: &S,
    call: &CallCompleted,
    arrival: Arrival,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let context = store.detection_context(&call.tenant_id).await?;
    decide_and_write(store, call, context, arrival, now).await
}

/// The same, once the business's settings and adjustment are read.
async fn decide_and_write<S: IngestStore>(
    store: &S,
    call: &CallCompleted,
    (settings, adjustment): (TenantSettings, Adjustment),
    arrival: Arrival,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let mut known = Known::new(
        call,
        &settings,
        &adjustment,
        arrival,
        now,
        LeadId::generate(),
    );
    let mut conflicts = 0;
    loop {
        let step = decide(&known);
        match step {
            Step::SettleWaiting(d) => known.settled_waiting = Some(store.settle_pending(&d).await?),
            Step::ReadBookings { since, until } => {
                let (tenant, phone) = (&call.tenant_id, &call.from_number);
                let customer = call.customer_id.as_ref();
                let booked = store.booked_between(tenant, phone, customer, since, until);
                known.booked_in_wrap_up = Some(booked.await?);
            }
            Step::ReadCaller => {
                let caller = store.caller_lead(&call.tenant_id, &call.from_number);
                known.caller = Some(caller.await?);
            }
            Step::SettledAsBooked => {
                info!("call booked during wrap-up (re-sent as booked)");
                return Ok(IngestOutcome::BookedDuringWrapUp);
            }
            Step::Write(plan) => {
                let places_the_call = matches!(*plan, Plan::Create(_) | Plan::Attach { .. });
                match write(store, *plan).await {
                    // A CSR changing the lead this call attaches to, or another call from the
                    // number making or finding its lead first: read the number's lead again
                    // and decide again (the policy of `retry`).
                    Err(StoreError::VersionConflict)
                        if places_the_call && conflicts + 1 < MAX_ATTEMPTS =>
                    {
                        conflicts += 1;
                        if let Some(p) = pause(conflicts) {
                            tokio::time::sleep(p).await;
                        }
                        known.caller = None;
                        known.new_lead_id = LeadId::generate();
                    }
                    Err(StoreError::AlreadyProcessed) => return Ok(IngestOutcome::Duplicate),
                    other => return other,
                }
            }
        }
    }
}

/// Writes the plan and says what it did. `AlreadyProcessed` when the call was decided before.
async fn write<S: IngestStore>(store: &S, plan: Plan) -> Result<IngestOutcome, StoreError> {
    match plan {
        Plan::TurnedOff(d) => {
            nothing_created(store, &d).await?;
            Ok(IngestOutcome::Disabled)
        }
        Plan::NotALead(d) => {
            nothing_created(store, &d).await?;
            Ok(IngestOutcome::NotALead { reasons: d.reasons })
        }
        Plan::BookedDuringWrapUp(d) => {
            nothing_created(store, &d).await?;
            Ok(IngestOutcome::BookedDuringWrapUp)
        }
        Plan::Wait(pending) => {
            store.defer_call(&pending).await?;
            let decide_at = pending.decide_at;
            info!(%decide_at, "call waits for the After Call Work Time");
            Ok(IngestOutcome::Pending { decide_at })
        }
        Plan::NearMiss(w) => {
            store.record_near_miss(&w).await?;
            let score = w.near_miss.qualified.detection.score;
            info!(score, "call is a near miss");
            let reasons = w.decision.reasons;
            Ok(IngestOutcome::NearMiss { score, reasons })
        }
        Plan::Create(w) => {
            store.create_lead(&w).await?;
            info!(lead_id = %w.lead.id, "lead created");
            Ok(IngestOutcome::Created { lead_id: w.lead.id })
        }
        Plan::Attach {
            write: w,
            expected_version,
        } => {
            store.attach_call(&w, expected_version).await?;
            let (lead_id, calls_count) = (w.lead.id, w.lead.calls_count);
            info!(%lead_id, calls_count, "call attached to open lead");
            Ok(IngestOutcome::Attached {
                lead_id,
                calls_count,
            })
        }
    }
}

/// Records a decision that creates nothing (a gate excluded the call, the business is turned
/// off, a job was booked during the wrap-up).
async fn nothing_created<S: IngestStore>(store: &S, d: &CallDecision) -> Result<(), StoreError> {
    store.record_decision(d).await?;
    info!(decision = ?d.decision, reasons = ?d.reasons, "call decided: nothing created");
    Ok(())
}

#[cfg(test)]
mod tests;
