//! The queue's reads, the cold sweep and near misses, in memory: pages newest call first,
//! cursors of this store's own making (a position from anywhere else is `BadCursor`), and a
//! promotion with the adapter's conditions.

use chrono::{DateTime, Utc};

use super::{lock, CallMarker, MemoryStore, WriteCondition};
use crate::ports::{
    CallRecord, ColdSweep, DecisionKind, LeadQueries, LeadWrite, NearMissPage, NearMissStore,
    StoreError,
};
use crate::query::{LeadPage, ListRequest, NearMissRequest, PageCursor};
use scl_domain::status::Tab;
use scl_domain::{CallId, Lead, LeadDetail, LeadId, TenantId, Transcript};

/// An item's place in a list, newest first: its call's start and its id, as sortable text.
fn position(started_at: DateTime<Utc>, id: &str) -> String {
    format!("{:020}#{id}", started_at.timestamp_millis())
}

/// `items` (each with its position) after the cursor, `limit` of them, and the cursor of the
/// next page if there is one.
fn page<T>(
    mut items: Vec<(String, T)>,
    list: &str,
    after: Option<&PageCursor>,
    limit: u32,
) -> Result<(Vec<T>, Option<PageCursor>), StoreError> {
    if let Some(c) = after {
        if c.list != list || !c.after.contains('#') {
            return Err(StoreError::BadCursor);
        }
    }
    items.sort_by(|a, b| b.0.cmp(&a.0));
    let mut rest: Vec<(String, T)> = items
        .into_iter()
        .filter(|(p, _)| after.is_none_or(|c| *p < c.after))
        .collect();
    let limit = limit as usize;
    let next = (rest.len() > limit).then(|| PageCursor {
        list: list.to_owned(),
        after: rest[limit - 1].0.clone(),
    });
    rest.truncate(limit);
    Ok((rest.into_iter().map(|(_, t)| t).collect(), next))
}

impl MemoryStore {
    fn tenant_lead(&self, tenant: &TenantId, lead: &LeadId) -> Option<Lead> {
        self.lead(lead).filter(|l| &l.tenant_id == tenant)
    }

    /// The transcript of the call the lead shows.
    fn shown_transcript(&self, lead: &Lead) -> Transcript {
        let segments = self
            .calls(&lead.id)
            .into_iter()
            .find(|(call, _)| call.call_id == lead.call.call_id)
            .map(|(_, t)| t)
            .unwrap_or_default();
        Transcript {
            segments,
            truncated: false,
        }
    }
}

impl LeadQueries for MemoryStore {
    async fn list_leads(
        &self,
        tenant: &TenantId,
        request: &ListRequest,
        now: DateTime<Utc>,
    ) -> Result<LeadPage, StoreError> {
        let listed: Vec<(String, Lead)> = lock(&self.leads)
            .values()
            .filter(|l| &l.tenant_id == tenant && l.tab(now) == request.tab)
            .filter(|l| request.status.is_none_or(|s| l.status == s))
            .map(|l| (position(l.call.started_at, &l.id.to_string()), l.clone()))
            .collect();
        let list = ListRequest::list_name(request.tab, request.status);
        let (items, next) = page(listed, &list, request.after.as_ref(), request.limit)?;
        Ok(LeadPage {
            items,
            next,
            read_units: 0.0,
        })
    }

    async fn lead_detail(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> Result<Option<LeadDetail>, StoreError> {
        let Some(found) = self.tenant_lead(tenant, lead) else {
            return Ok(None);
        };
        let mut calls: Vec<_> = self.calls(lead).into_iter().map(|(c, _)| c).collect();
        calls.sort_by_key(|c| c.started_at);
        Ok(Some(LeadDetail {
            transcript: self.shown_transcript(&found),
            notes: self.notes(lead),
            history: self.history(lead),
            calls,
            lead: found,
        }))
    }

    async fn lead_transcript(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> Result<Option<(Lead, Transcript)>, StoreError> {
        Ok(self.tenant_lead(tenant, lead).map(|l| {
            let t = self.shown_transcript(&l);
            (l, t)
        }))
    }
}

impl ColdSweep for MemoryStore {
    async fn move_due_to_cold(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let due: Vec<LeadId> = lock(&self.leads)
            .values()
            .filter(|l| l.tab(now) == Tab::Cold && self.listed(l) == Tab::Open)
            .map(|l| l.id)
            .collect();
        lock(&self.swept).extend(due.iter().copied());
        Ok(due.len())
    }
}

impl NearMissStore for MemoryStore {
    async fn near_misses(
        &self,
        tenant: &TenantId,
        request: &NearMissRequest,
        now: DateTime<Utc>,
    ) -> Result<NearMissPage, StoreError> {
        let kept: Vec<_> = lock(&self.near_misses)
            .iter()
            .filter(|((t, _), (n, _))| t == tenant && n.is_kept_at(now))
            .map(|((_, call), (n, _))| {
                (
                    position(n.qualified.call.started_at, call.as_str()),
                    n.entry(),
                )
            })
            .collect();
        let (items, next) = page(
            kept,
            NearMissRequest::LIST,
            request.after.as_ref(),
            request.limit,
        )?;
        Ok(NearMissPage { items, next })
    }

    async fn call_record(
        &self,
        tenant: &TenantId,
        call: &CallId,
        now: DateTime<Utc>,
    ) -> Result<Option<CallRecord>, StoreError> {
        let Some(CallMarker::Decided(d)) = self.marker(tenant, call) else {
            return Ok(None);
        };
        let near_miss = lock(&self.near_misses)
            .get(&(tenant.clone(), call.clone()))
            .cloned();
        Ok(Some(match (d.decision, d.lead_id, near_miss) {
            (_, Some(lead), _) => CallRecord::Lead(lead),
            (DecisionKind::NearMiss, _, Some((n, transcript))) if n.is_kept_at(now) => {
                CallRecord::NearMiss {
                    near_miss: Box::new(n),
                    transcript,
                }
            }
            _ => CallRecord::Other,
        }))
    }

    async fn promote(&self, write: &LeadWrite) -> Result<(), StoreError> {
        self.write_lead(write, WriteCondition::Promoted)?;
        let key = (write.lead.tenant_id.clone(), write.decision.call_id.clone());
        lock(&self.near_misses).remove(&key);
        Ok(())
    }
}
