//! Reports in memory: each lead's counted figures (versioned), the day totals and queue counts
//! they add up to (each with a revision a repair writes over), the calls counted as booked
//! during the wrap-up, and the names CSRs were last seen under.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use super::{lock, MemoryStore};
use crate::ports::{
    CountedLead, FiguresWrite, Repaired, ReportRebuildStore, ReportStore, ReportedLead, StoreError,
    StoredTotals,
};
use scl_domain::report::{
    Counter, Counts, LeadFigures, QueueCounts, ReportDay, ReportNow, ReportRange,
};
use scl_domain::status::Tab;
use scl_domain::{CallId, LeadId, TenantId, UserId};

/// The name a day's total is kept under, for its revision (the queue's is `QUEUE`).
fn day_name(day: ReportDay) -> String {
    format!("day#{day}")
}
const QUEUE: &str = "queue";

/// How many lead ids one page of a rebuild holds.
const LEAD_PAGE: usize = 100;

#[derive(Default)]
struct Totals {
    days: BTreeMap<ReportDay, Counts>,
    queue: QueueCounts,
    names: BTreeMap<UserId, String>,
    revisions: BTreeMap<String, u64>,
    /// Calls booked during the wrap-up, by the day they ended (kept apart, as the adapter
    /// keeps them: a rebuild recomputes only the leads' figures).
    wrap_up: BTreeMap<ReportDay, i64>,
}

impl Totals {
    fn bump(&mut self, name: String) {
        *self.revisions.entry(name).or_default() += 1;
    }
}

#[derive(Default)]
pub(super) struct Reports {
    counted: Mutex<HashMap<(TenantId, LeadId), CountedLead>>,
    totals: Mutex<HashMap<TenantId, Totals>>,
    wrap_up_calls: Mutex<HashSet<(TenantId, CallId)>>,
}

impl MemoryStore {
    /// Where the queue lists the lead: the tab it was in when last written, or Cold once the
    /// sweep moved it there.
    pub fn listed(&self, lead: &scl_domain::Lead) -> Tab {
        let tab = lead.tab(lead.updated_at);
        if tab == Tab::Open && lock(&self.swept).contains(&lead.id) && lead.status.is_open() {
            Tab::Cold
        } else {
            tab
        }
    }
}

impl ReportStore for MemoryStore {
    async fn lead_for_report(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> Result<Option<ReportedLead>, StoreError> {
        Ok(self
            .lead(lead)
            .filter(|l| &l.tenant_id == tenant)
            .map(|l| ReportedLead {
                listed: self.listed(&l),
                history: self.history(lead),
                lead: l,
            }))
    }

    async fn counted(
        &self,
        tenant: &TenantId,
        lead: &LeadId,
    ) -> Result<Option<CountedLead>, StoreError> {
        Ok(lock(&self.reports.counted)
            .get(&(tenant.clone(), *lead))
            .cloned())
    }

    async fn save_figures(&self, w: FiguresWrite<'_>) -> Result<(), StoreError> {
        let mut counted = lock(&self.reports.counted);
        let key = (w.tenant.clone(), *w.lead_id);
        let version = counted.get(&key).map_or(0, |c| c.version);
        if version != w.expected_version {
            return Err(StoreError::VersionConflict);
        }
        counted.insert(
            key,
            CountedLead {
                figures: w.figures.clone(),
                version: version + 1,
            },
        );
        let mut all = lock(&self.reports.totals);
        let totals = all.entry(w.tenant.clone()).or_default();
        for (day, counts) in &w.delta.days {
            totals.days.entry(*day).or_default().add_all(counts, 1);
            totals.bump(day_name(*day));
        }
        totals.days.retain(|_, c| !c.is_empty());
        totals.queue += w.delta.queue;
        totals.bump(QUEUE.into());
        totals.names.extend(w.delta.names.clone());
        Ok(())
    }

    async fn count_wrap_up(
        &self,
        tenant: &TenantId,
        call: &CallId,
        day: ReportDay,
    ) -> Result<(), StoreError> {
        if lock(&self.reports.wrap_up_calls).insert((tenant.clone(), call.clone())) {
            let mut all = lock(&self.reports.totals);
            *all.entry(tenant.clone())
                .or_default()
                .wrap_up
                .entry(day)
                .or_default() += 1;
        }
        Ok(())
    }

    async fn report_days(
        &self,
        tenant: &TenantId,
        range: ReportRange,
    ) -> Result<Vec<(ReportDay, Counts)>, StoreError> {
        let all = lock(&self.reports.totals);
        let Some(totals) = all.get(tenant) else {
            return Ok(Vec::new());
        };
        let mut days = totals.days.clone();
        for (day, n) in &totals.wrap_up {
            days.entry(*day)
                .or_default()
                .add(Counter::BookedDuringWrapUp, *n);
        }
        Ok(days
            .into_iter()
            .filter(|(d, c)| (range.from..=range.to).contains(d) && !c.is_empty())
            .collect())
    }

    async fn report_now(&self, tenant: &TenantId) -> Result<ReportNow, StoreError> {
        let all = lock(&self.reports.totals);
        Ok(all
            .get(tenant)
            .map_or_else(ReportNow::default, |t| ReportNow {
                queue: t.queue,
                names: t.names.clone(),
            }))
    }
}

impl ReportRebuildStore for MemoryStore {
    async fn lead_ids(
        &self,
        tenant: &TenantId,
        after: Option<String>,
    ) -> Result<(Vec<LeadId>, Option<String>), StoreError> {
        let mut ids: Vec<LeadId> = lock(&self.leads)
            .values()
            .filter(|l| &l.tenant_id == tenant)
            .map(|l| l.id)
            .filter(|id| after.as_ref().is_none_or(|a| id.to_string() > *a))
            .collect();
        ids.sort_by_key(LeadId::to_string);
        let next = (ids.len() > LEAD_PAGE).then(|| ids[LEAD_PAGE - 1].to_string());
        ids.truncate(LEAD_PAGE);
        Ok((ids, next))
    }

    async fn all_counted(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<(LeadId, LeadFigures)>, StoreError> {
        Ok(lock(&self.reports.counted)
            .iter()
            .filter(|((t, _), _)| t == tenant)
            .map(|((_, id), c)| (*id, c.figures.clone()))
            .collect())
    }

    async fn stored_totals(&self, tenant: &TenantId) -> Result<StoredTotals, StoreError> {
        let all = lock(&self.reports.totals);
        Ok(all
            .get(tenant)
            .map_or_else(StoredTotals::default, |t| StoredTotals {
                days: t.days.clone(),
                queue: t.queue,
                revisions: t.revisions.clone(),
            }))
    }

    async fn repair_totals(
        &self,
        tenant: &TenantId,
        read: &StoredTotals,
        days: &BTreeMap<ReportDay, Counts>,
        queue: QueueCounts,
    ) -> Result<Repaired, StoreError> {
        let mut all = lock(&self.reports.totals);
        let totals = all.entry(tenant.clone()).or_default();
        let empty = Counts::default();
        let wrong: Vec<ReportDay> = read
            .days
            .keys()
            .chain(days.keys())
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|d| read.days.get(d).unwrap_or(&empty) != days.get(d).unwrap_or(&empty))
            .collect();
        let queue_wrong = read.queue != queue;
        // Every item is written only over the revision it was read at.
        let moved = |name: &str| {
            totals.revisions.get(name).copied().unwrap_or(0)
                != read.revisions.get(name).copied().unwrap_or(0)
        };
        if wrong.iter().any(|d| moved(&day_name(*d))) || (queue_wrong && moved(QUEUE)) {
            return Err(StoreError::VersionConflict);
        }
        for day in &wrong {
            match days.get(day) {
                Some(c) => totals.days.insert(*day, c.clone()),
                None => totals.days.remove(day),
            };
            totals.bump(day_name(*day));
        }
        if queue_wrong {
            totals.queue = queue;
            totals.bump(QUEUE.into());
        }
        Ok(Repaired {
            days: wrong.len(),
            queue: queue_wrong,
        })
    }
}
