//! What ingestion and the booking intake write, and where invalid events are filed.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::*;
use scl_domain::booking::JobBooked;
use scl_domain::detection::adaptation::Adjustment;
use scl_domain::near_miss::NearMiss;
use scl_domain::settings::TenantSettings;
use scl_domain::{CrmId, FieldError, Lead, LeadId, PhoneNumber, TenantId, TranscriptSegment};

/// A near miss and everything written with it, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NearMissWrite {
    pub decision: CallDecision,
    pub near_miss: NearMiss,
    pub transcript: Vec<TranscriptSegment>,
}

/// An event that failed validation, kept for an operator to inspect and replay.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedEvent {
    pub received_at: DateTime<Utc>,
    pub event_id: Option<String>,
    pub detail_type: Option<String>,
    pub tenant_id: Option<TenantId>,
    pub error: FieldError,
    pub event: Value,
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

pub trait IngestStore: SettingsStore + RejectedEventStore {
    /// The settings and the business's learned detection adjustment, in one request.
    fn detection_context(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<(TenantSettings, Adjustment), StoreError>> + Send;

    /// Keeps a near miss; `AlreadyProcessed` if the call was processed before.
    fn record_near_miss(
        &self,
        write: &NearMissWrite,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The lead a new call from this number attaches to, and the number's claim as it stands,
    /// read strongly consistently.
    fn caller_lead(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
    ) -> impl Future<Output = Result<CallerLead, StoreError>> + Send;

    /// Writes a new lead; `AlreadyProcessed` if the call was processed before, `VersionConflict`
    /// if the number's claim changed since it was read (another call made or found its lead).
    fn create_lead(&self, write: &LeadWrite)
        -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Attaches a call to an existing lead whose stored version is `expected_version`.
    fn attach_call(
        &self,
        write: &LeadWrite,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a call that did not become a lead; `AlreadyProcessed` if already decided (a
    /// call waiting for its decision is not decided yet).
    fn record_decision(
        &self,
        decision: &CallDecision,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Keeps a qualifying call until its decision is due; `AlreadyProcessed` if the call was
    /// seen before (waiting or decided).
    fn defer_call(&self, call: &PendingCall)
        -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records `decision` only if the call is waiting for it: true if it was.
    fn settle_pending(
        &self,
        decision: &CallDecision,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Whether a job was booked for this number, or this customer, from `since` to `until`
    /// (a booking stored before this read).
    fn booked_between(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        customer: Option<&CrmId>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Calls whose decision is due at `now`, every business's, at most `limit`. A partition
    /// that cannot be read is skipped (and counted); an error only if none could be read.
    fn due_calls(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<DueCalls, StoreError>> + Send;
}

/// Where invalid events are filed for an operator to inspect and replay.
pub trait RejectedEventStore: Send + Sync {
    fn record_rejected(
        &self,
        rejected: &RejectedEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait BookingStore: RejectedEventStore {
    /// Stores a booking once per (tenant, job_id); `AlreadyProcessed` on redelivery.
    fn put_booking(
        &self,
        booking: &JobBooked,
        received_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
