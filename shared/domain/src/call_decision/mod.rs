//! The decision a completed call gets (docs/product.md, Which calls become leads), as one pure
//! function: `decide`, from what is known about the call to the next step. A step either asks
//! for one more fact (whether a waiting copy of the call was settled, whether a job was booked
//! for the caller during the wrap-up, the number's open lead) or is the plan to write: the
//! decision alone, the call waiting for its After Call Work Time, a near miss, a new lead, or
//! the call attached to the caller's open lead, each with everything written with it.
//!
//! `scl_core::service::ingest` reads what a step asks for, writes the plan, and maps what the
//! store answers; every rule is here. The facts are asked for lazily so that a call costs the
//! reads its branch needs and no more: an excluded call never reads the number's lead.

use std::cell::OnceCell;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::call_event::{CallCompleted, Outcome};
use crate::detection::adaptation::Adjustment;
use crate::detection::{Assessment, Detection};
use crate::events::{IntegrationEvent, LeadCreated};
use crate::lead::{
    Actor, CallInfo, Customer, HistoryAction, HistoryEntry, Lead, NewLead, QualifiedCall,
};
use crate::near_miss::NearMiss;
use crate::qualification::{qualify, Verdict};
use crate::settings::TenantSettings;
use crate::{CallId, LeadId, LeadStatus, TenantId, TranscriptSegment};

/// Why nothing was created, as the decision records it.
pub const TURNED_OFF: &str = "Second Chance Leads is turned off for this business";
pub const RESENT_AS_BOOKED: &str = "the call was re-sent as booked during the wrap-up";
pub const BOOKED_DURING_WRAP_UP: &str = "a job was booked for the caller during the wrap-up";

/// Whether the call just arrived, or its wait is over (the drain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    Event,
    Due,
}

/// What is known when deciding: the call, its business's settings and learned adjustment, the
/// moment, and the answers to what `decide` has asked so far (`None`: not asked yet).
#[derive(Debug, Clone)]
pub struct Known<'a> {
    pub call: &'a CallCompleted,
    pub settings: &'a TenantSettings,
    pub adjustment: &'a Adjustment,
    pub arrival: Arrival,
    pub now: DateTime<Utc>,
    /// The id a new lead takes; chosen by the caller so that deciding stays a pure function.
    pub new_lead_id: LeadId,
    /// The call re-sent as booked: whether a copy of it was waiting and is now settled.
    pub settled_waiting: Option<bool>,
    /// Whether a job was booked for the number or the customer during the wrap-up.
    pub booked_in_wrap_up: Option<bool>,
    /// The number's open lead and its claim, as read.
    pub caller: Option<CallerLead>,
    /// The gates' and the detector's verdict, worked out once however many steps ask for it.
    verdict: OnceCell<Verdict>,
}

impl<'a> Known<'a> {
    pub fn new(
        call: &'a CallCompleted,
        settings: &'a TenantSettings,
        adjustment: &'a Adjustment,
        arrival: Arrival,
        now: DateTime<Utc>,
        new_lead_id: LeadId,
    ) -> Self {
        Known {
            call,
            settings,
            adjustment,
            arrival,
            now,
            new_lead_id,
            settled_waiting: None,
            booked_in_wrap_up: None,
            caller: None,
            verdict: OnceCell::new(),
        }
    }

    fn verdict(&self) -> &Verdict {
        self.verdict
            .get_or_init(|| qualify(self.call, self.settings, self.adjustment))
    }
}

/// What to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Record this decision only if a copy of the call is waiting for its decision; whether it
    /// was goes in `Known::settled_waiting`.
    SettleWaiting(CallDecision),
    /// Read whether a job was booked for the number or the customer from `since` to `until`;
    /// the answer goes in `Known::booked_in_wrap_up`.
    ReadBookings {
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    /// Read the number's open lead and its claim; the answer goes in `Known::caller`.
    ReadCaller,
    /// Nothing more to write: the waiting copy was settled as booked during the wrap-up.
    SettledAsBooked,
    /// The plan (boxed: a lead and everything written with it is large beside the other steps).
    Write(Box<Plan>),
}

impl Step {
    fn write(plan: Plan) -> Step {
        Step::Write(Box::new(plan))
    }
}

/// What the call's decision writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// The business has Second Chance Leads turned off: the decision alone.
    TurnedOff(CallDecision),
    /// A gate excluded the call: the decision alone.
    NotALead(CallDecision),
    /// A job was booked for the caller during the wrap-up: the decision alone.
    BookedDuringWrapUp(CallDecision),
    /// Kept until its After Call Work Time ends.
    Wait(PendingCall),
    NearMiss(NearMissWrite),
    Create(LeadWrite),
    /// `write.lead` replaces the stored lead if that is still at `expected_version`.
    Attach {
        write: LeadWrite,
        expected_version: u64,
    },
}

/// The next step for the call, from what is known.
// Not inlined into the service's state machine: one copy of the rules, called from it (the
// service's future is generic over the store; BENCHMARKS.md, Deployment artifacts).
#[inline(never)]
pub fn decide(known: &Known) -> Step {
    let Known { call, now, .. } = *known;
    let decided = |kind, why: &str| CallDecision::of(call, kind, None, None, vec![why.into()], now);
    if !known.settings.enabled {
        // Recorded as decided, so a redelivery (or the switch turned back on) never makes the
        // call a lead.
        return Step::write(Plan::TurnedOff(decided(DecisionKind::Disabled, TURNED_OFF)));
    }
    // The call re-sent as booked while it waits: the agent booked the job in the wrap-up.
    if call.outcome == Outcome::Booked && known.arrival == Arrival::Event {
        match known.settled_waiting {
            None => {
                let d = decided(DecisionKind::BookedDuringWrapUp, RESENT_AS_BOOKED);
                return Step::SettleWaiting(d);
            }
            Some(true) => return Step::SettledAsBooked,
            Some(false) => {}
        }
    }
    let assessment = match known.verdict() {
        Verdict::Excluded { reason } => {
            return Step::write(Plan::NotALead(decided(DecisionKind::NotALead, reason)))
        }
        Verdict::NearMiss(a) => {
            return Step::write(Plan::NearMiss(NearMissWrite::of(call, a, now)))
        }
        Verdict::Lead(a) => a,
    };
    let wrap_up = known.settings.after_call_work_minutes;
    if wrap_up.minutes() > 0 {
        let decide_at = wrap_up.decide_at(call.ended_at);
        if known.arrival == Arrival::Event && now < decide_at {
            return Step::write(Plan::Wait(PendingCall {
                tenant_id: call.tenant_id.clone(),
                call_id: call.call_id.clone(),
                decide_at,
                call: call.clone(),
            }));
        }
        match known.booked_in_wrap_up {
            None => {
                // The wrap-up: from the call's start to its decision (a late event's wrap-up
                // ended before it arrived; a job booked after that is a booking like any other).
                let until = match known.arrival {
                    Arrival::Due => now,
                    Arrival::Event => decide_at,
                };
                let since = call.started_at;
                return Step::ReadBookings { since, until };
            }
            Some(true) => {
                let d = decided(DecisionKind::BookedDuringWrapUp, BOOKED_DURING_WRAP_UP);
                return Step::write(Plan::BookedDuringWrapUp(d));
            }
            Some(false) => {}
        }
    }
    match &known.caller {
        None => Step::ReadCaller,
        Some(CallerLead { open: None, claim }) => {
            Step::write(Plan::Create(create(known, assessment, claim.clone())))
        }
        Some(CallerLead {
            open: Some(lead),
            claim,
        }) => Step::write(attach(known, lead, assessment, claim)),
    }
}

/// A new lead that claims the number, if no other call took it meanwhile.
fn create(known: &Known, a: &Assessment, claim: PhoneClaim) -> LeadWrite {
    let lead = Lead::flagged(
        NewLead {
            id: known.new_lead_id,
            qualified: known.call.qualified(a.clone()),
        },
        known.settings.cold_after_days,
        known.now,
    );
    let history = (HistoryAction::Created, None, a.detection.reasons.join("; "));
    let events = vec![LeadCreated::of(&lead)];
    lead_write(known, lead, &a.detection, history, events, Some(claim))
}

/// The call added to the caller's open lead.
fn attach(known: &Known, existing: &Lead, a: &Assessment, claim: &PhoneClaim) -> Plan {
    let call = known.call;
    let mut lead = existing.clone();
    // The lead shows its most recent call; an older call delivered late only adds to the count.
    if call.started_at >= lead.call.started_at {
        let (summary, generated) = call.summary();
        lead.call = call.info();
        lead.summary = summary;
        lead.summary_is_generated = generated;
        lead.detection = a.detection.clone();
        lead.detection_terms = a.terms.clone();
    }
    let c = &mut lead.customer;
    c.name = c.name.take().or_else(|| call.customer_name.clone());
    c.customer_id = c.customer_id.take().or_else(|| call.customer_id.clone());
    c.location_id = c.location_id.take().or_else(|| call.location_id.clone());
    lead.calls_count += 1;
    lead.version += 1;
    lead.updated_at = known.now;
    lead.cold_at = known.settings.cold_after_days.cold_at(lead.touched_at());
    let status = Some(lead.status);
    let reason = format!("another qualifying call ({})", call.call_id);
    // A lead found through the index (from before claims existed) claims the number now.
    let claim = (*claim != PhoneClaim::Lead(lead.id)).then(|| claim.clone());
    let history = (HistoryAction::CallAttached, status, reason);
    Plan::Attach {
        write: lead_write(known, lead, &a.detection, history, Vec::new(), claim),
        expected_version: existing.version,
    }
}

/// `lead` written with this call: the call and its transcript, the system's history entry
/// (`action`, from `from_status` to the lead's status, `reason`), the call's decision, `events`
/// for the outbox, and the number's `claim` as read.
fn lead_write(
    known: &Known,
    lead: Lead,
    detection: &Detection,
    (action, from_status, reason): (HistoryAction, Option<LeadStatus>, String),
    events: Vec<IntegrationEvent>,
    claim: Option<PhoneClaim>,
) -> LeadWrite {
    let (call, now) = (known.call, known.now);
    let kind = match action {
        HistoryAction::Created => DecisionKind::LeadCreated,
        _ => DecisionKind::AttachedToLead,
    };
    LeadWrite {
        call: call.info(),
        transcript: call.transcript.clone(),
        history: HistoryEntry {
            at: now,
            actor_id: Actor::System,
            actor_name: None,
            action,
            from_status,
            to_status: Some(lead.status),
            reason: Some(reason),
            note: None,
        },
        decision: CallDecision::of(
            call,
            kind,
            Some(lead.id),
            Some(detection),
            detection.reasons.clone(),
            now,
        ),
        events,
        claim,
        lead,
    }
}

/// What a qualifying call shows a CSR, the same whether it becomes a lead or a near miss.
impl CallCompleted {
    /// The caller, as a lead or a near miss shows them.
    pub fn customer(&self) -> Customer {
        Customer {
            phone: self.from_number.clone(),
            name: self.customer_name.clone(),
            customer_id: self.customer_id.clone(),
            location_id: self.location_id.clone(),
        }
    }

    /// The call, as a lead or a near miss shows it.
    pub fn info(&self) -> CallInfo {
        CallInfo {
            call_id: self.call_id.clone(),
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_seconds: self.duration_seconds,
            call_reason: self.call_reason.clone(),
            agent_id: self.agent_id.clone(),
            agent_name: self.agent_name.clone(),
            csr_notes: self.csr_notes.clone(),
            recording_url: self.recording_url.clone(),
        }
    }

    /// The call's own summary, or one generated from its transcript (then `true`).
    pub fn summary(&self) -> (String, bool) {
        match &self.summary {
            Some(s) => (s.clone(), false),
            None => (
                crate::summary::generate(self.call_reason.as_deref(), &self.transcript),
                true,
            ),
        }
    }

    /// What this call shows a CSR, with the detector's assessment: the same for a lead and for
    /// a near miss.
    pub fn qualified(&self, a: Assessment) -> QualifiedCall {
        let (summary, summary_is_generated) = self.summary();
        QualifiedCall {
            tenant_id: self.tenant_id.clone(),
            customer: self.customer(),
            call: self.info(),
            summary,
            summary_is_generated,
            detection: a.detection,
            terms: a.terms,
        }
    }
}

impl CallDecision {
    pub fn of(
        call: &CallCompleted,
        decision: DecisionKind,
        lead_id: Option<LeadId>,
        detection: Option<&Detection>,
        reasons: Vec<String>,
        now: DateTime<Utc>,
    ) -> Self {
        CallDecision {
            tenant_id: call.tenant_id.clone(),
            call_id: call.call_id.clone(),
            decision,
            lead_id,
            reasons,
            score: detection.map(|d| d.score),
            decided_at: now,
            call_ended_at: Some(call.ended_at),
        }
    }
}

impl NearMissWrite {
    /// Passed the gates, scored under the threshold: kept for 30 days as a near miss.
    pub fn of(call: &CallCompleted, a: &Assessment, now: DateTime<Utc>) -> Self {
        let reasons = a.detection.reasons.clone();
        NearMissWrite {
            decision: CallDecision::of(
                call,
                DecisionKind::NearMiss,
                None,
                Some(&a.detection),
                reasons,
                now,
            ),
            near_miss: NearMiss {
                qualified: call.qualified(a.clone()),
                decided_at: now,
            },
            transcript: call.transcript.clone(),
        }
    }
}

/// What happened to a call, recorded once per (tenant, call_id): the idempotency record of
/// ingestion, and an operator's answer to "why did this call (not) become a lead?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallDecision {
    pub tenant_id: TenantId,
    pub call_id: CallId,
    pub decision: DecisionKind,
    pub lead_id: Option<LeadId>,
    pub reasons: Vec<String>,
    pub score: Option<f64>,
    pub decided_at: DateTime<Utc>,
    /// When the call ended (the day a wrap-up booking counts on in the reports); absent on
    /// decisions stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_ended_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    LeadCreated,
    AttachedToLead,
    /// Excluded by a gate (outbound, abandoned, booked, too short).
    NotALead,
    /// Passed every gate but scored under the threshold: kept as a near miss.
    NearMiss,
    /// The business had Second Chance Leads turned off (settings `enabled: false`): nothing
    /// was created, and turning it on later does not bring the call back.
    Disabled,
    /// A job for the caller's number or customer was booked (or the call re-sent as booked)
    /// during the After Call Work Time: no lead, no notification.
    BookedDuringWrapUp,
}

/// A qualifying call waiting for its After Call Work Time to end, kept until the decision is
/// due (docs/data-model.md, Calls waiting for their decision).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCall {
    pub tenant_id: TenantId,
    pub call_id: CallId,
    pub decide_at: DateTime<Utc>,
    pub call: CallCompleted,
}

/// A lead and everything written with it, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadWrite {
    pub lead: Lead,
    pub call: CallInfo,
    pub transcript: Vec<TranscriptSegment>,
    pub history: HistoryEntry,
    pub decision: CallDecision,
    /// Events out, written in the same transaction (the outbox).
    pub events: Vec<IntegrationEvent>,
    /// When set, the write makes this lead the number's claim, on condition that the claim is
    /// still what was read; `None` leaves the claim alone.
    pub claim: Option<PhoneClaim>,
}

/// A near miss and everything written with it, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NearMissWrite {
    pub decision: CallDecision,
    pub near_miss: NearMiss,
    pub transcript: Vec<TranscriptSegment>,
}

/// Which lead a phone number's next qualifying call belongs to. One item per (tenant, number)
/// names it; creating a lead takes it with a conditional write in the creating transaction, so
/// two calls from a new number processed at the same moment make one lead, not two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneClaim {
    /// No lead has claimed the number (a new caller, or leads from before claims existed).
    Unclaimed,
    /// The lead that last claimed the number (it may since have left Open).
    Lead(LeadId),
}

/// What ingestion reads about a caller before deciding.
#[derive(Debug, Clone, PartialEq)]
pub struct CallerLead {
    /// The lead still in Open or Cold that a new call attaches to.
    pub open: Option<Lead>,
    /// The number's claim as read.
    pub claim: PhoneClaim,
}

#[cfg(test)]
mod tests;
