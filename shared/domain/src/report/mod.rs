//! Reports (docs/api.md, Reports): what each lead contributes to its business's figures
//! (`figures`), and the summary of a period built from the figures of its days (`summary`).
//!
//! Every figure is a count kept per day: a lead counts on the day it was flagged (its first
//! call's end, in the business's time zone when it was first counted), and all it later
//! becomes — reviewed, called back, booked, dismissed — counts on that same day. A lead's
//! contribution is a pure function of the lead and its history (`LeadFigures::of`), so the
//! table's stream keeps the days' counts by adding the difference between what a lead
//! contributed and what it contributes now, and a rebuild computes the same from scratch.

mod figures;
mod summary;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::status::LeadStatus;
use super::zone::Zone;
use super::UserId;

pub use figures::{minutes_bucket, FiguresDelta, LeadFigures, ListedTab};
pub use summary::{CsrRow, DayRow, FirstActionMinutes, Summary};

/// The most days one report covers.
pub const MAX_REPORT_DAYS: i64 = 366;
/// The days a report covers when the request names neither end.
pub const DEFAULT_REPORT_DAYS: i64 = 30;

/// A calendar day in the business's time zone, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ReportDay(NaiveDate);

impl ReportDay {
    /// Exactly `YYYY-MM-DD`, a real date.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let shaped = raw.len() == 10
            && raw.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        // Read by hand rather than with chrono's format strings, whose parser and formatter
        // are tens of KB of every bootstrap (BENCHMARKS.md, Deployment artifacts).
        let number = |from: usize, to: usize| raw.get(from..to)?.parse::<u32>().ok();
        shaped
            .then(|| NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?))
            .flatten()
            .map(ReportDay)
            .ok_or_else(|| FieldError::new(field, "must be a date, YYYY-MM-DD"))
    }

    /// The day `t` falls on in `zone`.
    pub fn of(t: DateTime<Utc>, zone: &Zone) -> ReportDay {
        ReportDay(t.with_timezone(zone).date_naive())
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }

    /// The day `n` days later (earlier, when negative).
    pub fn plus_days(self, n: i64) -> ReportDay {
        ReportDay(self.0 + Duration::days(n))
    }
}

impl fmt::Display for ReportDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // NaiveDate's own Display is YYYY-MM-DD for the years a report can cover.
        write!(f, "{}", self.0)
    }
}

impl From<ReportDay> for String {
    fn from(d: ReportDay) -> String {
        d.to_string()
    }
}

impl TryFrom<String> for ReportDay {
    type Error = FieldError;
    fn try_from(raw: String) -> Result<Self, FieldError> {
        ReportDay::parse("day", &raw)
    }
}

/// `GET /reports/summary`'s parameters, read before the business's "today" is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportQuery {
    pub from: Option<ReportDay>,
    pub to: Option<ReportDay>,
}

impl ReportQuery {
    /// The period's ends as the request gives them, either or both absent. With both given,
    /// the period is checked now, before anything is read.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, FieldError> {
        let query = ReportQuery {
            from: from.map(|f| ReportDay::parse("from", f)).transpose()?,
            to: to.map(|t| ReportDay::parse("to", t)).transpose()?,
        };
        if let (Some(_), Some(to)) = (query.from, query.to) {
            query.range(to)?;
        }
        Ok(query)
    }

    /// The period when the request names both ends (it was checked when parsed): no need to
    /// know what today is.
    pub fn named_range(self) -> Option<ReportRange> {
        match (self.from, self.to) {
            (Some(from), Some(to)) => Some(ReportRange { from, to }),
            _ => None,
        }
    }

    /// The period, with `today` in the business's zone: `to` defaults to today and `from` to
    /// the 30 days ending at `to`; at most 366 days, `from` not after `to`.
    pub fn range(self, today: ReportDay) -> Result<ReportRange, FieldError> {
        let to = self.to.unwrap_or(today);
        let from = self
            .from
            .unwrap_or_else(|| to.plus_days(1 - DEFAULT_REPORT_DAYS));
        if from > to {
            return Err(FieldError::new(
                "from",
                format!("must not be after to ({to})"),
            ));
        }
        let days = (to.0 - from.0).num_days() + 1;
        if days > MAX_REPORT_DAYS {
            // Name the end the caller chose (the other was defaulted from it).
            let field = if self.from.is_some() { "from" } else { "to" };
            return Err(FieldError::new(
                field,
                format!("the period must be at most {MAX_REPORT_DAYS} days (from {from} to {to} is {days})"),
            ));
        }
        Ok(ReportRange { from, to })
    }
}

/// A period of whole days, `from` to `to` inclusive, at most 366 of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportRange {
    pub from: ReportDay,
    pub to: ReportDay,
}

impl ReportRange {
    pub fn days(self) -> impl Iterator<Item = ReportDay> {
        let n = (self.to.0 - self.from.0).num_days();
        (0..=n).map(move |i| self.from.plus_days(i))
    }
}

/// What a CSR's per-lead figures count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CsrCounter {
    /// Actions taken (notes, dismissals, call-backs, status changes): clicks, not leads.
    Actions,
    /// Leads the CSR requested a call-back for.
    CalledBack,
    /// Leads booked by SCL credited to the CSR (the last to request a call-back).
    BookedByScl,
    /// Leads now `not_a_lead` that the CSR put there.
    NotALead,
}

impl CsrCounter {
    const ALL: [CsrCounter; 4] = [
        CsrCounter::Actions,
        CsrCounter::CalledBack,
        CsrCounter::BookedByScl,
        CsrCounter::NotALead,
    ];

    fn name(self) -> &'static str {
        match self {
            CsrCounter::Actions => "csr_actions",
            CsrCounter::CalledBack => "csr_called_back",
            CsrCounter::BookedByScl => "csr_booked_by_scl",
            CsrCounter::NotALead => "csr_not_a_lead",
        }
    }
}

/// One count a day keeps.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Counter {
    Flagged,
    /// Leads with at least one CSR action.
    Reviewed,
    /// Leads with at least one call-back requested.
    CalledBack,
    /// Leads now in this final status (one of the five Done statuses).
    Disposition(LeadStatus),
    /// The value of the jobs booked by SCL, in cents.
    RevenueCents,
    /// Leads whose first CSR action came this many minutes after they were flagged (as
    /// `figures::minutes_bucket` keeps them).
    FirstActionMinutes(u32),
    Csr(UserId, CsrCounter),
    /// Calls decided `booked_during_wrap_up`: a job booked during the After Call Work Time
    /// kept them from becoming leads (counted on the day they were decided).
    BookedDuringWrapUp,
}

impl Counter {
    /// The counter's stable name (the adapter stores counts under it): `flagged`,
    /// `status/not_a_lead`, `first_action_minutes/42`, `csr_actions/u-7`. User ids never hold
    /// a `/`.
    pub fn key(&self) -> String {
        match self {
            Counter::Flagged => "flagged".into(),
            Counter::Reviewed => "reviewed".into(),
            Counter::CalledBack => "called_back".into(),
            Counter::Disposition(s) => format!("status/{}", s.api_value()),
            Counter::RevenueCents => "revenue_cents".into(),
            Counter::FirstActionMinutes(m) => format!("first_action_minutes/{m}"),
            Counter::Csr(user, c) => format!("{}/{user}", c.name()),
            Counter::BookedDuringWrapUp => "booked_during_wrap_up".into(),
        }
    }

    /// The counter a `key()` names; `None` for any other string.
    pub fn from_key(key: &str) -> Option<Counter> {
        match key.split_once('/') {
            None => match key {
                "flagged" => Some(Counter::Flagged),
                "reviewed" => Some(Counter::Reviewed),
                "called_back" => Some(Counter::CalledBack),
                "revenue_cents" => Some(Counter::RevenueCents),
                "booked_during_wrap_up" => Some(Counter::BookedDuringWrapUp),
                _ => None,
            },
            Some(("status", s)) => LeadStatus::parse("status", s)
                .ok()
                .filter(|s| !s.is_open())
                .map(Counter::Disposition),
            Some(("first_action_minutes", m)) => m.parse().ok().map(Counter::FirstActionMinutes),
            Some((kind, user)) => {
                let c = CsrCounter::ALL.into_iter().find(|c| c.name() == kind)?;
                UserId::parse("user_id", user)
                    .ok()
                    .map(|u| Counter::Csr(u, c))
            }
        }
    }
}

/// Counts by counter; a count of zero is not kept, so equal figures compare equal. Stored as
/// a map from each counter's `key()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "BTreeMap<String, i64>", try_from = "BTreeMap<String, i64>")]
pub struct Counts(BTreeMap<Counter, i64>);

impl From<Counts> for BTreeMap<String, i64> {
    fn from(c: Counts) -> Self {
        c.0.into_iter().map(|(c, n)| (c.key(), n)).collect()
    }
}

impl TryFrom<BTreeMap<String, i64>> for Counts {
    type Error = FieldError;
    fn try_from(m: BTreeMap<String, i64>) -> Result<Self, FieldError> {
        m.into_iter()
            .map(|(k, n)| {
                Counter::from_key(&k)
                    .map(|c| (c, n))
                    .ok_or_else(|| FieldError::new("counts", format!("unknown counter {k}")))
            })
            .collect()
    }
}

impl Counts {
    pub fn get(&self, c: &Counter) -> i64 {
        self.0.get(c).copied().unwrap_or(0)
    }

    pub fn add(&mut self, c: Counter, n: i64) {
        if n == 0 {
            return;
        }
        match self.0.entry(c) {
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let total = slot.get().saturating_add(n);
                if total == 0 {
                    slot.remove();
                } else {
                    slot.insert(total);
                }
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(n);
            }
        }
    }

    /// Adds every count of `other`, times `sign`.
    pub fn add_all(&mut self, other: &Counts, sign: i64) {
        for (c, n) in &other.0 {
            self.add_to(c, n * sign, Counter::clone);
        }
    }

    /// Adds `n` to `c`'s count; `owned` makes the key only when `c` is new (a CSR's counter
    /// holds a user id: a year's report adds up ~25,000 counts).
    fn add_to(&mut self, c: &Counter, n: i64, owned: impl FnOnce(&Counter) -> Counter) {
        if n == 0 {
            return;
        }
        match self.0.get_mut(c) {
            Some(slot) => {
                *slot = slot.saturating_add(n);
                if *slot == 0 {
                    self.0.remove(c);
                }
            }
            None => {
                self.0.insert(owned(c), n);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Counter, i64)> {
        self.0.iter().map(|(c, n)| (c, *n))
    }
}

impl FromIterator<(Counter, i64)> for Counts {
    /// Sorted, repeats added up, zeros dropped, then built in one pass (what a stored day's
    /// counts read back as: already in order).
    fn from_iter<I: IntoIterator<Item = (Counter, i64)>>(iter: I) -> Self {
        let mut entries: Vec<(Counter, i64)> = iter.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut merged: Vec<(Counter, i64)> = Vec::with_capacity(entries.len());
        for (c, n) in entries {
            match merged.last_mut() {
                Some((last, total)) if *last == c => *total = total.saturating_add(n),
                _ => merged.push((c, n)),
            }
        }
        Counts(merged.into_iter().filter(|(_, n)| *n != 0).collect())
    }
}

/// What a report shows as it is now, whatever the period: the queue counts, and the names of
/// the CSRs the figures mention (the latest each signed in with).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportNow {
    pub queue: QueueCounts,
    pub names: BTreeMap<UserId, String>,
}

/// The business's leads as the queue's tabs list them now: Open, Cold and Done (the console's
/// tab counts). A lead whose cold time passed is counted in Cold once the minute's cold sweep
/// has moved it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueCounts {
    pub open: i64,
    pub cold: i64,
    pub done: i64,
}

impl QueueCounts {
    pub fn is_zero(self) -> bool {
        self == QueueCounts::default()
    }
}

impl std::ops::Sub for QueueCounts {
    type Output = QueueCounts;
    fn sub(self, o: QueueCounts) -> QueueCounts {
        QueueCounts {
            open: self.open - o.open,
            cold: self.cold - o.cold,
            done: self.done - o.done,
        }
    }
}

impl std::ops::AddAssign for QueueCounts {
    fn add_assign(&mut self, o: QueueCounts) {
        self.open += o.open;
        self.cold += o.cold;
        self.done += o.done;
    }
}
