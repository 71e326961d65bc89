//! In-memory implementations of the ports, for unit tests of the services: the same
//! conditional-write semantics as the DynamoDB adapter (a write succeeds only on the version it
//! read; a redelivered history entry is refused), plus hooks that play a concurrent writer at
//! the worst moment. Integration tests use DynamoDB Local instead.
//!
//! `MemoryStore` holds a table's worth of state and implements the storage ports (here and in
//! `ingest`); the channels out are `MemoryPublisher` and `MemoryNotifier`.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::ports::{
    CallDecision, EventPublisher, LeadChange, LeadCommands, LearningChange, LearningStore,
    PendingCall, PublishError, RejectedEvent, SettingsStore, StoreError,
};
use scl_domain::booking::JobBooked;
use scl_domain::lead::Note;
use scl_domain::near_miss::NearMiss;
use scl_domain::{CallId, CallInfo, JobId, TranscriptSegment};

mod idempotency;
mod ingest;
mod notify;
mod queries;
mod reports;
mod webhook;

pub use notify::{Delivery, MemoryNotifier};
use scl_domain::detection::adaptation::{CountedLabel, Learning};
use scl_domain::events::PendingEvent;
use scl_domain::lead::{HistoryEntry, Lead};
pub use scl_domain::sample::sample_lead;
use scl_domain::settings::TenantSettings;
use scl_domain::status::ColdAfterDays;
use scl_domain::{LeadId, PhoneNumber, TenantId};
pub use webhook::MemoryWebhook;

/// A change another writer makes to the stored lead just before one of ours is written.
type Interference = Box<dyn FnOnce(&mut Lead) + Send>;

#[derive(Default)]
pub struct MemoryStore {
    leads: Mutex<HashMap<LeadId, Lead>>,
    /// History entries by (lead, entry id); a deterministic id written twice is refused.
    history: Mutex<HashMap<(LeadId, String), HistoryEntry>>,
    settings: Mutex<HashMap<TenantId, (TenantSettings, u64)>>,
    learning: Mutex<HashMap<TenantId, (Learning, u64)>>,
    labels: Mutex<HashMap<LeadId, (CountedLabel, u64)>>,
    /// Events written with their changes, by event id (the outbox).
    outbox: Mutex<Vec<PendingEvent>>,
    /// Runs before the next lead write, against the stored lead (bumping its version).
    interference: Mutex<Vec<Interference>>,
    /// The next this-many writes of the learning or the settings find them changed.
    pub stale_writes: Mutex<u32>,
    pub writes: Mutex<u32>,
    /// Each call's one marker: waiting for its decision, or decided.
    markers: Mutex<HashMap<(TenantId, CallId), CallMarker>>,
    /// Which lead each number's next qualifying call belongs to.
    claims: Mutex<HashMap<(TenantId, PhoneNumber), LeadId>>,
    /// The calls and transcripts stored with each lead.
    calls: Mutex<HashMap<LeadId, Vec<StoredCall>>>,
    /// Near misses by call, with their transcripts.
    near_misses: Mutex<HashMap<(TenantId, CallId), KeptNearMiss>>,
    /// Bookings by job, as received.
    bookings: Mutex<HashMap<(TenantId, JobId), JobBooked>>,
    /// Events filed for an operator.
    rejected: Mutex<Vec<RejectedEvent>>,
    notifications: notify::Notifications,
    reports: reports::Reports,
    /// Open leads the cold sweep has moved to where Cold ones are kept.
    swept: Mutex<std::collections::HashSet<LeadId>>,
    notes: Mutex<HashMap<LeadId, Vec<Note>>>,
    idempotency: idempotency::Keys,
}

/// A call stored with a lead, and its transcript.
pub type StoredCall = (CallInfo, Vec<TranscriptSegment>);
/// A near miss, and its call's transcript.
type KeptNearMiss = (NearMiss, Vec<TranscriptSegment>);

/// What a lead write requires of the call's marker and the stored lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteCondition {
    /// The call undecided, the lead not stored yet.
    New,
    /// The call undecided, the lead stored at this version.
    Version(u64),
    /// The call still a near miss, the lead not stored yet.
    Promoted,
}

/// A call's marker: the record that makes ingestion idempotent.
#[derive(Debug, Clone, PartialEq)]
pub enum CallMarker {
    Waiting(Box<PendingCall>),
    Decided(CallDecision),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A test that panicked while holding the lock has failed already.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl MemoryStore {
    pub fn with_lead(self, lead: Lead) -> Self {
        lock(&self.leads).insert(lead.id, lead);
        self
    }

    pub fn lead(&self, id: &LeadId) -> Option<Lead> {
        lock(&self.leads).get(id).cloned()
    }

    pub fn history(&self, id: &LeadId) -> Vec<HistoryEntry> {
        let mut h: Vec<HistoryEntry> = lock(&self.history)
            .iter()
            .filter(|((l, _), _)| l == id)
            .map(|(_, e)| e.clone())
            .collect();
        h.sort_by_key(|e| e.at);
        h
    }

    /// The lead's notes, oldest first.
    pub fn notes(&self, id: &LeadId) -> Vec<Note> {
        lock(&self.notes).get(id).cloned().unwrap_or_default()
    }

    /// The events written to the outbox, in write order.
    pub fn outbox(&self) -> Vec<PendingEvent> {
        lock(&self.outbox).clone()
    }

    /// Another writer changes the lead right before our next write of it.
    pub fn interfere(&self, change: impl FnOnce(&mut Lead) + Send + 'static) {
        lock(&self.interference).push(Box::new(change));
    }

    fn stale(&self) -> bool {
        let mut n = lock(&self.stale_writes);
        if *n > 0 {
            *n -= 1;
            true
        } else {
            false
        }
    }
}

impl LeadCommands for MemoryStore {
    async fn get_lead(&self, tenant: &TenantId, lead: &LeadId) -> Result<Option<Lead>, StoreError> {
        Ok(self.lead(lead).filter(|l| &l.tenant_id == tenant))
    }

    async fn save_change(&self, change: &LeadChange, expected: u64) -> Result<(), StoreError> {
        *lock(&self.writes) += 1;
        let mut leads = lock(&self.leads);
        let stored = leads
            .get_mut(&change.lead.id)
            .ok_or_else(|| StoreError::Corrupt("no such lead".into()))?;
        for interfere in lock(&self.interference).drain(..) {
            interfere(stored);
            stored.version += 1;
        }
        if stored.version != expected {
            return Err(StoreError::VersionConflict);
        }
        let entry_id = change
            .history_id
            .clone()
            .unwrap_or_else(|| ulid::Ulid::generate().to_string());
        let mut history = lock(&self.history);
        if history.contains_key(&(change.lead.id, entry_id.clone())) {
            return Err(StoreError::AlreadyProcessed);
        }
        history.insert((change.lead.id, entry_id), change.history.clone());
        if let Some(note) = &change.note {
            lock(&self.notes)
                .entry(change.lead.id)
                .or_default()
                .push(note.clone());
        }
        let lead = &change.lead;
        lock(&self.outbox).extend(
            change
                .events
                .iter()
                .enumerate()
                .map(|(n, e)| PendingEvent::of(e, &lead.id, lead.version, n)),
        );
        *stored = change.lead.clone();
        Ok(())
    }

    async fn leads_for_phone(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> Result<Vec<Lead>, StoreError> {
        Ok(lock(&self.leads)
            .values()
            .filter(|l| &l.tenant_id == tenant && &l.customer.phone == phone)
            .filter(|l| l.call.ended_at >= since)
            .cloned()
            .collect())
    }

    async fn banner_lead(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        since: DateTime<Utc>,
    ) -> Result<Option<Lead>, StoreError> {
        Ok(self
            .leads_for_phone(tenant, phone, since)
            .await?
            .into_iter()
            .filter(|l| l.status.is_open())
            .max_by_key(|l| l.call.started_at))
    }
}

impl SettingsStore for MemoryStore {
    async fn settings_versioned(
        &self,
        tenant: &TenantId,
    ) -> Result<(TenantSettings, u64), StoreError> {
        Ok(lock(&self.settings)
            .get(tenant)
            .cloned()
            .unwrap_or_default())
    }

    async fn save_settings(
        &self,
        tenant: &TenantId,
        settings: &TenantSettings,
        expected: u64,
    ) -> Result<(), StoreError> {
        let mut all = lock(&self.settings);
        let stored = all.entry(tenant.clone()).or_default();
        if self.stale() {
            stored.1 += 1;
        }
        if stored.1 != expected {
            return Err(StoreError::VersionConflict);
        }
        *stored = (settings.clone(), expected + 1);
        Ok(())
    }

    async fn recompute_cold_at(
        &self,
        tenant: &TenantId,
        cold_after_days: ColdAfterDays,
        _now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut n = 0;
        for lead in lock(&self.leads)
            .values_mut()
            .filter(|l| &l.tenant_id == tenant && l.status.is_open())
        {
            lead.cold_at = cold_after_days.cold_at(lead.touched_at());
            n += 1;
        }
        Ok(n)
    }
}

impl LearningStore for MemoryStore {
    async fn learning(&self, tenant: &TenantId) -> Result<(Learning, u64), StoreError> {
        Ok(lock(&self.learning)
            .get(tenant)
            .cloned()
            .unwrap_or_default())
    }

    async fn counted_label(
        &self,
        _tenant: &TenantId,
        lead: &LeadId,
    ) -> Result<(Option<CountedLabel>, u64), StoreError> {
        Ok(match lock(&self.labels).get(lead) {
            Some((c, v)) => (Some(c.clone()), *v),
            None => (None, 0),
        })
    }

    async fn save_learning(&self, c: &LearningChange) -> Result<(), StoreError> {
        let mut all = lock(&self.learning);
        let stored = all.entry(c.tenant_id.clone()).or_default();
        if self.stale() {
            stored.1 += 1;
        }
        if stored.1 != c.expected_version {
            return Err(StoreError::VersionConflict);
        }
        let mut labels = lock(&self.labels);
        if let Some(label) = &c.label {
            let current = labels.get(&label.lead_id).map(|(_, v)| *v).unwrap_or(0);
            if current != label.expected_version {
                return Err(StoreError::VersionConflict);
            }
            match &label.counted {
                Some(counted) => {
                    labels.insert(label.lead_id, (counted.clone(), current + 1));
                }
                None => {
                    labels.remove(&label.lead_id);
                }
            }
        }
        *stored = (c.learning.clone(), c.expected_version + 1);
        Ok(())
    }
}

/// Records what was published; can be told to fail.
#[derive(Default)]
pub struct MemoryPublisher {
    pub published: Mutex<Vec<PendingEvent>>,
    pub failing: Mutex<bool>,
}

impl EventPublisher for MemoryPublisher {
    async fn publish(&self, event: &PendingEvent) -> Result<(), PublishError> {
        if *lock(&self.failing) {
            return Err(PublishError {
                event_type: event.event_type.clone(),
                event_id: event.event_id.clone(),
                detail: "topic unavailable".into(),
            });
        }
        lock(&self.published).push(event.clone());
        Ok(())
    }
}

/// A store holding one `sample_lead`, with that lead's tenant and id.
pub fn store_with_lead(phone: &str) -> (MemoryStore, TenantId, LeadId) {
    let lead = sample_lead(phone);
    let (tenant, id) = (lead.tenant_id.clone(), lead.id);
    (MemoryStore::default().with_lead(lead), tenant, id)
}
