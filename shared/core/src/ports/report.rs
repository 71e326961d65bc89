//! Reports: each lead's counted figures and the business's day and queue totals they add up to.

use std::collections::BTreeMap;
use std::future::Future;

use super::StoreError;
use scl_domain::lead::{HistoryEntry, Lead};
use scl_domain::report::{
    Counts, FiguresDelta, LeadFigures, QueueCounts, ReportDay, ReportNow, ReportRange,
};
use scl_domain::status::Tab;
use scl_domain::{LeadId, TenantId};

/// A lead as reports see it: the lead, its history, and the tab the queue lists it in.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedLead {
    pub lead: Lead,
    pub history: Vec<HistoryEntry>,
    pub listed: Tab,
}

/// The figures counted for a lead, and the version of that record (its writes are
/// conditional on it).
#[derive(Debug, Clone, PartialEq)]
pub struct CountedLead {
    pub figures: LeadFigures,
    pub version: u64,
}

/// A lead's figures going from what was counted (`expected_version`, 0 for never) to
/// `figures`: the delta is added to the days and the queue in the same write.
#[derive(Debug, Clone, Copy)]
pub struct FiguresWrite<'a> {
    pub tenant: &'a TenantId,
    pub lead_id: &'a LeadId,
    pub figures: &'a LeadFigures,
    pub delta: &'a FiguresDelta,
    pub expected_version: u64,
}

pub trait ReportStore: Send + Sync {
    /// The lead, its history and where it is listed, read consistently; `None` if no such lead.
    fn lead_for_report(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> impl Future<Output = Result<Option<ReportedLead>, StoreError>> + Send;

    /// What is counted for the lead, read consistently; `None` if nothing is.
    fn counted(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> impl Future<Output = Result<Option<CountedLead>, StoreError>> + Send;

    /// Stores the lead's figures and adds the delta to the totals, all or nothing;
    /// `VersionConflict` if what is counted for the lead changed since it was read.
    fn save_figures(
        &self,
        w: FiguresWrite<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds one call decided `booked_during_wrap_up` to `day`'s count, once per call: a
    /// repeated record writes nothing.
    fn count_wrap_up(
        &self,
        tenant: &TenantId,
        call: &scl_domain::CallId,
        day: ReportDay,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The counts of the days of `range` that have any (one Query).
    fn report_days(
        &self,
        tenant: &TenantId,
        range: ReportRange,
    ) -> impl Future<Output = Result<Vec<(ReportDay, Counts)>, StoreError>> + Send;

    /// The business's queue counts and CSRs' names now (one read).
    fn report_now(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<ReportNow, StoreError>> + Send;
}

/// The stored totals as read, with the revision each stored item was read at (by the store's
/// own name for it): a repair writes each item only over what it read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredTotals {
    pub days: BTreeMap<ReportDay, Counts>,
    pub queue: QueueCounts,
    pub revisions: BTreeMap<String, u64>,
}

/// What a repair changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repaired {
    pub days: usize,
    pub queue: bool,
}

/// What a rebuild reads and writes beyond the stream's work.
pub trait ReportRebuildStore: ReportStore {
    /// A page of the business's lead ids (every tab), and where the next page starts.
    fn lead_ids(
        &self,
        tenant: &TenantId,
        after: Option<String>,
    ) -> impl Future<Output = Result<(Vec<LeadId>, Option<String>), StoreError>> + Send;

    /// Every lead's counted figures, read consistently.
    fn all_counted(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<(LeadId, LeadFigures)>, StoreError>> + Send;

    /// Every stored day total and the queue counts, read consistently, with their revisions.
    fn stored_totals(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<StoredTotals, StoreError>> + Send;

    /// Makes the stored totals `days` and `queue` where they differ from `read`, each stored
    /// item written only over the revision `read` has for it: `VersionConflict` if one moved.
    fn repair_totals(
        &self,
        tenant: &TenantId,
        read: &StoredTotals,
        days: &BTreeMap<ReportDay, Counts>,
        queue: QueueCounts,
    ) -> impl Future<Output = Result<Repaired, StoreError>> + Send;
}
