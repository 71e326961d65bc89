//! Near misses and per-business learning (docs/api.md, Near misses and detection).

use std::future::Future;

use chrono::{DateTime, Utc};

use super::*;
use crate::query::{NearMissRequest, PageCursor};
use scl_domain::detection::adaptation::{CountedLabel, Learning};
use scl_domain::near_miss::{NearMiss, NearMissEntry};
use scl_domain::{CallId, LeadId, TenantId, TranscriptSegment};

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

/// Near misses (docs/api.md, Near misses and detection).
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
