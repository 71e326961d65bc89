//! Reading and writing leads: the CSR routes, the queue's reads, and what ingestion writes.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::*;
use crate::query::{LeadPage, ListRequest};
use scl_domain::events::IntegrationEvent;
use scl_domain::lead::Note;
use scl_domain::{HistoryEntry, Lead, LeadDetail, LeadId, PhoneNumber, TenantId, Transcript};

/// What one read of the due calls found: the calls, and how many index partitions could not be
/// read this time (their calls wait for the next run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DueCalls {
    pub calls: Vec<PendingCall>,
    pub unread_partitions: usize,
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
