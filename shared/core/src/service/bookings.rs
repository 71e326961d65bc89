//! Bookings: `JobBooked` events are stored once per (tenant, job_id); the table's stream then
//! brings each new booking to `apply_booking`, which sets `booked_by_scl` / `booked_elsewhere`
//! (docs/product.md, What a CSR does, step 6) on Open and Cold leads and records the booking on every other lead it
//! matches.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{info, Instrument};

use crate::ports::{BookingStore, LeadChange, LeadCommands, StoreError};
use crate::service::events::{Refused, RejectionError};
use crate::service::retry::retry_on_conflict;
use scl_domain::booking::{JobBooked, SCL_MATCH_WINDOW};
use scl_domain::envelope::Arrived;
use scl_domain::event_source::admit;
use scl_domain::lead::{Actor, Booking, HistoryAction, HistoryEntry, Lead};
use scl_domain::status::{transition, Action, Transition};
use scl_domain::{JobId, LeadId, LeadStatus};

pub const DETAIL_TYPE: &str = "JobBooked";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum BookingIngestOutcome {
    Stored { job_id: JobId },
    Duplicate,
    Rejected { error: RejectionError },
}

/// Stores a `JobBooked` once per (tenant, job_id), unless its business does not admit the
/// event's origin: then nothing is written and the refusal is the edge's to file.
pub async fn ingest_booking<S: BookingStore>(
    store: &S,
    arrived: Arrived<JobBooked>,
    now: DateTime<Utc>,
) -> Result<Result<BookingIngestOutcome, Refused>, StoreError> {
    let booking = arrived.detail;
    // A read of the settings before the write: a booking system's events are few next to
    // calls, and a refused booking must write nothing.
    let settings = store.settings(&booking.tenant_id).await?;
    if let Err(why) = admit(&settings.event_sources, &arrived.origin) {
        return Ok(Err(Refused(why)));
    }
    match store.put_booking(&booking, now).await {
        Ok(()) => {
            info!(tenant_id = %booking.tenant_id, job_id = %booking.job_id, "booking stored");
            Ok(Ok(BookingIngestOutcome::Stored {
                job_id: booking.job_id.clone(),
            }))
        }
        Err(StoreError::AlreadyProcessed) => Ok(Ok(BookingIngestOutcome::Duplicate)),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum BookingApplied {
    /// The lead moved to `status` and is now locked.
    Booked { lead_id: LeadId, status: LeadStatus },
    /// The lead keeps its status; the booking is recorded on it.
    Recorded { lead_id: LeadId },
    /// This booking was applied to the lead before (a redelivered record).
    AlreadyApplied { lead_id: LeadId },
    /// No lead matches: nothing to do.
    NoLead,
}

/// Every lead the booking is about: the lead it names (any age), and every lead for the
/// customer's phone, in any tab, whose call ended within the match window before it.
async fn matching_leads<S: LeadCommands>(
    store: &S,
    b: &JobBooked,
) -> Result<Vec<Lead>, StoreError> {
    let mut leads = Vec::new();
    if let Some(id) = &b.scl_lead_id {
        // The lead key includes the tenant: another tenant's lead id finds nothing.
        if let Some(lead) = store.get_lead(&b.tenant_id, id).await? {
            leads.push(lead);
        }
    }
    let since = b.booked_at - SCL_MATCH_WINDOW;
    for lead in store
        .leads_for_phone(&b.tenant_id, &b.customer_phone, since)
        .await?
    {
        if !leads.iter().any(|l| l.id == lead.id) {
            leads.push(lead);
        }
    }
    Ok(leads)
}

fn decide(lead: &Lead, b: &JobBooked, now: DateTime<Utc>) -> LeadChange {
    let named = b.scl_lead_id == Some(lead.id);
    let mut next = lead.clone();
    let outcome = transition(lead.status, Action::Booking { via_scl: named });
    let (action, to, reason) = match outcome {
        Ok(Transition::To(to)) => {
            let why = if named {
                "the booking names this lead"
            } else if to == LeadStatus::BookedByScl {
                "booked after an SCL call-back attempt"
            } else {
                "the customer was booked outside SCL"
            };
            next.status = to;
            (HistoryAction::Booked, to, why)
        }
        // Done or already booked: keep the status, record the booking.
        _ => (
            HistoryAction::BookingRecorded,
            lead.status,
            "the lead was not open when the job was booked",
        ),
    };
    // The booking that locks the lead is the one it shows (and whose value reports count);
    // otherwise the first booking recorded stays.
    if next.booking.is_none() || action == HistoryAction::Booked {
        next.booking = Some(Booking {
            job_id: b.job_id.clone(),
            booked_at: b.booked_at,
            booked_by: b.booked_by.clone(),
            via_scl: next.status == LeadStatus::BookedByScl || named,
            job_value: b.job_value,
        });
    }
    next.version += 1;
    next.updated_at = now;
    next.last_actor_id = Some(Actor::System);
    LeadChange {
        history: HistoryEntry {
            at: b.booked_at,
            actor_id: Actor::System,
            actor_name: None,
            action,
            from_status: Some(lead.status),
            to_status: Some(to),
            reason: Some(format!("job {}: {reason}", b.job_id)),
            note: None,
        },
        // One history entry per (lead, job): a redelivered booking finds it and stops.
        history_id: Some(format!("BOOKING#{}", b.job_id)),
        lead: next,
        note: None,
        events: Vec::new(),
    }
}

/// Records the booking on every lead it matches (docs/product.md, What a CSR does, step 6): an Open or Cold lead
/// becomes `booked_by_scl` / `booked_elsewhere`, any other keeps its status with the booking
/// recorded. A lead a CSR changes meanwhile is re-read and decided again, so the booking is
/// never lost to the race.
pub async fn apply_booking<S: LeadCommands>(
    store: &S,
    booking: &JobBooked,
    now: DateTime<Utc>,
) -> Result<Vec<BookingApplied>, StoreError> {
    let span =
        tracing::info_span!("booking", tenant_id = %booking.tenant_id, job_id = %booking.job_id);
    async {
        let leads = matching_leads(store, booking).await?;
        if leads.is_empty() {
            info!("no lead matches the booking");
            return Ok(vec![BookingApplied::NoLead]);
        }
        let mut applied = Vec::with_capacity(leads.len());
        for lead in leads {
            applied.push(apply_to_lead(store, lead, booking, now).await?);
        }
        Ok(applied)
    }
    .instrument(span)
    .await
}

async fn apply_to_lead<S: LeadCommands>(
    store: &S,
    matched: Lead,
    booking: &JobBooked,
    now: DateTime<Utc>,
) -> Result<BookingApplied, StoreError> {
    let matched = &matched;
    retry_on_conflict(move |n| async move {
        // The lead as matched, then, after a conflict (a CSR acted meanwhile), as it is now.
        let lead = match n {
            0 => matched.clone(),
            _ => store
                .get_lead(&booking.tenant_id, &matched.id)
                .await?
                .ok_or_else(|| StoreError::Corrupt("lead vanished".into()))?,
        };
        if lead
            .booking
            .as_ref()
            .is_some_and(|b| b.job_id == booking.job_id)
        {
            return Ok(BookingApplied::AlreadyApplied { lead_id: lead.id });
        }
        let change = decide(&lead, booking, now);
        match store.save_change(&change, lead.version).await {
            Ok(()) => {
                let status = change.lead.status;
                info!(lead_id = %lead.id, %status, "booking applied");
                Ok(if status != lead.status {
                    BookingApplied::Booked {
                        lead_id: lead.id,
                        status,
                    }
                } else {
                    BookingApplied::Recorded { lead_id: lead.id }
                })
            }
            Err(StoreError::AlreadyProcessed) => {
                Ok(BookingApplied::AlreadyApplied { lead_id: lead.id })
            }
            Err(e) => Err(e),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{sample_lead, store_with_lead, MemoryStore};
    use crate::ports::SettingsStore;
    use scl_domain::lead::now_millis;
    use scl_domain::sample::{arrived, sample_bindings};
    use scl_domain::settings::TenantSettings;
    use serde_json::json;

    fn booking(job: &str, lead: Option<LeadId>) -> JobBooked {
        let mut d = json!({"tenant_id": "t-1", "job_id": job, "customer_phone": "512.555.0100",
                           "booked_at": now_millis().to_rfc3339(), "booked_by": "u-9"});
        if let Some(id) = lead {
            d["scl_lead_id"] = json!(id.to_string());
        }
        JobBooked::from_detail(&d).unwrap()
    }

    #[tokio::test]
    async fn a_booking_is_stored_once_per_job_from_a_bound_source_only() {
        let store = MemoryStore::default();
        let b = booking("job-1", None);
        let ingest = |source: &str, b: &JobBooked| {
            ingest_booking(&store, arrived(source, b.clone()), now_millis())
        };
        let refused = ingest("booking.system", &b).await.unwrap().unwrap_err();
        assert_eq!(refused.0.field, "source");
        let tenant = b.tenant_id.clone();
        let settings = TenantSettings {
            event_sources: sample_bindings(),
            ..TenantSettings::default()
        };
        store.save_settings(&tenant, &settings, 0).await.unwrap();
        assert!(ingest("phone.platform2", &b).await.unwrap().is_err());
        let stored = ingest("booking.system", &b).await.unwrap();
        assert_eq!(
            stored,
            Ok(BookingIngestOutcome::Stored {
                job_id: b.job_id.clone()
            })
        );
        let again = ingest("booking.system", &b).await.unwrap();
        assert_eq!(again, Ok(BookingIngestOutcome::Duplicate));
    }

    #[tokio::test]
    async fn a_booking_racing_a_dismissal_is_recorded_on_the_dismissed_lead() {
        let (store, _, id) = store_with_lead("512-555-0100");
        store.interfere(|l| l.status = LeadStatus::NotALead);
        let applied = apply_booking(&store, &booking("job-1", None), now_millis())
            .await
            .unwrap();
        assert_eq!(applied, vec![BookingApplied::Recorded { lead_id: id }]);
        let stored = store.lead(&id).unwrap();
        assert_eq!(stored.status, LeadStatus::NotALead);
        assert_eq!(stored.booking.unwrap().job_id.as_str(), "job-1");
    }

    #[tokio::test]
    async fn a_redelivered_booking_has_one_effect() {
        let (store, _, id) = store_with_lead("512-555-0100");
        let b = booking("job-2", Some(id));
        let first = apply_booking(&store, &b, now_millis()).await.unwrap();
        assert_eq!(
            first,
            vec![BookingApplied::Booked {
                lead_id: id,
                status: LeadStatus::BookedByScl
            }]
        );
        let again = apply_booking(&store, &b, now_millis()).await.unwrap();
        assert_eq!(again, vec![BookingApplied::AlreadyApplied { lead_id: id }]);
        assert_eq!(store.history(&id).len(), 1);
    }

    #[tokio::test]
    async fn every_matching_lead_gets_the_booking_and_no_match_is_said() {
        let open = sample_lead("512-555-0100");
        let mut done = sample_lead("(512) 555-0100");
        done.status = LeadStatus::NotFollowingUp;
        let (open_id, done_id) = (open.id, done.id);
        let store = MemoryStore::default().with_lead(open).with_lead(done);
        let mut applied = apply_booking(&store, &booking("job-3", None), now_millis())
            .await
            .unwrap();
        applied.sort_by_key(|a| format!("{a:?}"));
        assert_eq!(
            applied,
            vec![
                BookingApplied::Booked {
                    lead_id: open_id,
                    status: LeadStatus::BookedElsewhere
                },
                BookingApplied::Recorded { lead_id: done_id },
            ]
        );
        let none = MemoryStore::default();
        assert_eq!(
            apply_booking(&none, &booking("job-4", None), now_millis())
                .await
                .unwrap(),
            vec![BookingApplied::NoLead]
        );
    }
}
