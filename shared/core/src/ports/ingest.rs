//! What ingestion and the booking intake write, and where invalid events are filed.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::*;
use scl_domain::booking::JobBooked;
use scl_domain::detection::adaptation::Adjustment;
use scl_domain::settings::TenantSettings;
use scl_domain::{CrmId, FieldError, PhoneNumber, TenantId};

/// An event that does not read as its contract says, as the edge found it (before any service
/// ran), or one its business refused from where it came: what an operator needs to see why,
/// and the event itself to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    pub event_id: Option<String>,
    pub detail_type: Option<String>,
    /// The tenant the detail names, when it names one readably: the event is filed under it.
    pub tenant_id: Option<TenantId>,
    pub error: FieldError,
    /// The event as it arrived, as JSON text.
    pub raw: String,
}

/// An unreadable event, kept for an operator to inspect and replay.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedEvent {
    pub received_at: DateTime<Utc>,
    pub event: Unreadable,
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

    /// The call if it is still waiting for its decision (`None` once decided, or never seen),
    /// read strongly consistently.
    fn waiting_call(
        &self,
        tenant: &TenantId,
        call: &scl_domain::CallId,
    ) -> impl Future<Output = Result<Option<PendingCall>, StoreError>> + Send;

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

/// Stores bookings; reads the business's settings for the sources it admits.
pub trait BookingStore: RejectedEventStore + SettingsStore {
    /// Stores a booking once per (tenant, job_id); `AlreadyProcessed` on redelivery.
    fn put_booking(
        &self,
        booking: &JobBooked,
        received_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
