//! What ingestion and the booking intake read and write, in memory: each call's one marker
//! (waiting or decided), the numbers' claims, a lead's calls, near misses, bookings and filed
//! events, with the DynamoDB adapter's conditions (docs/data-model.md).

use chrono::{DateTime, Utc};

use super::{lock, CallMarker, MemoryStore, StoredCall, WriteCondition};
use crate::ports::{
    BookingStore, CallDecision, CallerLead, DecisionKind, DueCalls, IngestStore, LeadWrite,
    NearMissWrite, PendingCall, PhoneClaim, RejectedEvent, RejectedEventStore, SettingsStore,
    StoreError,
};
use scl_domain::booking::JobBooked;
use scl_domain::detection::adaptation::Adjustment;
use scl_domain::near_miss::NearMiss;
use scl_domain::settings::TenantSettings;
use scl_domain::{CallId, CrmId, Lead, LeadId, PhoneNumber, TenantId};

impl MemoryStore {
    /// The call's marker, if any.
    pub fn marker(&self, tenant: &TenantId, call: &CallId) -> Option<CallMarker> {
        lock(&self.markers)
            .get(&(tenant.clone(), call.clone()))
            .cloned()
    }

    /// The lead a number's next qualifying call belongs to.
    pub fn claim(&self, tenant: &TenantId, phone: &PhoneNumber) -> Option<LeadId> {
        lock(&self.claims)
            .get(&(tenant.clone(), phone.clone()))
            .copied()
    }

    /// The calls stored with a lead, oldest write first.
    pub fn calls(&self, lead: &LeadId) -> Vec<StoredCall> {
        lock(&self.calls).get(lead).cloned().unwrap_or_default()
    }

    pub fn near_miss(&self, tenant: &TenantId, call: &CallId) -> Option<NearMiss> {
        lock(&self.near_misses)
            .get(&(tenant.clone(), call.clone()))
            .map(|(n, _)| n.clone())
    }

    /// The events filed for an operator, in filing order.
    pub fn rejected(&self) -> Vec<RejectedEvent> {
        lock(&self.rejected).clone()
    }

    pub fn with_booking(self, booking: JobBooked) -> Self {
        let key = (booking.tenant_id.clone(), booking.job_id.clone());
        lock(&self.bookings).insert(key, booking);
        self
    }

    /// Records `decision` where the call has no marker or waits for one (the adapter's
    /// `UNDECIDED` condition); `AlreadyProcessed` where it is decided.
    fn decide_marker(&self, decision: &CallDecision) -> Result<(), StoreError> {
        let mut markers = lock(&self.markers);
        let key = (decision.tenant_id.clone(), decision.call_id.clone());
        if let Some(CallMarker::Decided(_)) = markers.get(&key) {
            return Err(StoreError::AlreadyProcessed);
        }
        markers.insert(key, CallMarker::Decided(decision.clone()));
        Ok(())
    }

    /// A lead write, all or nothing, on `condition` and on the number's claim being as read
    /// (the adapter's transaction).
    pub(super) fn write_lead(
        &self,
        w: &LeadWrite,
        condition: WriteCondition,
    ) -> Result<(), StoreError> {
        let lead = &w.lead;
        let key = (lead.tenant_id.clone(), w.decision.call_id.clone());
        let marker = lock(&self.markers).get(&key).cloned();
        let marker_holds = match (&condition, marker) {
            (WriteCondition::Promoted, Some(CallMarker::Decided(d))) => {
                d.decision == DecisionKind::NearMiss
            }
            (WriteCondition::Promoted, _) => false,
            (_, Some(CallMarker::Decided(_))) => false,
            _ => true,
        };
        if !marker_holds {
            return Err(StoreError::AlreadyProcessed);
        }
        let expected = match condition {
            WriteCondition::Version(v) => Some(v),
            WriteCondition::New | WriteCondition::Promoted => None,
        };
        let mut leads = lock(&self.leads);
        match (leads.get_mut(&lead.id), expected) {
            (None, None) => {}
            (Some(stored), Some(version)) => {
                for interfere in lock(&self.interference).drain(..) {
                    interfere(stored);
                    stored.version += 1;
                }
                if stored.version != version {
                    return Err(StoreError::VersionConflict);
                }
            }
            _ => return Err(StoreError::VersionConflict),
        }
        let claim_key = (lead.tenant_id.clone(), lead.customer.phone.clone());
        let mut claims = lock(&self.claims);
        if let Some(read) = &w.claim {
            let held = claims.get(&claim_key).copied();
            let unchanged = match read {
                PhoneClaim::Unclaimed => held.is_none(),
                PhoneClaim::Lead(id) => held == Some(*id),
            };
            if !unchanged {
                return Err(StoreError::VersionConflict);
            }
            claims.insert(claim_key, lead.id);
        }
        *lock(&self.writes) += 1;
        lock(&self.markers).insert(key, CallMarker::Decided(w.decision.clone()));
        leads.insert(lead.id, lead.clone());
        lock(&self.calls)
            .entry(lead.id)
            .or_default()
            .push((w.call.clone(), w.transcript.clone()));
        let entry_id = ulid::Ulid::generate().to_string();
        lock(&self.history).insert((lead.id, entry_id), w.history.clone());
        lock(&self.outbox).extend(
            w.events
                .iter()
                .enumerate()
                .map(|(n, e)| scl_domain::events::PendingEvent::of(e, &lead.id, lead.version, n)),
        );
        Ok(())
    }

    fn newest_open_lead(&self, tenant: &TenantId, phone: &PhoneNumber) -> Option<Lead> {
        lock(&self.leads)
            .values()
            .filter(|l| &l.tenant_id == tenant && &l.customer.phone == phone)
            .filter(|l| l.status.is_open())
            .max_by_key(|l| l.call.started_at)
            .cloned()
    }
}

impl IngestStore for MemoryStore {
    async fn detection_context(
        &self,
        tenant: &TenantId,
    ) -> Result<(TenantSettings, Adjustment), StoreError> {
        let settings = self.settings(tenant).await?;
        let learning = lock(&self.learning)
            .get(tenant)
            .map(|(l, _)| l.adjustment())
            .unwrap_or_default();
        Ok((settings, learning))
    }

    async fn record_near_miss(&self, w: &NearMissWrite) -> Result<(), StoreError> {
        self.decide_marker(&w.decision)?;
        let key = (w.decision.tenant_id.clone(), w.decision.call_id.clone());
        lock(&self.near_misses).insert(key, (w.near_miss.clone(), w.transcript.clone()));
        Ok(())
    }

    async fn caller_lead(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
    ) -> Result<CallerLead, StoreError> {
        Ok(match self.claim(tenant, phone) {
            // Leads from before claims existed are found by their phone.
            None => CallerLead {
                open: self.newest_open_lead(tenant, phone),
                claim: PhoneClaim::Unclaimed,
            },
            Some(id) => CallerLead {
                open: self.lead(&id).filter(|l| l.status.is_open()),
                claim: PhoneClaim::Lead(id),
            },
        })
    }

    async fn create_lead(&self, write: &LeadWrite) -> Result<(), StoreError> {
        self.write_lead(write, WriteCondition::New)
    }

    async fn attach_call(
        &self,
        write: &LeadWrite,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.write_lead(write, WriteCondition::Version(expected_version))
    }

    async fn record_decision(&self, decision: &CallDecision) -> Result<(), StoreError> {
        self.decide_marker(decision)
    }

    async fn defer_call(&self, call: &PendingCall) -> Result<(), StoreError> {
        let mut markers = lock(&self.markers);
        let key = (call.tenant_id.clone(), call.call_id.clone());
        if markers.contains_key(&key) {
            return Err(StoreError::AlreadyProcessed);
        }
        markers.insert(key, CallMarker::Waiting(Box::new(call.clone())));
        Ok(())
    }

    async fn settle_pending(&self, decision: &CallDecision) -> Result<bool, StoreError> {
        let mut markers = lock(&self.markers);
        let key = (decision.tenant_id.clone(), decision.call_id.clone());
        match markers.get(&key) {
            Some(CallMarker::Waiting(_)) => {
                markers.insert(key, CallMarker::Decided(decision.clone()));
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn booked_between(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
        customer: Option<&CrmId>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(lock(&self.bookings).values().any(|b| {
            let theirs = &b.customer_phone == phone
                || (customer.is_some() && b.customer_id.as_ref() == customer);
            &b.tenant_id == tenant && theirs && (since..=until).contains(&b.booked_at)
        }))
    }

    async fn waiting_call(
        &self,
        tenant: &TenantId,
        call: &CallId,
    ) -> Result<Option<PendingCall>, StoreError> {
        Ok(lock(&self.markers).values().find_map(|m| match m {
            CallMarker::Waiting(p) if p.tenant_id == *tenant && p.call_id == *call => {
                Some((**p).clone())
            }
            _ => None,
        }))
    }

    async fn due_calls(&self, now: DateTime<Utc>, limit: usize) -> Result<DueCalls, StoreError> {
        let mut calls: Vec<PendingCall> = lock(&self.markers)
            .values()
            .filter_map(|m| match m {
                CallMarker::Waiting(p) if p.decide_at <= now => Some((**p).clone()),
                _ => None,
            })
            .collect();
        calls.sort_by_key(|p| p.decide_at);
        calls.truncate(limit);
        Ok(DueCalls {
            calls,
            unread_partitions: 0,
        })
    }
}

impl RejectedEventStore for MemoryStore {
    async fn record_rejected(&self, rejected: &RejectedEvent) -> Result<(), StoreError> {
        lock(&self.rejected).push(rejected.clone());
        Ok(())
    }
}

impl BookingStore for MemoryStore {
    async fn put_booking(
        &self,
        booking: &JobBooked,
        _received_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut bookings = lock(&self.bookings);
        let key = (booking.tenant_id.clone(), booking.job_id.clone());
        if bookings.contains_key(&key) {
            return Err(StoreError::AlreadyProcessed);
        }
        bookings.insert(key, booking.clone());
        Ok(())
    }
}
