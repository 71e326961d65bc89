//! Reports (docs/api.md, Reports): the table's stream counts each lead's figures into its
//! business's day and queue totals (`count_lead`), `GET /reports/summary` reads a period of
//! them (`summary`), and `rebuild` recomputes them from the leads and their history.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tracing::info;

use crate::ports::{FiguresWrite, ReportRebuildStore, ReportStore, SettingsStore, StoreError};
use crate::service::retry::retry_on_conflict;
use scl_domain::report::{
    Counts, FiguresDelta, LeadFigures, QueueCounts, ReportDay, ReportQuery, Summary,
};
use scl_domain::{FieldError, LeadId, TenantId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountOutcome {
    /// The lead's figures changed and the totals with them.
    Counted,
    /// The lead's figures were counted as they are (a redelivered or unrelated change).
    Unchanged,
    NoLead,
}

/// Counts the lead's figures as it stands now, once: what was counted for it before is taken
/// off and what it contributes now added, in one conditional write, so a redelivered or
/// repeated record changes nothing and two writers for one lead serialise. A lead is counted
/// on the day of its flagging in the business's time zone when it is first counted; that day
/// stays.
pub async fn count_lead<S: ReportStore + SettingsStore>(
    store: &S,
    tenant: &TenantId,
    lead_id: &LeadId,
) -> Result<CountOutcome, StoreError> {
    retry_on_conflict(move |_| async move {
        let (reported, counted) = futures_util::future::try_join(
            store.lead_for_report(tenant, lead_id),
            store.counted(tenant, lead_id),
        )
        .await?;
        let Some(reported) = reported else {
            return Ok(CountOutcome::NoLead);
        };
        let day = match &counted {
            Some(c) => c.figures.day,
            None => {
                let zone = store.settings(tenant).await?.timezone.tz();
                ReportDay::of(reported.lead.flagged_at(), &zone)
            }
        };
        let figures = LeadFigures::of(&reported.lead, &reported.history, reported.listed, day);
        let before = counted.as_ref().map(|c| &c.figures);
        if before == Some(&figures) {
            return Ok(CountOutcome::Unchanged);
        }
        let delta = FiguresDelta::between(before, &figures);
        store
            .save_figures(FiguresWrite {
                tenant,
                lead_id,
                figures: &figures,
                delta: &delta,
                expected_version: counted.as_ref().map_or(0, |c| c.version),
            })
            .await?;
        info!(%lead_id, %day, "lead counted in the reports");
        Ok(CountOutcome::Counted)
    })
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Validation(#[from] FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `GET /reports/summary`: one Query of the period's months, one read of the queue counts and
/// names, and the settings (the business's zone; what today is, when the request leaves an end
/// to it) — all three at once when the request names both ends.
/// A call decided `booked_during_wrap_up` counts once, on the day it ended in the business's
/// zone (the day a lead made of it would have counted on).
pub async fn count_wrap_up<S: ReportStore + SettingsStore>(
    store: &S,
    d: &crate::ports::CallDecision,
) -> Result<(), StoreError> {
    let settings = store.settings(&d.tenant_id).await?;
    let at = d.call_ended_at.unwrap_or(d.decided_at);
    let day = ReportDay::of(at, &settings.timezone.tz());
    store.count_wrap_up(&d.tenant_id, &d.call_id, day).await
}

/// How many leads each of the queue's tabs lists now (`GET /reports/queue`): one read.
pub async fn queue_counts<S: ReportStore>(
    store: &S,
    tenant: &TenantId,
) -> Result<QueueCounts, ReportError> {
    Ok(store.report_now(tenant).await?.queue)
}

pub async fn summary<S: ReportStore + SettingsStore>(
    store: &S,
    tenant: &TenantId,
    query: ReportQuery,
    now: DateTime<Utc>,
) -> Result<Summary, ReportError> {
    let (settings, range, days, current) = match query.named_range() {
        Some(range) => {
            let (settings, days, current) = futures_util::future::try_join3(
                store.settings(tenant),
                store.report_days(tenant, range),
                store.report_now(tenant),
            )
            .await?;
            (settings, range, days, current)
        }
        None => {
            let settings = store.settings(tenant).await?;
            let range = query.range(ReportDay::of(now, &settings.timezone.tz()))?;
            let (days, current) = futures_util::future::try_join(
                store.report_days(tenant, range),
                store.report_now(tenant),
            )
            .await?;
            (settings, range, days, current)
        }
    };
    Ok(Summary::build(
        range,
        settings.timezone.as_str(),
        &days,
        &current,
    ))
}

/// What a rebuild did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RebuildReport {
    pub leads: usize,
    /// Leads whose counted figures were missing or out of date.
    pub leads_recounted: usize,
    /// Day totals that did not add up to their leads' figures, and were replaced.
    pub days_repaired: usize,
    pub queue_repaired: bool,
}

/// Recomputes the business's figures from its leads and their history: every lead counted as
/// it stands (as the stream would), then every day total and the queue counts replaced where
/// they differ from the sum of the leads' figures. Safe beside the running stream: a total
/// is replaced only at the revision it was read at, after the leads' figures were read, so a
/// stream write in between makes the replacement start over.
pub async fn rebuild<S: ReportRebuildStore + SettingsStore>(
    store: &S,
    tenant: &TenantId,
) -> Result<RebuildReport, StoreError> {
    let mut report = RebuildReport::default();
    let mut after = None;
    loop {
        let (ids, next) = store.lead_ids(tenant, after).await?;
        for id in &ids {
            report.leads += 1;
            if count_lead(store, tenant, id).await? == CountOutcome::Counted {
                report.leads_recounted += 1;
            }
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let (days, queue) =
        retry_on_conflict(move |_| async move { repair_totals(store, tenant).await }).await?;
    report.days_repaired = days;
    report.queue_repaired = queue;
    info!(?report, "reports rebuilt");
    Ok(report)
}

/// The day totals and queue counts the leads' counted figures add up to.
pub fn totals_of<'a>(
    figures: impl IntoIterator<Item = &'a LeadFigures>,
) -> (BTreeMap<ReportDay, Counts>, QueueCounts) {
    let (mut days, mut queue) = (BTreeMap::<ReportDay, Counts>::new(), QueueCounts::default());
    for f in figures {
        days.entry(f.day).or_default().add_all(&f.counts, 1);
        queue += f.queue();
    }
    days.retain(|_, d| !d.is_empty());
    (days, queue)
}

async fn repair_totals<S: ReportRebuildStore>(
    store: &S,
    tenant: &TenantId,
) -> Result<(usize, bool), StoreError> {
    // The totals first: a stream write after this read moves a revision, and fails the repair.
    let stored = store.stored_totals(tenant).await?;
    let counted = store.all_counted(tenant).await?;
    let (expected, queue) = totals_of(counted.iter().map(|(_, f)| f));
    let repaired = store
        .repair_totals(tenant, &stored, &expected, queue)
        .await?;
    Ok((repaired.days, repaired.queue))
}

/// A difference between what is stored and what the leads and their history give.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// The day, or `queue`.
    pub total: String,
    pub stored: String,
    pub computed: String,
}

/// Compares the stored totals with the figures computed afresh from every lead and its
/// history (on the day each was first counted), writing nothing: empty when they agree.
pub async fn check<S: ReportRebuildStore + SettingsStore>(
    store: &S,
    tenant: &TenantId,
) -> Result<Vec<Difference>, StoreError> {
    let zone = store.settings(tenant).await?.timezone.tz();
    let mut computed = Vec::new();
    let mut after = None;
    loop {
        let (ids, next) = store.lead_ids(tenant, after).await?;
        for id in &ids {
            let (reported, counted) = futures_util::future::try_join(
                store.lead_for_report(tenant, id),
                store.counted(tenant, id),
            )
            .await?;
            if let Some(r) = reported {
                let day = counted
                    .map(|c| c.figures.day)
                    .unwrap_or_else(|| ReportDay::of(r.lead.flagged_at(), &zone));
                computed.push(LeadFigures::of(&r.lead, &r.history, r.listed, day));
            }
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let (days, queue) = totals_of(&computed);
    let stored = store.stored_totals(tenant).await?;
    let mut differences = Vec::new();
    let empty = Counts::default();
    let all_days: std::collections::BTreeSet<ReportDay> =
        stored.days.keys().chain(days.keys()).copied().collect();
    for day in all_days {
        let have = stored.days.get(&day).unwrap_or(&empty);
        let want = days.get(&day).unwrap_or(&empty);
        if have != want {
            differences.push(Difference {
                total: day.to_string(),
                stored: format!("{have:?}"),
                computed: format!("{want:?}"),
            });
        }
    }
    if stored.queue != queue {
        differences.push(Difference {
            total: "queue".into(),
            stored: format!("{:?}", stored.queue),
            computed: format!("{queue:?}"),
        });
    }
    Ok(differences)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::store_with_lead;
    use crate::ports::{CallDecision, DecisionKind};
    use scl_domain::lead::now_millis;
    use scl_domain::{CallId, LeadStatus};

    fn this_month() -> ReportQuery {
        ReportQuery::parse(None, None).unwrap()
    }

    #[tokio::test]
    async fn a_lead_is_counted_once_and_shows_in_the_summary() {
        let (store, tenant, id) = store_with_lead("512-555-0100");
        assert_eq!(
            count_lead(&store, &tenant, &id).await.unwrap(),
            CountOutcome::Counted
        );
        assert_eq!(
            count_lead(&store, &tenant, &id).await.unwrap(),
            CountOutcome::Unchanged
        );
        let unknown = LeadId::generate();
        assert_eq!(
            count_lead(&store, &tenant, &unknown).await.unwrap(),
            CountOutcome::NoLead
        );
        let s = summary(&store, &tenant, this_month(), now_millis())
            .await
            .unwrap();
        assert_eq!((s.flagged, s.open_now), (1, 1));
        assert_eq!(queue_counts(&store, &tenant).await.unwrap().open, 1);
    }

    #[tokio::test]
    async fn a_call_booked_during_its_wrap_up_counts_once() {
        let (store, tenant, _) = store_with_lead("512-555-0100");
        let now = now_millis();
        let decision = CallDecision {
            tenant_id: tenant.clone(),
            call_id: CallId::parse("call_id", "c-7").unwrap(),
            decision: DecisionKind::BookedDuringWrapUp,
            lead_id: None,
            reasons: vec![],
            score: None,
            decided_at: now,
            call_ended_at: Some(now - chrono::Duration::minutes(6)),
        };
        count_wrap_up(&store, &decision).await.unwrap();
        count_wrap_up(&store, &decision).await.unwrap();
        let s = summary(&store, &tenant, this_month(), now).await.unwrap();
        assert_eq!(s.booked_during_wrap_up, 1);
    }

    #[tokio::test]
    async fn a_rebuild_makes_the_totals_what_the_leads_say() {
        let (store, tenant, id) = store_with_lead("512-555-0100");
        count_lead(&store, &tenant, &id).await.unwrap();
        assert!(check(&store, &tenant).await.unwrap().is_empty());
        // The lead changes and its stream record is lost: the totals no longer add up.
        let mut changed = store.lead(&id).unwrap();
        changed.status = LeadStatus::NotALead;
        let store = store.with_lead(changed);
        assert!(!check(&store, &tenant).await.unwrap().is_empty());
        let report = rebuild(&store, &tenant).await.unwrap();
        assert_eq!((report.leads, report.leads_recounted), (1, 1));
        assert!(check(&store, &tenant).await.unwrap().is_empty());
        let s = summary(&store, &tenant, this_month(), now_millis())
            .await
            .unwrap();
        assert_eq!((s.not_a_lead, s.open_now), (1, 0));
    }
}
