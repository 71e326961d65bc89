//! What ingestion and the booking intake write, and where invalid events are filed.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::*;
use crate::domain::booking::JobBooked;
use crate::domain::detection::adaptation::Adjustment;
use crate::domain::near_miss::NearMiss;
use crate::domain::settings::TenantSettings;
use crate::domain::{FieldError, Lead, PhoneNumber, TenantId, TranscriptSegment};

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
