//! The capabilities the services need, as small traits. The DynamoDB adapter in `store`
//! implements them; unit tests can use in-memory fakes.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::settings::TenantSettings;
use crate::domain::{
    CallId, CallInfo, FieldError, HistoryEntry, Lead, LeadDetail, LeadId, PhoneNumber, TenantId,
    Transcript, TranscriptSegment,
};
use crate::query::{LeadPage, ListRequest};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The call was already processed (a redelivered event).
    #[error("call already processed")]
    DuplicateCall,
    /// The lead changed since it was read; re-read and decide again.
    #[error("lead changed concurrently")]
    VersionConflict,
    #[error("the page cursor is not valid for this list")]
    BadCursor,
    #[error("storage request failed: {0}")]
    Backend(String),
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
    NotALead,
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

pub trait IngestStore: Send + Sync {
    fn settings(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<TenantSettings, StoreError>> + Send;

    /// The newest lead for this phone number that is still in Open or Cold.
    fn open_lead_for_phone(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
    ) -> impl Future<Output = Result<Option<Lead>, StoreError>> + Send;

    /// Writes a new lead; `DuplicateCall` if the call was processed before.
    fn create_lead(&self, write: &LeadWrite)
        -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Attaches a call to an existing lead whose stored version is `expected_version`.
    fn attach_call(
        &self,
        write: &LeadWrite,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a call that did not become a lead; `DuplicateCall` if already recorded.
    fn record_decision(
        &self,
        decision: &CallDecision,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn record_rejected(
        &self,
        rejected: &RejectedEvent,
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
