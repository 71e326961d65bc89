//! Reading and writing leads: the CSR routes, the queue's reads, and what ingestion writes.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;
use crate::query::{LeadPage, ListRequest};
use scl_domain::events::IntegrationEvent;
use scl_domain::lead::Note;
use scl_domain::{
    CallId, CallInfo, HistoryEntry, Lead, LeadDetail, LeadId, PhoneNumber, TenantId, Transcript,
    TranscriptSegment,
};

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

/// What one read of the due calls found: the calls, and how many index partitions could not be
/// read this time (their calls wait for the next run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DueCalls {
    pub calls: Vec<PendingCall>,
    pub unread_partitions: usize,
}

/// A qualifying call waiting for its After Call Work Time to end: its event, kept until the
/// decision is due (docs/data-model.md, Calls waiting for their decision).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCall {
    pub tenant_id: TenantId,
    pub call_id: scl_domain::CallId,
    pub decide_at: DateTime<Utc>,
    /// The event's `detail`, as it arrived.
    pub detail: serde_json::Value,
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

/// A change to one lead, written atomically with its history entry (and note).
#[derive(Debug, Clone, PartialEq)]
pub struct LeadChange {
    pub lead: Lead,
    pub history: HistoryEntry,
    pub note: Option<Note>,
    /// A deterministic id for the history entry when the change comes from an event that may
    /// be redelivered (a booking): a second delivery finds the entry and writes nothing.
    pub history_id: Option<String>,
    /// Events out, written in the same transaction (the outbox).
    pub events: Vec<IntegrationEvent>,
}

pub trait LeadCommands: Send + Sync {
    /// The lead, read strongly consistently (a change decides from the latest state).
    fn get_lead(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> impl Future<Output = Result<Option<Lead>, StoreError>> + Send;

    /// Writes the change if the stored lead is still at `expected_version`.
    fn save_change(
        &self,
        change: &LeadChange,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every lead for this phone, in any tab, whose latest call ended at or after `since`
    /// (one Query): the leads a booking for the phone is recorded on.
    fn leads_for_phone(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Lead>, StoreError>> + Send;

    /// The newest lead for this phone in Open or Cold whose call ended at or after `since`.
    fn banner_lead(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Lead>, StoreError>> + Send;
}

pub trait LeadQueries: Send + Sync {
    /// One page of a tab, newest call first, reading about a page of items whatever the
    /// backlog (a Cold page also asks which leads turned Cold but were not moved yet).
    fn list_leads(
        &self,
        tenant: &TenantId,
        request: &ListRequest,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<LeadPage, StoreError>> + Send;

    /// The detail view: one Query over the lead's partition.
    fn lead_detail(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> impl Future<Output = Result<Option<LeadDetail>, StoreError>> + Send;

    /// The lead and the transcript of its latest call: one Query.
    fn lead_transcript(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> impl Future<Output = Result<Option<(Lead, Transcript)>, StoreError>> + Send;
}

/// Keeps Open and Cold apart in storage: moves the leads whose cold time has come from where
/// Open leads are kept to where Cold ones are. Reads are exact without it (they also look for
/// leads due but not moved); moving them keeps each tab's page a page of reads.
pub trait ColdSweep: Send + Sync {
    /// Moves every lead due by `now`; returns how many moved.
    fn move_due_to_cold(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}
