//! The capabilities the services need, as small traits. The DynamoDB adapter in `store`
//! implements them; unit tests can use in-memory fakes.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::booking::JobBooked;
use crate::domain::detection::adaptation::{Adjustment, CountedLabel, Learning};
use crate::domain::events::IntegrationEvent;
use crate::domain::lead::Note;
use crate::domain::near_miss::{NearMiss, NearMissEntry};
use crate::domain::notification::{EmailContent, InAppNotification, NotificationId};
use crate::domain::settings::EmailAddress;
use crate::domain::settings::TenantSettings;
use crate::domain::status::ColdAfterDays;
use crate::domain::{
    CallId, CallInfo, FieldError, HistoryEntry, Lead, LeadDetail, LeadId, PhoneNumber, TenantId,
    Transcript, TranscriptSegment,
};
use crate::query::{LeadPage, ListRequest, NearMissRequest, PageCursor};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The event was already processed (a redelivery): nothing was written.
    #[error("already processed")]
    AlreadyProcessed,
    /// The lead changed since it was read; re-read and decide again.
    #[error("lead changed concurrently")]
    VersionConflict,
    #[error("the page cursor is not valid for this list")]
    BadCursor,
    /// DynamoDB (or building a request for it) failed; `operation` says which.
    #[error("DynamoDB {operation} failed")]
    Backend {
        operation: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("stored item could not be read: {0}")]
    Corrupt(String),
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
}

/// A lead and everything written with it, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadWrite {
    pub lead: Lead,
    pub call: CallInfo,
    pub transcript: Vec<TranscriptSegment>,
    pub history: HistoryEntry,
    pub decision: CallDecision,
}

/// A near miss and everything written with it, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NearMissWrite {
    pub decision: CallDecision,
    pub near_miss: NearMiss,
    pub transcript: Vec<TranscriptSegment>,
}

/// What a call became, as a promotion needs to know.
#[derive(Debug, Clone, PartialEq)]
pub enum CallRecord {
    /// The call created, or was attached to, this lead.
    Lead(LeadId),
    /// A near miss, still kept, with its transcript.
    NearMiss {
        near_miss: Box<NearMiss>,
        transcript: Vec<TranscriptSegment>,
    },
    /// Excluded by a gate, or a near miss no longer kept: nothing to promote.
    Other,
}

/// One page of near misses, newest call first.
#[derive(Debug, Clone, PartialEq)]
pub struct NearMissPage {
    pub items: Vec<NearMissEntry>,
    pub next: Option<PageCursor>,
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

/// A tenant's settings and the version they were stored at (0 when never stored).
pub trait SettingsStore: Send + Sync {
    fn settings_versioned(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<(TenantSettings, u64), StoreError>> + Send;

    fn settings(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<TenantSettings, StoreError>> + Send {
        async { self.settings_versioned(tenant).await.map(|(s, _)| s) }
    }

    /// Stores settings if the stored version is still `expected` (`VersionConflict` if not).
    fn save_settings(
        &self,
        tenant: &TenantId,
        settings: &TenantSettings,
        expected: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Recomputes `cold_at` of the tenant's Open/Cold leads after `cold_after_days` changed.
    /// Returns how many leads were rewritten.
    fn recompute_cold_at(
        &self,
        tenant: &TenantId,
        cold_after_days: ColdAfterDays,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
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

#[derive(Debug, thiserror::Error)]
#[error("publishing {event_type} failed: {detail}")]
pub struct PublishError {
    pub event_type: &'static str,
    pub detail: String,
}

pub trait EventPublisher: Send + Sync {
    fn publish(
        &self,
        event: &IntegrationEvent,
    ) -> impl Future<Output = Result<(), PublishError>> + Send;
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

    /// The newest lead for this phone number that is still in Open or Cold.
    fn open_lead_for_phone(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
    ) -> impl Future<Output = Result<Option<Lead>, StoreError>> + Send;

    /// Writes a new lead; `AlreadyProcessed` if the call was processed before.
    fn create_lead(&self, write: &LeadWrite)
        -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Attaches a call to an existing lead whose stored version is `expected_version`.
    fn attach_call(
        &self,
        write: &LeadWrite,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a call that did not become a lead; `AlreadyProcessed` if already recorded.
    fn record_decision(
        &self,
        decision: &CallDecision,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
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

pub trait LeadQueries: Send + Sync {
    /// One page of a tab, newest call first: exactly one Query.
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

/// A change to one of the table's items, as its stream reports it, already decoded by the
/// adapter (`adapters::stream`) into domain values.
#[derive(Debug, Clone, PartialEq)]
pub enum TableChange {
    /// A booking stored for the first time.
    BookingInserted(JobBooked),
    /// A lead written: created (`before` is `None`) or changed.
    LeadWritten {
        before: Option<Box<Lead>>,
        after: Box<Lead>,
    },
    /// Anything else the mapping passed on.
    Other,
}

/// One record of a stream batch: its sequence number (how a failure is reported) and what it
/// says, or why it could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    pub sequence_number: Option<String>,
    pub change: Result<TableChange, String>,
}

/// Near misses (docs/api.md, Routes: near misses and detection).
pub trait NearMissStore: SettingsStore {
    /// One page of the business's near misses still kept at `now`, newest first: one Query.
    fn near_misses(
        &self,
        tenant: &TenantId,
        request: &NearMissRequest,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<NearMissPage, StoreError>> + Send;

    /// What the call became (one Query over the call's items).
    fn call_record(
        &self,
        tenant: &TenantId,
        call: &CallId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<CallRecord>, StoreError>> + Send;

    /// Makes a near miss a lead: the lead, its call, transcript and history, the call's
    /// decision turned to `lead_created`, the near miss removed — in one transaction.
    /// `AlreadyProcessed` when the call is no longer a near miss (someone promoted it first).
    fn promote(&self, write: &LeadWrite) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A change to a business's learning, and to the label counted for one lead, together.
#[derive(Debug, Clone, PartialEq)]
pub struct LearningChange {
    pub tenant_id: TenantId,
    pub learning: Learning,
    /// The learning's stored version (0: none stored yet).
    pub expected_version: u64,
    pub label: Option<LabelChange>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LabelChange {
    pub lead_id: LeadId,
    /// The label now counted for the lead (`None`: no longer counted).
    pub counted: Option<CountedLabel>,
    /// The label record's stored version (0: none stored yet).
    pub expected_version: u64,
}

/// Per-business learning from CSR feedback.
pub trait LearningStore: Send + Sync {
    /// The business's learning and its version (0 when none is stored), read strongly.
    fn learning(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<(Learning, u64), StoreError>> + Send;

    /// The label counted for a lead, and its record's version (0 when none).
    fn counted_label(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> impl Future<Output = Result<(Option<CountedLabel>, u64), StoreError>> + Send;

    /// Stores the learning, the adjustment it gives and the lead's label in one transaction;
    /// `VersionConflict` if either changed since it was read.
    fn save_learning(
        &self,
        change: &LearningChange,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// For functions that publish nothing: an attempt to publish is a bug, reported as an error.
impl EventPublisher for () {
    async fn publish(&self, event: &IntegrationEvent) -> Result<(), PublishError> {
        Err(PublishError {
            event_type: event.event_type(),
            detail: "this function has no event publisher".into(),
        })
    }
}

/// A notification channel that could not deliver.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{channel} delivery failed: {detail}")]
pub struct ChannelError {
    pub channel: &'static str,
    /// Throttling and outages are worth retrying; a rejected address is not.
    pub retryable: bool,
    pub detail: String,
}

/// Staff notifications out: email (SES) and SMS (SNS to a phone number).
pub trait Notifier: Send + Sync {
    fn send_email(
        &self,
        to: &EmailAddress,
        content: &EmailContent,
    ) -> impl Future<Output = Result<(), ChannelError>> + Send;

    fn send_sms(
        &self,
        to: &PhoneNumber,
        text: &str,
    ) -> impl Future<Output = Result<(), ChannelError>> + Send;
}

/// One delivery: (lead, recipient, channel). Its record makes delivery exactly-once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryKey {
    pub tenant_id: TenantId,
    pub lead_id: LeadId,
    pub user_id: String,
    pub channel: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryClaim {
    /// Nobody delivered this yet (or an earlier try failed or stalled): go ahead.
    Proceed,
    /// Delivered, held for later, or being delivered right now by another invocation.
    AlreadyHandled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Sent,
    Held,
    Failed,
}

/// An SMS held until the tenant's quiet hours end.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldSms {
    pub key: DeliveryKey,
    pub phone: PhoneNumber,
    pub text: String,
    pub release_at: DateTime<Utc>,
}

pub trait NotificationStore: Send + Sync {
    fn claim_delivery(
        &self,
        key: &DeliveryKey,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<DeliveryClaim, StoreError>> + Send;

    fn finish_delivery(
        &self,
        key: &DeliveryKey,
        status: DeliveryStatus,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds the notification to the user's feed unless it is already there.
    fn put_in_app(
        &self,
        tenant: &TenantId,
        user_id: &str,
        notification: &InAppNotification,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn hold_sms(&self, held: &HeldSms) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Held SMS whose release time has come (one Query).
    fn due_held_sms(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<HeldSms>, StoreError>> + Send;

    /// Takes a held SMS for sending; `false` if another flush already took it.
    fn take_held_sms(
        &self,
        held: &HeldSms,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn remove_held_sms(
        &self,
        held: &HeldSms,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The user's feed, newest first (one Query).
    fn notifications(
        &self,
        tenant: &TenantId,
        user_id: &str,
        unread_only: bool,
    ) -> impl Future<Output = Result<Vec<InAppNotification>, StoreError>> + Send;

    /// Marks one of the user's notifications read; `None` if the user has no such notification.
    fn mark_read(
        &self,
        tenant: &TenantId,
        user_id: &str,
        id: &NotificationId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<InAppNotification>, StoreError>> + Send;
}
