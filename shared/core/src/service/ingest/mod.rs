//! Call ingestion: `CallCompleted` -> rejected, not a lead, near miss, new lead, or a call
//! attached to the caller's open lead. Idempotent on (tenant, call_id).
//!
//! A call that would be a lead is decided only once the business's After Call Work Time has
//! passed since it ended: until then it waits (`defer_call`), and the one-minute drain
//! (`decide_due_calls`) decides it. A job booked for the number or the customer meanwhile, or
//! the call re-sent as booked, makes it `booked_during_wrap_up`: no lead, no notification.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tracing::{info, Instrument};

use crate::ports::{
    CallDecision, DecisionKind, IngestStore, LeadWrite, NearMissWrite, PendingCall, PhoneClaim,
    StoreError,
};
use crate::service::events::parse_or_file;
use crate::service::events::RejectionError;
use crate::service::retry::retry_on_conflict;
use scl_domain::call_event::{CallCompleted, Outcome};
use scl_domain::detection::{Assessment, Detection};
use scl_domain::events::LeadCreated;
use scl_domain::lead::{Actor, CallInfo, Customer, HistoryAction, HistoryEntry, Lead, NewLead};
use scl_domain::near_miss::NearMiss;
use scl_domain::qualification::{qualify, Verdict};
use scl_domain::settings::TenantSettings;
use scl_domain::{summary, LeadId, LeadStatus};

mod drain;
pub use drain::{decide_due_calls, DrainReport, DRAIN_BATCH};

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
    /// Waiting for the After Call Work Time to end; decided at `decide_at` (within a minute).
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

pub async fn ingest_call<S: IngestStore>(
    store: &S,
    event: &Value,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let call =
        match parse_or_file(store, event, DETAIL_TYPE, CallCompleted::from_detail, now).await? {
            Ok(call) => call,
            Err(error) => return Ok(IngestOutcome::Rejected { error }),
        };
    let span = tracing::info_span!("call", tenant_id = %call.tenant_id, call_id = %call.call_id);
    let detail = event.get("detail").cloned().unwrap_or_default();
    process(store, &call, &detail, Arrival::Event, now)
        .instrument(span)
        .await
}

/// Whether the call just arrived, or its wait is over (the drain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    Event,
    Due,
}

/// Qualifies a valid call and records the outcome.
async fn process<S: IngestStore>(
    store: &S,
    call: &CallCompleted,
    detail: &Value,
    arrival: Arrival,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    // The business's learned adjustment comes with the settings, in the same request.
    let (settings, adjustment) = store.detection_context(&call.tenant_id).await?;
    if !settings.enabled {
        // Recorded as decided, so a redelivery (or the switch turned back on) never makes the
        // call a lead.
        let why = "Second Chance Leads is turned off for this business".to_owned();
        return decided_without_lead(
            store,
            call,
            DecisionKind::Disabled,
            why,
            IngestOutcome::Disabled,
            now,
        )
        .await;
    }
    // The call re-sent as booked while it waits: the agent booked the job in the wrap-up.
    if call.outcome == Outcome::Booked && arrival == Arrival::Event {
        let d = decision(
            call,
            DecisionKind::BookedDuringWrapUp,
            None,
            None,
            vec!["the call was re-sent as booked during the wrap-up".to_owned()],
            now,
        );
        if store.settle_pending(&d).await? {
            info!("call booked during wrap-up (re-sent as booked)");
            return Ok(IngestOutcome::BookedDuringWrapUp);
        }
    }
    match qualify(call, &settings, &adjustment) {
        Verdict::Excluded { reason } => {
            let outcome = IngestOutcome::NotALead {
                reasons: vec![reason.clone()],
            };
            decided_without_lead(store, call, DecisionKind::NotALead, reason, outcome, now).await
        }
        Verdict::NearMiss(a) => near_miss(store, call, a, now).await,
        Verdict::Lead(a) => {
            let wrap_up = settings.after_call_work_minutes;
            if wrap_up.minutes() > 0 {
                let decide_at = wrap_up.decide_at(call.ended_at);
                if arrival == Arrival::Event && now < decide_at {
                    return defer(store, call, detail, decide_at).await;
                }
                // The wrap-up: from the call's start to its decision (a late event's wrap-up
                // ended before it arrived; a job booked after that is a booking like any other).
                let until = match arrival {
                    Arrival::Due => now,
                    Arrival::Event => decide_at,
                };
                let booked = store
                    .booked_between(
                        &call.tenant_id,
                        &call.from_number,
                        call.customer_id.as_ref(),
                        call.started_at,
                        until,
                    )
                    .await?;
                if booked {
                    let why = "a job was booked for the caller during the wrap-up".to_owned();
                    let outcome = IngestOutcome::BookedDuringWrapUp;
                    let kind = DecisionKind::BookedDuringWrapUp;
                    return decided_without_lead(store, call, kind, why, outcome, now).await;
                }
            }
            lead(store, call, &settings, a, now).await
        }
    }
}

/// Keeps the call until its decision is due.
async fn defer<S: IngestStore>(
    store: &S,
    call: &CallCompleted,
    detail: &Value,
    decide_at: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let pending = PendingCall {
        tenant_id: call.tenant_id.clone(),
        call_id: call.call_id.clone(),
        decide_at,
        detail: detail.clone(),
    };
    match store.defer_call(&pending).await {
        Ok(()) => {
            info!(%decide_at, "call waits for the After Call Work Time");
            Ok(IngestOutcome::Pending { decide_at })
        }
        Err(StoreError::AlreadyProcessed) => Ok(IngestOutcome::Duplicate),
        Err(e) => Err(e),
    }
}

/// A new lead, or the call attached to the number's open lead.
async fn lead<S: IngestStore>(
    store: &S,
    call: &CallCompleted,
    settings: &TenantSettings,
    a: Assessment,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    // A CSR changing the lead this call attaches to, or another call from the number making
    // or finding its lead first, means reading again and deciding again.
    let (a, settings) = (&a, settings);
    retry_on_conflict(move |_| async move {
        let caller = store
            .caller_lead(&call.tenant_id, &call.from_number)
            .await?;
        let attempt = match caller.open {
            None => create(store, call, settings, a.clone(), caller.claim, now).await,
            Some(lead) => attach(store, lead, call, settings, a.clone(), caller.claim, now).await,
        };
        match attempt {
            Err(StoreError::AlreadyProcessed) => Ok(IngestOutcome::Duplicate),
            other => other,
        }
    })
    .await
}

fn decision(
    call: &CallCompleted,
    kind: DecisionKind,
    lead_id: Option<LeadId>,
    detection: Option<&Detection>,
    reasons: Vec<String>,
    now: DateTime<Utc>,
) -> CallDecision {
    CallDecision {
        tenant_id: call.tenant_id.clone(),
        call_id: call.call_id.clone(),
        decision: kind,
        lead_id,
        reasons,
        score: detection.map(|d| d.score),
        decided_at: now,
        call_ended_at: Some(call.ended_at),
    }
}

/// Records a decision that creates nothing (a gate excluded the call, the business is turned
/// off, a job was booked during the wrap-up) and answers `outcome`; a redelivery finds the
/// decision and answers `duplicate`.
async fn decided_without_lead<S: IngestStore>(
    store: &S,
    call: &CallCompleted,
    kind: DecisionKind,
    reason: String,
    outcome: IngestOutcome,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let d = decision(call, kind, None, None, vec![reason], now);
    match store.record_decision(&d).await {
        Ok(()) => {
            info!(decision = ?kind, reasons = ?d.reasons, "call decided: nothing created");
            Ok(outcome)
        }
        Err(StoreError::AlreadyProcessed) => Ok(IngestOutcome::Duplicate),
        Err(e) => Err(e),
    }
}

/// Passed the gates, scored under the threshold: kept for 30 days as a near miss.
async fn near_miss<S: IngestStore>(
    store: &S,
    call: &CallCompleted,
    a: Assessment,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let (summary, summary_is_generated) = summary_of(call);
    let reasons = a.detection.reasons.clone();
    let score = a.detection.score;
    let write = NearMissWrite {
        decision: decision(
            call,
            DecisionKind::NearMiss,
            None,
            Some(&a.detection),
            reasons.clone(),
            now,
        ),
        near_miss: NearMiss {
            tenant_id: call.tenant_id.clone(),
            customer: customer_of(call),
            call: call_info(call),
            summary,
            summary_is_generated,
            detection: a.detection,
            terms: a.terms,
            decided_at: now,
        },
        transcript: call.transcript.clone(),
    };
    match store.record_near_miss(&write).await {
        Ok(()) => {
            info!(score, "call is a near miss");
            Ok(IngestOutcome::NearMiss { score, reasons })
        }
        Err(StoreError::AlreadyProcessed) => Ok(IngestOutcome::Duplicate),
        Err(e) => Err(e),
    }
}

fn customer_of(call: &CallCompleted) -> Customer {
    Customer {
        phone: call.from_number.clone(),
        name: call.customer_name.clone(),
        customer_id: call.customer_id.clone(),
        location_id: call.location_id.clone(),
    }
}

fn call_info(call: &CallCompleted) -> CallInfo {
    CallInfo {
        call_id: call.call_id.clone(),
        started_at: call.started_at,
        ended_at: call.ended_at,
        duration_seconds: call.duration_seconds,
        call_reason: call.call_reason.clone(),
        agent_id: call.agent_id.clone(),
        agent_name: call.agent_name.clone(),
        csr_notes: call.csr_notes.clone(),
        recording_url: call.recording_url.clone(),
    }
}

/// The call's own summary, or one generated from its transcript.
fn summary_of(call: &CallCompleted) -> (String, bool) {
    match &call.summary {
        Some(s) => (s.clone(), false),
        None => (
            summary::generate(call.call_reason.as_deref(), &call.transcript),
            true,
        ),
    }
}

async fn create<S: IngestStore>(
    store: &S,
    call: &CallCompleted,
    settings: &TenantSettings,
    a: Assessment,
    claim: PhoneClaim,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let id = LeadId::generate();
    let (summary, summary_is_generated) = summary_of(call);
    let detection = a.detection;
    let lead = Lead::flagged(
        NewLead {
            id,
            tenant_id: call.tenant_id.clone(),
            customer: customer_of(call),
            call: call_info(call),
            summary,
            summary_is_generated,
            detection: detection.clone(),
            detection_terms: a.terms,
        },
        settings.cold_after_days,
        now,
    );
    let write = LeadWrite {
        call: lead.call.clone(),
        transcript: call.transcript.clone(),
        history: HistoryEntry {
            at: now,
            actor_id: Actor::System,
            actor_name: None,
            action: HistoryAction::Created,
            from_status: None,
            to_status: Some(LeadStatus::New),
            reason: Some(detection.reasons.join("; ")),
            note: None,
        },
        decision: decision(
            call,
            DecisionKind::LeadCreated,
            Some(id),
            Some(&detection),
            detection.reasons.clone(),
            now,
        ),
        events: vec![LeadCreated::of(&lead)],
        // The new lead becomes the number's claim, if no other call took it meanwhile.
        claim: Some(claim),
        lead,
    };
    store.create_lead(&write).await?;
    info!(lead_id = %id, "lead created");
    Ok(IngestOutcome::Created { lead_id: id })
}

async fn attach<S: IngestStore>(
    store: &S,
    existing: Lead,
    call: &CallCompleted,
    settings: &TenantSettings,
    a: Assessment,
    claim: PhoneClaim,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let detection = a.detection;
    let expected = existing.version;
    let mut lead = existing;
    let info = call_info(call);
    // The lead shows its most recent call; an older call delivered late only adds to the count.
    if info.started_at >= lead.call.started_at {
        let (summary, generated) = summary_of(call);
        lead.call = info.clone();
        lead.summary = summary;
        lead.summary_is_generated = generated;
        lead.detection = detection.clone();
        lead.detection_terms = a.terms;
    }
    let c = &mut lead.customer;
    c.name = c.name.take().or_else(|| call.customer_name.clone());
    c.customer_id = c.customer_id.take().or_else(|| call.customer_id.clone());
    c.location_id = c.location_id.take().or_else(|| call.location_id.clone());
    lead.calls_count += 1;
    lead.version += 1;
    lead.updated_at = now;
    lead.cold_at = settings.cold_after_days.cold_at(lead.touched_at());
    let write = LeadWrite {
        call: info,
        transcript: call.transcript.clone(),
        history: HistoryEntry {
            at: now,
            actor_id: Actor::System,
            actor_name: None,
            action: HistoryAction::CallAttached,
            from_status: Some(lead.status),
            to_status: Some(lead.status),
            reason: Some(format!("another qualifying call ({})", call.call_id)),
            note: None,
        },
        decision: decision(
            call,
            DecisionKind::AttachedToLead,
            Some(lead.id),
            Some(&detection),
            detection.reasons.clone(),
            now,
        ),
        events: Vec::new(),
        // A lead found through the index (from before claims existed) claims the number now.
        claim: (claim != PhoneClaim::Lead(lead.id)).then_some(claim),
        lead,
    };
    store.attach_call(&write, expected).await?;
    info!(lead_id = %write.lead.id, calls_count = write.lead.calls_count, "call attached to open lead");
    Ok(IngestOutcome::Attached {
        lead_id: write.lead.id,
        calls_count: write.lead.calls_count,
    })
}
