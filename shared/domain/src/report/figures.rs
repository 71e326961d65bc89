//! What one lead contributes to its business's figures, and how that changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Counter, Counts, CsrCounter, QueueCounts, ReportDay};
use crate::lead::{Actor, HistoryAction, HistoryEntry, Lead};
use crate::status::{LeadStatus, Tab};
use crate::UserId;

/// A lead's contribution: its counts on the day it was flagged, where the queue lists it if it
/// is open, and the names of the CSRs its counts mention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadFigures {
    pub day: ReportDay,
    pub counts: Counts,
    /// `Open` or `Cold` for a lead in an open status; `None` once it is Done.
    pub listed: Option<ListedTab>,
    /// Left out when empty: DynamoDB Local's stream writes an empty map as `{}`, which the
    /// SDK cannot read (it stops every mapping on the table).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<UserId, String>,
}

/// Where the queue lists an open-status lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListedTab {
    Open,
    Cold,
}

/// The minutes to a first action as a day keeps them: exact under two hours, to five minutes
/// under a day, to the hour under a week, to the day beyond (each the bucket's lower end). A
/// day's histogram then has about 530 distinct values plus one per day of delay, however late
/// CSRs act, so its item stays small.
pub fn minutes_bucket(minutes: u32) -> u32 {
    const HOURS_2: u32 = 120;
    const DAY: u32 = 1_440;
    const WEEK: u32 = 7 * DAY;
    match minutes {
        0..HOURS_2 => minutes,
        HOURS_2..DAY => minutes - minutes % 5,
        DAY..WEEK => minutes - minutes % 60,
        _ => minutes - minutes % DAY,
    }
}

/// The CSR whose action this history entry is: a person's note, dismissal, call-back or status
/// change. A promotion creates the lead (it is flagging, not working it); ingestion and
/// bookings are SCL's own.
fn csr_of(e: &HistoryEntry) -> Option<&UserId> {
    match (&e.actor_id, e.action) {
        (
            Actor::User(user),
            HistoryAction::NoteAdded
            | HistoryAction::Dismissed
            | HistoryAction::CallbackRequested
            | HistoryAction::StatusChanged,
        ) => Some(user),
        _ => None,
    }
}

impl LeadFigures {
    /// The lead's figures as it stands, from the lead, its history (any order) and the tab the
    /// queue lists it in, counted on `day`.
    ///
    /// - `flagged` 1; `reviewed` 1 with at least one CSR action; `called_back` 1 with at least
    ///   one call-back requested; the final status, if it is one, 1; the job's value, if booked
    ///   by SCL.
    /// - The whole minutes from flagging to the first CSR action (none before flagging).
    /// - Per CSR: their actions (each counts), 1 if they requested a call-back, 1 for a lead
    ///   booked by SCL if they were the last to request a call-back (or, with no call-back, the
    ///   last to act), 1 for a lead now `not_a_lead` if they put it there.
    pub fn of(lead: &Lead, history: &[HistoryEntry], listed: Tab, day: ReportDay) -> LeadFigures {
        let mut entries: Vec<&HistoryEntry> = history.iter().collect();
        entries.sort_by_key(|e| e.at);
        let actions: Vec<(&HistoryEntry, &UserId)> = entries
            .iter()
            .filter_map(|e| csr_of(e).map(|u| (*e, u)))
            .collect();

        let mut counts = Counts::default();
        let mut names = BTreeMap::new();
        counts.add(Counter::Flagged, 1);
        if let Some((first, _)) = actions.first() {
            counts.add(Counter::Reviewed, 1);
            let minutes = (first.at - lead.flagged_at()).num_minutes().max(0);
            counts.add(
                Counter::FirstActionMinutes(minutes_bucket(
                    u32::try_from(minutes).unwrap_or(u32::MAX),
                )),
                1,
            );
        }
        let mut called_back: Vec<&UserId> = Vec::new();
        for (e, user) in &actions {
            counts.add(Counter::Csr((*user).clone(), CsrCounter::Actions), 1);
            if e.action == HistoryAction::CallbackRequested && !called_back.contains(user) {
                called_back.push(user);
            }
            if let Some(name) = &e.actor_name {
                names.insert((*user).clone(), name.clone());
            }
        }
        if !called_back.is_empty() {
            counts.add(Counter::CalledBack, 1);
        }
        for user in &called_back {
            counts.add(Counter::Csr((*user).clone(), CsrCounter::CalledBack), 1);
        }

        let status = lead.status;
        if !status.is_open() {
            counts.add(Counter::Disposition(status), 1);
        }
        match status {
            LeadStatus::BookedByScl => {
                let value = lead.booking.as_ref().and_then(|b| b.job_value);
                counts.add(
                    Counter::RevenueCents,
                    value.map_or(0, |v| i64::try_from(v.cents()).unwrap_or(i64::MAX)),
                );
                let credited = actions
                    .iter()
                    .rev()
                    .find(|(e, _)| e.action == HistoryAction::CallbackRequested)
                    .or(actions.last())
                    .map(|(_, u)| *u);
                if let Some(user) = credited {
                    counts.add(Counter::Csr(user.clone(), CsrCounter::BookedByScl), 1);
                }
            }
            LeadStatus::NotALead => {
                // The CSR of the last change into `not_a_lead` (later notes keep the status).
                let by = actions
                    .iter()
                    .rev()
                    .find(|(e, _)| {
                        e.to_status == Some(LeadStatus::NotALead)
                            && e.from_status != Some(LeadStatus::NotALead)
                    })
                    .map(|(_, u)| *u);
                if let Some(user) = by {
                    counts.add(Counter::Csr(user.clone(), CsrCounter::NotALead), 1);
                }
            }
            _ => {}
        }
        // Only the names of CSRs the counts mention.
        names.retain(|user, _| actions.iter().any(|(_, u)| *u == user));
        LeadFigures {
            day,
            counts,
            listed: status.is_open().then_some(match listed {
                Tab::Cold => ListedTab::Cold,
                Tab::Open | Tab::Done => ListedTab::Open,
            }),
            names,
        }
    }

    /// This lead's part of the queue counts: one in the tab that lists it (a counted lead in
    /// no open status is Done).
    pub fn queue(&self) -> QueueCounts {
        let one = QueueCounts::default();
        match self.listed {
            Some(ListedTab::Open) => QueueCounts { open: 1, ..one },
            Some(ListedTab::Cold) => QueueCounts { cold: 1, ..one },
            None => QueueCounts { done: 1, ..one },
        }
    }
}

/// What changes in the stored figures when a lead's contribution goes from `before` (none if
/// it was never counted) to `after`: counts to add per day, to the queue, and the names to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiguresDelta {
    pub days: Vec<(ReportDay, Counts)>,
    pub queue: QueueCounts,
    /// Names on `after`'s day (a CSR's latest name wins).
    pub names: BTreeMap<UserId, String>,
}

impl FiguresDelta {
    pub fn between(before: Option<&LeadFigures>, after: &LeadFigures) -> FiguresDelta {
        let mut days: Vec<(ReportDay, Counts)> = Vec::new();
        let mut on = |day: ReportDay, counts: &Counts, sign: i64| match days
            .iter_mut()
            .find(|(d, _)| *d == day)
        {
            Some((_, c)) => c.add_all(counts, sign),
            None => {
                let mut c = Counts::default();
                c.add_all(counts, sign);
                days.push((day, c));
            }
        };
        if let Some(b) = before {
            on(b.day, &b.counts, -1);
        }
        on(after.day, &after.counts, 1);
        days.retain(|(_, c)| !c.is_empty());
        let queue = after.queue() - before.map(LeadFigures::queue).unwrap_or_default();
        let names = match before {
            Some(b) if b.day == after.day => after
                .names
                .iter()
                .filter(|(u, n)| b.names.get(*u) != Some(*n))
                .map(|(u, n)| (u.clone(), n.clone()))
                .collect(),
            _ => after.names.clone(),
        };
        FiguresDelta { days, queue, names }
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.queue.is_zero() && self.names.is_empty()
    }
}
