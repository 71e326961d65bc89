//! Call ingestion: `CallCompleted` -> rejected, not a lead, new lead, or a call attached to
//! the caller's open lead. Idempotent on (tenant, call_id).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tracing::{info, Instrument};

use crate::domain::call_event::CallCompleted;
use crate::domain::detection::adaptation::Adjustment;
use crate::domain::detection::Detection;
use crate::domain::lead::{CallInfo, Customer, HistoryEntry, Lead};
use crate::domain::qualification::{qualify, Verdict};
use crate::domain::settings::TenantSettings;
use crate::domain::{summary, LeadId, LeadStatus};
use crate::ports::{CallDecision, DecisionKind, IngestStore, LeadWrite, StoreError};
use crate::service::events::parse_or_file;
use crate::service::events::RejectionError;

pub const DETAIL_TYPE: &str = "CallCompleted";
pub const SYSTEM_ACTOR: &str = "system";
/// Concurrent CSR changes to the lead we attach to are retried this many times.
const MAX_ATTEMPTS: usize = 5;

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
    NotALead {
        reasons: Vec<String>,
    },
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
    process(store, &call, now).instrument(span).await
}

/// Qualifies a valid call and records the outcome.
async fn process<S: IngestStore>(
    store: &S,
    call: &CallCompleted,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let settings = store.settings(&call.tenant_id).await?;
    let not_a_lead = match qualify(call, &settings, &Adjustment::default()) {
        Verdict::Excluded { reason } => Some((vec![reason], None)),
        Verdict::NearMiss(a) => Some((a.detection.reasons, Some(a.detection.score))),
        Verdict::Lead(a) => {
            let detection = a.detection;
            for _ in 0..MAX_ATTEMPTS {
                let attempt = match store
                    .open_lead_for_phone(&call.tenant_id, &call.from_number)
                    .await?
                {
                    None => create(store, call, &settings, detection.clone(), now).await,
                    Some(lead) => {
                        attach(store, lead, call, &settings, detection.clone(), now).await
                    }
                };
                match attempt {
                    Err(StoreError::VersionConflict) => continue,
                    Err(StoreError::AlreadyProcessed) => return Ok(IngestOutcome::Duplicate),
                    other => return other,
                }
            }
            return Err(StoreError::VersionConflict);
        }
    };
    match not_a_lead {
        Some((reasons, score)) => {
            let decision = CallDecision {
                tenant_id: call.tenant_id.clone(),
                call_id: call.call_id.clone(),
                decision: DecisionKind::NotALead,
                lead_id: None,
                reasons: reasons.clone(),
                score,
                decided_at: now,
            };
            match store.record_decision(&decision).await {
                Ok(()) => {
                    info!(?reasons, "call is not a lead");
                    Ok(IngestOutcome::NotALead { reasons })
                }
                Err(StoreError::AlreadyProcessed) => Ok(IngestOutcome::Duplicate),
                Err(e) => Err(e),
            }
        }
        None => unreachable!(),
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
    detection: Detection,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let id = LeadId::generate();
    let (summary, summary_is_generated) = summary_of(call);
    let lead = Lead {
        id,
        tenant_id: call.tenant_id.clone(),
        status: LeadStatus::New,
        version: 1,
        customer: Customer {
            phone: call.from_number.clone(),
            name: call.customer_name.clone(),
            customer_id: call.customer_id.clone(),
            location_id: call.location_id.clone(),
        },
        call: call_info(call),
        summary,
        summary_is_generated,
        detection: detection.clone(),
        calls_count: 1,
        callback_attempts: 0,
        last_activity_at: call.ended_at,
        cold_at: settings.cold_after_days.cold_at(call.ended_at),
        created_at: now,
        updated_at: now,
        booking: None,
        promoted: false,
        last_actor_id: Some(SYSTEM_ACTOR.into()),
        detection_terms: Vec::new(),
    };
    let write = LeadWrite {
        call: lead.call.clone(),
        transcript: call.transcript.clone(),
        history: HistoryEntry {
            at: now,
            actor_id: SYSTEM_ACTOR.into(),
            action: "created".into(),
            from_status: None,
            to_status: Some(LeadStatus::New),
            reason: Some(detection.reasons.join("; ")),
            note: None,
        },
        decision: CallDecision {
            tenant_id: call.tenant_id.clone(),
            call_id: call.call_id.clone(),
            decision: DecisionKind::LeadCreated,
            lead_id: Some(id),
            reasons: detection.reasons,
            score: Some(detection.score),
            decided_at: now,
        },
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
    detection: Detection,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
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
            actor_id: SYSTEM_ACTOR.into(),
            action: "call_attached".into(),
            from_status: Some(lead.status),
            to_status: Some(lead.status),
            reason: Some(format!("another qualifying call ({})", call.call_id)),
            note: None,
        },
        decision: CallDecision {
            tenant_id: call.tenant_id.clone(),
            call_id: call.call_id.clone(),
            decision: DecisionKind::AttachedToLead,
            lead_id: Some(lead.id),
            reasons: detection.reasons,
            score: Some(detection.score),
            decided_at: now,
        },
        lead,
    };
    store.attach_call(&write, expected).await?;
    info!(lead_id = %write.lead.id, calls_count = write.lead.calls_count, "call attached to open lead");
    Ok(IngestOutcome::Attached {
        lead_id: write.lead.id,
        calls_count: write.lead.calls_count,
    })
}
