use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::figures::ListedTab;
use super::*;
use crate::lead::{Actor, Booking, HistoryAction, HistoryEntry, Lead};
use crate::sample::sample_lead;
use crate::{JobId, Money, Tab};

fn day(s: &str) -> ReportDay {
    ReportDay::parse("day", s).unwrap()
}

fn user(u: &str) -> UserId {
    UserId::parse("sub", u).unwrap()
}

/// The request's `from` and `to` (the edge has already refused other and repeated parameters).
fn query(q: &[(&str, &str)]) -> Result<ReportQuery, FieldError> {
    let given = |name: &str| q.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    ReportQuery::parse(given("from"), given("to"))
}

#[test]
fn days_are_exactly_iso_dates() {
    assert_eq!(day("2026-11-01").to_string(), "2026-11-01");
    for bad in [
        "2026-11-1",
        "2026-13-01",
        "2026-02-30",
        "26-11-01",
        "2026/11/01",
        "",
        "2026-11-01T00:00:00Z",
        " 2026-11-01",
    ] {
        let e = ReportDay::parse("from", bad).unwrap_err();
        assert_eq!(e.field, "from", "{bad}");
    }
}

#[test]
fn a_period_defaults_to_the_last_30_days_and_is_checked() {
    let today = day("2026-11-30");
    let r = query(&[]).unwrap().range(today).unwrap();
    assert_eq!((r.from, r.to), (day("2026-11-01"), today));
    assert_eq!(r.days().count(), 30);
    let r = query(&[("from", "2026-11-10")])
        .unwrap()
        .range(today)
        .unwrap();
    assert_eq!((r.from, r.to), (day("2026-11-10"), today));
    let r = query(&[("to", "2026-01-31")])
        .unwrap()
        .range(today)
        .unwrap();
    assert_eq!((r.from, r.to), (day("2026-01-02"), day("2026-01-31")));
    // A leap year's 366 days pass, one more does not.
    let r = query(&[("from", "2028-01-01"), ("to", "2028-12-31")])
        .unwrap()
        .range(today)
        .unwrap();
    assert_eq!(r.days().count(), 366);
    let e = query(&[("from", "2027-12-31"), ("to", "2028-12-31")]).unwrap_err();
    assert_eq!(e.field, "from");
    assert!(e.message.contains("366"), "{}", e.message);
    let e = query(&[("from", "2026-11-02"), ("to", "2026-11-01")]).unwrap_err();
    assert_eq!(e.field, "from");
    // With one end, the other is defaulted and the period checked against it.
    let e = query(&[("from", "2025-11-29")])
        .unwrap()
        .range(today)
        .unwrap_err();
    assert_eq!(e.field, "from");
    assert!(query(&[("from", "2025-11-30")])
        .unwrap()
        .range(today)
        .is_ok());
    assert_eq!(query(&[("to", "yesterday")]).unwrap_err().field, "to");
}

#[test]
fn counter_keys_round_trip_and_unknown_ones_are_refused() {
    let all = [
        Counter::Flagged,
        Counter::Reviewed,
        Counter::CalledBack,
        Counter::Disposition(LeadStatus::NotALead),
        Counter::RevenueCents,
        Counter::FirstActionMinutes(42),
        Counter::Csr(user("auth0:u.7@x"), CsrCounter::Actions),
        Counter::Csr(user("u-7"), CsrCounter::NotALead),
    ];
    for c in all {
        assert_eq!(Counter::from_key(&c.key()), Some(c.clone()), "{}", c.key());
    }
    for bad in [
        "",
        "status/new",
        "status/nope",
        "csr_actions/",
        "first_action_minutes/x",
        "flagged/1",
        "open",
    ] {
        assert_eq!(Counter::from_key(bad), None, "{bad}");
    }
}

fn at(lead: &Lead, minutes: i64) -> DateTime<Utc> {
    lead.flagged_at() + Duration::minutes(minutes)
}

fn entry(
    lead: &Lead,
    minutes: i64,
    by: &str,
    action: HistoryAction,
    to: Option<LeadStatus>,
) -> HistoryEntry {
    HistoryEntry {
        at: at(lead, minutes),
        actor_id: if by == "system" {
            Actor::System
        } else {
            Actor::User(user(by))
        },
        actor_name: (by != "system").then(|| format!("Name of {by}")),
        action,
        from_status: None,
        to_status: to,
        reason: None,
        note: None,
    }
}

#[test]
fn minutes_to_a_first_action_are_exact_for_two_hours_then_coarser_and_few() {
    assert_eq!(minutes_bucket(0), 0);
    assert_eq!(minutes_bucket(119), 119);
    assert_eq!(minutes_bucket(124), 120);
    assert_eq!(minutes_bucket(1_439), 1_435);
    assert_eq!(minutes_bucket(1_519), 1_500);
    assert_eq!(minutes_bucket(10_079), 10_020);
    assert_eq!(minutes_bucket(43_259), 43_200);
    let distinct: std::collections::BTreeSet<u32> =
        (0..60 * 24 * 365).map(minutes_bucket).collect();
    assert!(distinct.len() < 900, "a year of delays: {}", distinct.len());
}

#[test]
fn an_untouched_lead_is_flagged_and_open_and_nothing_else() {
    let lead = sample_lead("512-555-0100");
    let created = entry(
        &lead,
        0,
        "system",
        HistoryAction::Created,
        Some(LeadStatus::New),
    );
    let f = LeadFigures::of(&lead, &[created], Tab::Open, day("2026-11-01"));
    assert_eq!(f.counts, [(Counter::Flagged, 1)].into_iter().collect());
    assert_eq!(
        f.queue(),
        QueueCounts {
            open: 1,
            cold: 0,
            done: 0
        }
    );
    let cold = LeadFigures::of(&lead, &[], Tab::Cold, day("2026-11-01"));
    assert_eq!(cold.listed, Some(ListedTab::Cold));
}

#[test]
fn a_lead_booked_by_scl_credits_the_last_csr_to_call_back_and_counts_its_value() {
    let mut lead = sample_lead("512-555-0100");
    let h = vec![
        entry(
            &lead,
            0,
            "system",
            HistoryAction::Created,
            Some(LeadStatus::New),
        ),
        entry(
            &lead,
            42,
            "u-1",
            HistoryAction::NoteAdded,
            Some(LeadStatus::New),
        ),
        entry(
            &lead,
            50,
            "u-1",
            HistoryAction::CallbackRequested,
            Some(LeadStatus::CallBackAttempted),
        ),
        entry(
            &lead,
            70,
            "u-2",
            HistoryAction::CallbackRequested,
            Some(LeadStatus::CallBackAttempted),
        ),
        entry(
            &lead,
            80,
            "u-1",
            HistoryAction::CallbackRequested,
            Some(LeadStatus::CallBackAttempted),
        ),
        entry(
            &lead,
            90,
            "u-3",
            HistoryAction::NoteAdded,
            Some(LeadStatus::CallBackAttempted),
        ),
        entry(
            &lead,
            95,
            "system",
            HistoryAction::Booked,
            Some(LeadStatus::BookedByScl),
        ),
    ];
    lead.status = LeadStatus::BookedByScl;
    lead.booking = Some(Booking {
        job_id: JobId::parse("job_id", "j-1").unwrap(),
        booked_at: at(&lead, 95),
        booked_by: None,
        via_scl: true,
        job_value: Some(Money::parse("1450.50").unwrap()),
    });
    let f = LeadFigures::of(&lead, &h, Tab::Done, day("2026-11-01"));
    let csr = |u: &str, c| Counter::Csr(user(u), c);
    let expected: Counts = [
        (Counter::Flagged, 1),
        (Counter::Reviewed, 1),
        (Counter::CalledBack, 1),
        (Counter::Disposition(LeadStatus::BookedByScl), 1),
        (Counter::RevenueCents, 145_050),
        (Counter::FirstActionMinutes(42), 1),
        (csr("u-1", CsrCounter::Actions), 3),
        (csr("u-1", CsrCounter::CalledBack), 1),
        (csr("u-1", CsrCounter::BookedByScl), 1),
        (csr("u-2", CsrCounter::Actions), 1),
        (csr("u-2", CsrCounter::CalledBack), 1),
        (csr("u-3", CsrCounter::Actions), 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(f.counts, expected);
    assert_eq!(f.listed, None, "a Done lead is not in the queue");
    assert_eq!(f.names.len(), 3);
    assert_eq!(f.names[&user("u-2")], "Name of u-2");
}

#[test]
fn a_dismissal_reopened_counts_in_the_current_status_only_and_credits_who_set_not_a_lead() {
    let mut lead = sample_lead("512-555-0100");
    let dismissed = HistoryEntry {
        from_status: Some(LeadStatus::New),
        ..entry(
            &lead,
            5,
            "u-1",
            HistoryAction::Dismissed,
            Some(LeadStatus::NotALead),
        )
    };
    let note = HistoryEntry {
        from_status: Some(LeadStatus::NotALead),
        ..entry(
            &lead,
            6,
            "u-2",
            HistoryAction::NoteAdded,
            Some(LeadStatus::NotALead),
        )
    };
    lead.status = LeadStatus::NotALead;
    let dismissed_figures = LeadFigures::of(
        &lead,
        &[dismissed.clone(), note.clone()],
        Tab::Done,
        day("2026-11-01"),
    );
    assert_eq!(
        dismissed_figures
            .counts
            .get(&Counter::Disposition(LeadStatus::NotALead)),
        1
    );
    assert_eq!(
        dismissed_figures
            .counts
            .get(&Counter::Csr(user("u-1"), CsrCounter::NotALead)),
        1
    );
    assert_eq!(
        dismissed_figures
            .counts
            .get(&Counter::Csr(user("u-2"), CsrCounter::NotALead)),
        0
    );
    assert_eq!(
        dismissed_figures
            .counts
            .get(&Counter::FirstActionMinutes(5)),
        1
    );

    // Reopened: the lead counts in `new` (open), no longer as not a lead; still reviewed once.
    let reopened_entry = HistoryEntry {
        from_status: Some(LeadStatus::NotALead),
        ..entry(
            &lead,
            9,
            "u-2",
            HistoryAction::StatusChanged,
            Some(LeadStatus::New),
        )
    };
    lead.status = LeadStatus::New;
    let reopened = LeadFigures::of(
        &lead,
        &[reopened_entry, note, dismissed],
        Tab::Open,
        day("2026-11-01"),
    );
    let delta = FiguresDelta::between(Some(&dismissed_figures), &reopened);
    // From Done back to Open.
    assert_eq!(
        delta.queue,
        QueueCounts {
            open: 1,
            cold: 0,
            done: -1
        }
    );
    let (d, counts) = &delta.days[0];
    assert_eq!(*d, day("2026-11-01"));
    assert_eq!(counts.get(&Counter::Disposition(LeadStatus::NotALead)), -1);
    assert_eq!(
        counts.get(&Counter::Reviewed),
        0,
        "reviewed counts leads, not clicks"
    );
    assert_eq!(
        counts.get(&Counter::Csr(user("u-2"), CsrCounter::Actions)),
        1
    );
    assert!(delta.names.is_empty(), "the names were set already");
}

#[test]
fn a_lead_that_never_changes_its_figures_changes_nothing() {
    let lead = sample_lead("512-555-0100");
    let f = LeadFigures::of(&lead, &[], Tab::Open, day("2026-11-01"));
    assert!(FiguresDelta::between(Some(&f), &f).is_empty());
    let first = FiguresDelta::between(None, &f);
    assert_eq!(first.days.len(), 1);
    assert_eq!(first.queue.open, 1);
}

#[test]
fn lead_figures_are_stored_as_plain_keys_and_read_back() {
    let lead = sample_lead("512-555-0100");
    let h = [entry(
        &lead,
        3,
        "u-1",
        HistoryAction::CallbackRequested,
        Some(LeadStatus::CallBackAttempted),
    )];
    let f = LeadFigures::of(&lead, &h, Tab::Open, day("2026-11-01"));
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["counts"]["csr_called_back/u-1"], 1);
    assert_eq!(json["day"], "2026-11-01");
    assert_eq!(serde_json::from_value::<LeadFigures>(json).unwrap(), f);
}

fn day_with(counts: &[(Counter, i64)]) -> Counts {
    counts.iter().cloned().collect()
}

#[test]
fn a_summary_adds_up_its_days_and_derives_the_rates() {
    let range = query(&[("from", "2026-11-01"), ("to", "2026-11-03")])
        .unwrap()
        .range(day("2026-11-30"))
        .unwrap();
    let d = |s| Counter::Disposition(s);
    let days = vec![
        (
            day("2026-11-01"),
            day_with(&[
                (Counter::Flagged, 6),
                (Counter::Reviewed, 4),
                (d(LeadStatus::BookedByScl), 1),
                (d(LeadStatus::NotALead), 1),
                (Counter::RevenueCents, 100_000),
                (Counter::FirstActionMinutes(10), 3),
                (Counter::FirstActionMinutes(100), 1),
                (Counter::Csr(user("u-1"), CsrCounter::Actions), 5),
                (Counter::Csr(user("u-1"), CsrCounter::BookedByScl), 1),
            ]),
        ),
        (
            day("2026-11-03"),
            day_with(&[
                (Counter::Flagged, 4),
                (Counter::Reviewed, 2),
                (d(LeadStatus::BookedByScl), 1),
                (d(LeadStatus::BookedElsewhere), 1),
                (Counter::RevenueCents, 45_050),
                (Counter::FirstActionMinutes(20), 2),
                (Counter::Csr(user("u-2"), CsrCounter::Actions), 7),
                (Counter::Csr(user("u-2"), CsrCounter::NotALead), 1),
                (Counter::BookedDuringWrapUp, 2),
            ]),
        ),
        // Outside the period: ignored.
        (day("2026-11-04"), day_with(&[(Counter::Flagged, 99)])),
    ];
    let now = ReportNow {
        queue: QueueCounts {
            open: 3,
            cold: 2,
            done: 0,
        },
        names: [("u-1", "Sam, \"the closer\""), ("u-2", "=cmd")]
            .into_iter()
            .map(|(u, n)| (user(u), n.to_owned()))
            .collect(),
    };
    let s = Summary::build(range, "America/Chicago", &days, &now);
    assert_eq!(
        (
            s.flagged,
            s.reviewed,
            s.booked_by_scl,
            s.booked_elsewhere,
            s.not_a_lead
        ),
        (10, 6, 2, 1, 1)
    );
    assert_eq!(s.conversion_rate, Some(0.2));
    assert_eq!(s.detection_precision, Some(0.75), "1 - 1/4");
    // Minutes 10,10,10,20,20,100: median 15, p90 rank 6 -> 100.
    assert_eq!(s.minutes_to_first_action.median, Some(15.0));
    assert_eq!(s.minutes_to_first_action.p90, Some(100.0));
    assert_eq!(s.revenue_booked_by_scl.to_string(), "1450.50");
    assert_eq!((s.open_now, s.cold_now), (3, 2));
    assert_eq!(s.booked_during_wrap_up, 2);
    assert_eq!(
        s.by_day.len(),
        3,
        "every day of the period, the empty one too"
    );
    assert_eq!(s.by_day[1].flagged, 0);
    assert_eq!(s.by_csr[0].user_id, user("u-2"), "the busiest first");
    assert_eq!(s.by_csr[1].name.as_deref(), Some("Sam, \"the closer\""));

    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["revenue_booked_by_scl"], "1450.50");
    assert_eq!(json["booked_during_wrap_up"], 2);
    assert_eq!(json["by_day"][0]["day"], "2026-11-01");
    assert_eq!(json["by_csr"][0]["not_a_lead"], 1);
    assert!(json.get("total").is_none());

    let csv = s.to_csv();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + 3 + 1 + 2);
    let fields = |l: &str| {
        // Count fields outside quotes.
        let mut quoted = false;
        1 + l
            .chars()
            .filter(|c| {
                if *c == '"' {
                    quoted = !quoted;
                }
                *c == ',' && !quoted
            })
            .count()
    };
    for l in &lines {
        assert_eq!(fields(l), 21, "{l}");
    }
    assert!(
        lines[1].starts_with("day,2026-11-01,,,6,4,0,1,0,1,0,0,1000.00,0.167,0.5,10,100,,,,0"),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[4],
        "total,,,,10,6,0,2,1,1,0,0,1450.50,0.2,0.75,15,100,,3,2,2"
    );
    assert_eq!(
        lines[3],
        "day,2026-11-03,,,4,2,0,1,1,0,0,0,450.50,0.25,1,20,20,,,,2"
    );
    assert_eq!(lines[5], "csr,,u-2,'=cmd,,,0,0,,1,,,,,,,,7,,,");
    assert_eq!(
        lines[6],
        "csr,,u-1,\"Sam, \"\"the closer\"\"\",,,0,1,,0,,,,,,,,5,,,"
    );
}

#[test]
fn an_empty_period_has_no_rates_and_no_minutes() {
    let range = query(&[]).unwrap().range(day("2026-11-30")).unwrap();
    let s = Summary::build(range, "UTC", &[], &ReportNow::default());
    assert_eq!((s.conversion_rate, s.detection_precision), (None, None));
    assert_eq!(s.minutes_to_first_action.median, None);
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["conversion_rate"].is_null());
    assert_eq!(json["revenue_booked_by_scl"], "0.00");
}

fn arb_history(lead: Lead) -> impl Strategy<Value = (Lead, Vec<HistoryEntry>, Tab)> {
    let statuses = prop::sample::select(LeadStatus::ALL.to_vec());
    let actions = prop::sample::select(vec![
        HistoryAction::NoteAdded,
        HistoryAction::Dismissed,
        HistoryAction::CallbackRequested,
        HistoryAction::StatusChanged,
        HistoryAction::Booked,
    ]);
    let users = prop::sample::select(vec!["u-1", "u-2", "u-3", "system"]);
    (
        statuses,
        prop::collection::vec(
            (
                0i64..10_000,
                users,
                actions,
                prop::option::of(prop::sample::select(LeadStatus::ALL.to_vec())),
            ),
            0..8,
        ),
        any::<bool>(),
        prop::option::of(0u64..=1_000_000_000),
    )
        .prop_map(move |(status, raw, cold, value)| {
            let mut lead = lead.clone();
            lead.status = status;
            lead.booking = value.map(|cents| Booking {
                job_id: JobId::parse("job_id", "j").unwrap(),
                booked_at: lead.created_at,
                booked_by: None,
                via_scl: true,
                job_value: Money::from_cents(cents),
            });
            let h = raw
                .into_iter()
                .map(|(m, u, a, to)| entry(&lead, m, u, a, to))
                .collect();
            let tab = if !status.is_open() {
                Tab::Done
            } else if cold {
                Tab::Cold
            } else {
                Tab::Open
            };
            (lead, h, tab)
        })
}

proptest! {
    /// However a lead's figures move, adding each step's difference leaves exactly its latest
    /// figures: nothing counted twice, nothing lost, whatever the order of its states.
    #[test]
    fn the_differences_of_any_sequence_of_states_add_up_to_the_last(
        states in prop::collection::vec(arb_history(sample_lead("512-555-0100")), 1..6),
        days in prop::collection::vec(prop::sample::select(vec!["2026-11-01", "2026-11-02"]), 6),
    ) {
        let mut stored: std::collections::BTreeMap<ReportDay, Counts> = Default::default();
        let mut queue = QueueCounts::default();
        let mut before: Option<LeadFigures> = None;
        let mut last = None;
        for (i, (lead, h, tab)) in states.iter().enumerate() {
            let f = LeadFigures::of(lead, h, *tab, day(days[i]));
            let delta = FiguresDelta::between(before.as_ref(), &f);
            for (d, c) in &delta.days {
                stored.entry(*d).or_default().add_all(c, 1);
            }
            queue += delta.queue;
            before = Some(f.clone());
            last = Some(f);
        }
        let last = last.unwrap();
        stored.retain(|_, c| !c.is_empty());
        let expected: std::collections::BTreeMap<ReportDay, Counts> =
            [(last.day, last.counts.clone())].into_iter().collect();
        prop_assert_eq!(stored, expected);
        prop_assert_eq!(queue, last.queue());
        // Every figure of a lead is 0 or 1 except clicks, minutes and money.
        for (c, n) in last.counts.iter() {
            match c {
                Counter::RevenueCents | Counter::Csr(_, CsrCounter::Actions) => prop_assert!(n >= 0),
                _ => prop_assert_eq!(n, 1),
            }
        }
    }
}
