//! `GET /reports/summary` and its CSV: the figures of a period, from the figures of its days.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Serialize, Serializer};

use super::{Counter, Counts, CsrCounter, ReportDay, ReportNow, ReportRange};
use crate::status::LeadStatus;
use crate::UserId;

/// An amount in cents written as `1234.50` (a sum of job values may exceed any one job's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cents(pub i64);

impl std::fmt::Display for Cents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let c = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", c / 100, c % 100)
    }
}

impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Median and 90th percentile of the minutes from flagging to the first CSR action, over the
/// reviewed leads; null when there are none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FirstActionMinutes {
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

impl FirstActionMinutes {
    /// From a histogram of whole minutes: the median (the mean of the two middle values when
    /// there is an even number) and the nearest-rank 90th percentile.
    fn of(histogram: &BTreeMap<u32, i64>) -> FirstActionMinutes {
        let n: i64 = histogram.values().filter(|c| **c > 0).sum();
        if n == 0 {
            return FirstActionMinutes {
                median: None,
                p90: None,
            };
        }
        // The value at 1-based rank `r`.
        let at = |r: i64| -> f64 {
            let mut seen = 0;
            for (m, c) in histogram {
                seen += (*c).max(0);
                if seen >= r {
                    return f64::from(*m);
                }
            }
            0.0
        };
        let median = if n % 2 == 1 {
            at(n / 2 + 1)
        } else {
            (at(n / 2) + at(n / 2 + 1)) / 2.0
        };
        // ceil(0.9 n) in integers.
        let p90 = at((9 * n + 9) / 10);
        FirstActionMinutes {
            median: Some(median),
            p90: Some(p90),
        }
    }
}

/// One CSR's figures over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CsrRow {
    pub user_id: UserId,
    pub name: Option<String>,
    pub actions: i64,
    pub called_back: i64,
    pub booked_by_scl: i64,
    pub not_a_lead: i64,
}

/// One day's figures. The JSON's `by_day` has the day, `flagged` and `booked_by_scl` (the
/// contract's; a year of them is most of the answer), the CSV every count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    pub day: ReportDay,
    pub flagged: i64,
    #[serde(skip)]
    pub reviewed: i64,
    #[serde(skip)]
    pub called_back: i64,
    pub booked_by_scl: i64,
    #[serde(skip)]
    pub booked_elsewhere: i64,
    #[serde(skip)]
    pub not_a_lead: i64,
    #[serde(skip)]
    pub not_following_up: i64,
    #[serde(skip)]
    pub not_able_to_save: i64,
    #[serde(skip)]
    pub revenue_booked_by_scl: Cents,
    #[serde(skip)]
    pub booked_during_wrap_up: i64,
    #[serde(skip)]
    first_action: BTreeMap<u32, i64>,
}

impl DayRow {
    fn of(day: ReportDay, c: &Counts) -> DayRow {
        let d = |s| c.get(&Counter::Disposition(s));
        DayRow {
            day,
            flagged: c.get(&Counter::Flagged),
            reviewed: c.get(&Counter::Reviewed),
            called_back: c.get(&Counter::CalledBack),
            booked_by_scl: d(LeadStatus::BookedByScl),
            booked_elsewhere: d(LeadStatus::BookedElsewhere),
            not_a_lead: d(LeadStatus::NotALead),
            not_following_up: d(LeadStatus::NotFollowingUp),
            not_able_to_save: d(LeadStatus::NotAbleToSave),
            revenue_booked_by_scl: Cents(c.get(&Counter::RevenueCents)),
            booked_during_wrap_up: c.get(&Counter::BookedDuringWrapUp),
            first_action: c
                .iter()
                .filter_map(|(k, n)| match k {
                    Counter::FirstActionMinutes(m) => Some((*m, n)),
                    _ => None,
                })
                .collect(),
        }
    }

    fn dispositions(&self) -> i64 {
        self.booked_by_scl
            + self.booked_elsewhere
            + self.not_a_lead
            + self.not_following_up
            + self.not_able_to_save
    }

    /// `booked_by_scl / flagged`, to three decimals; null with nothing flagged.
    fn conversion_rate(&self) -> Option<f64> {
        ratio(self.booked_by_scl, self.flagged)
    }

    /// `1 - not_a_lead / dispositions`, to three decimals; null with no final disposition.
    fn detection_precision(&self) -> Option<f64> {
        ratio(self.not_a_lead, self.dispositions()).map(|r| round3(1.0 - r))
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| round3(part as f64 / whole as f64))
}

/// `GET /reports/summary` (docs/api.md, Reports).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub from: ReportDay,
    pub to: ReportDay,
    pub timezone: String,
    pub flagged: i64,
    pub reviewed: i64,
    pub called_back: i64,
    pub booked_by_scl: i64,
    pub booked_elsewhere: i64,
    pub not_a_lead: i64,
    pub not_following_up: i64,
    pub not_able_to_save: i64,
    pub open_now: i64,
    pub cold_now: i64,
    pub conversion_rate: Option<f64>,
    pub detection_precision: Option<f64>,
    pub minutes_to_first_action: FirstActionMinutes,
    pub revenue_booked_by_scl: Cents,
    /// Calls kept out of the queue because their job was booked during the wrap-up.
    pub booked_during_wrap_up: i64,
    pub by_csr: Vec<CsrRow>,
    pub by_day: Vec<DayRow>,
    /// The period's counts as one row (the CSV's `total`).
    #[serde(skip)]
    total: DayRow,
}

impl Summary {
    /// The period's figures from its days' counts (days without any count zero), and the
    /// queue and CSRs' names as they are now.
    pub fn build(
        range: ReportRange,
        timezone: &str,
        days: &[(ReportDay, Counts)],
        now: &ReportNow,
    ) -> Summary {
        let stored: BTreeMap<ReportDay, &Counts> = days
            .iter()
            .filter(|(d, _)| *d >= range.from && *d <= range.to)
            .map(|(d, f)| (*d, f))
            .collect();
        let mut total = Counts::default();
        let by_day: Vec<DayRow> = range
            .days()
            .map(|day| match stored.get(&day) {
                Some(counts) => {
                    total.add_all(counts, 1);
                    DayRow::of(day, counts)
                }
                None => DayRow::of(day, &Counts::default()),
            })
            .collect();
        let all = DayRow::of(range.to, &total);

        let mut csrs: BTreeMap<UserId, CsrRow> = BTreeMap::new();
        for (counter, n) in total.iter() {
            if let Counter::Csr(user, c) = counter {
                let row = csrs.entry(user.clone()).or_insert_with(|| CsrRow {
                    user_id: user.clone(),
                    name: now.names.get(user).cloned(),
                    actions: 0,
                    called_back: 0,
                    booked_by_scl: 0,
                    not_a_lead: 0,
                });
                match c {
                    CsrCounter::Actions => row.actions += n,
                    CsrCounter::CalledBack => row.called_back += n,
                    CsrCounter::BookedByScl => row.booked_by_scl += n,
                    CsrCounter::NotALead => row.not_a_lead += n,
                }
            }
        }
        let mut by_csr: Vec<CsrRow> = csrs.into_values().collect();
        // The busiest first; ties by user id, so the order is stable.
        by_csr.sort_by(|a, b| b.actions.cmp(&a.actions).then(a.user_id.cmp(&b.user_id)));

        Summary {
            from: range.from,
            to: range.to,
            timezone: timezone.to_owned(),
            flagged: all.flagged,
            reviewed: all.reviewed,
            called_back: all.called_back,
            booked_by_scl: all.booked_by_scl,
            booked_elsewhere: all.booked_elsewhere,
            not_a_lead: all.not_a_lead,
            not_following_up: all.not_following_up,
            not_able_to_save: all.not_able_to_save,
            open_now: now.queue.open,
            cold_now: now.queue.cold,
            conversion_rate: all.conversion_rate(),
            detection_precision: all.detection_precision(),
            minutes_to_first_action: FirstActionMinutes::of(&all.first_action),
            revenue_booked_by_scl: all.revenue_booked_by_scl,
            booked_during_wrap_up: all.booked_during_wrap_up,
            by_csr,
            by_day,
            total: all,
        }
    }

    /// The same figures as CSV (RFC 4180, CRLF line ends): a header, one `day` row per day,
    /// a `total` row for the period (with the rates, minutes to first action and the queue
    /// now), then one `csr` row per CSR.
    pub fn to_csv(&self) -> String {
        const HEADER: &str = "row,day,user_id,name,flagged,reviewed,called_back,booked_by_scl,booked_elsewhere,not_a_lead,not_following_up,not_able_to_save,revenue_booked_by_scl,conversion_rate,detection_precision,minutes_to_first_action_median,minutes_to_first_action_p90,actions,open_now,cold_now,booked_during_wrap_up";
        let mut out = String::with_capacity(128 * (self.by_day.len() + self.by_csr.len() + 2));
        out.push_str(HEADER);
        out.push_str("\r\n");
        let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        let counts_row = |out: &mut String, kind: &str, day: &str, r: &DayRow| {
            let m = FirstActionMinutes::of(&r.first_action);
            let _ = write!(
                out,
                "{kind},{day},,,{},{},{},{},{},{},{},{},{},{},{},{},{},",
                r.flagged,
                r.reviewed,
                r.called_back,
                r.booked_by_scl,
                r.booked_elsewhere,
                r.not_a_lead,
                r.not_following_up,
                r.not_able_to_save,
                r.revenue_booked_by_scl,
                num(r.conversion_rate()),
                num(r.detection_precision()),
                num(m.median),
                num(m.p90),
            );
        };
        for r in &self.by_day {
            counts_row(&mut out, "day", &r.day.to_string(), r);
            let _ = write!(out, ",,,{}\r\n", r.booked_during_wrap_up);
        }
        counts_row(&mut out, "total", "", &self.total);
        let _ = write!(
            out,
            ",{},{},{}\r\n",
            self.open_now, self.cold_now, self.total.booked_during_wrap_up
        );
        for c in &self.by_csr {
            let _ = write!(
                out,
                "csr,,{},{},,,{},{},,{},,,,,,,,{},,,\r\n",
                csv_field(c.user_id.as_str()),
                csv_field(c.name.as_deref().unwrap_or("")),
                c.called_back,
                c.booked_by_scl,
                c.not_a_lead,
                c.actions,
            );
        }
        out
    }
}

/// A text field for CSV: quoted when it holds a comma, quote or line break; a leading `=`,
/// `+`, `-` or `@` is prefixed with `'` so a spreadsheet shows it rather than running it.
fn csv_field(raw: &str) -> String {
    let text = match raw.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{raw}"),
        _ => raw.to_owned(),
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
