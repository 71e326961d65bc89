//! Every outcome of the decision, from a table of what is known; and what each plan writes.

use chrono::Duration;
use serde_json::{json, Value};

use super::*;
use crate::sample::{qualifying_call, sample_lead};
use crate::settings::AfterCallWork;

const PHONE: &str = "+15125550100";

fn call(patch: Value) -> CallCompleted {
    qualifying_call("c-2", patch)
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
}

fn settings(enabled: bool, wrap_up_minutes: u32) -> TenantSettings {
    TenantSettings {
        enabled,
        after_call_work_minutes: AfterCallWork::new(wrap_up_minutes).unwrap(),
        ..TenantSettings::default()
    }
}

/// The number's open lead, made by an earlier call (an hour before this one).
fn open_lead() -> Lead {
    let mut lead = sample_lead(PHONE);
    lead.call.started_at = at("2026-11-24T14:00:00Z");
    lead.call.ended_at = at("2026-11-24T14:03:00Z");
    lead
}

/// A step, reduced to what a table can compare.
#[derive(Debug, PartialEq)]
enum Next {
    Settle,
    ReadBookings(DateTime<Utc>, DateTime<Utc>),
    ReadCaller,
    SettledAsBooked,
    TurnedOff,
    NotALead(String),
    BookedDuringWrapUp,
    Wait(DateTime<Utc>),
    NearMiss,
    Create,
    Attach,
}

fn next(step: &Step) -> Next {
    match step {
        Step::SettleWaiting(_) => Next::Settle,
        Step::ReadBookings { since, until } => Next::ReadBookings(*since, *until),
        Step::ReadCaller => Next::ReadCaller,
        Step::SettledAsBooked => Next::SettledAsBooked,
        Step::Write(plan) => match &**plan {
            Plan::TurnedOff(_) => Next::TurnedOff,
            Plan::NotALead(d) => Next::NotALead(d.reasons.join("; ")),
            Plan::BookedDuringWrapUp(_) => Next::BookedDuringWrapUp,
            Plan::Wait(p) => Next::Wait(p.decide_at),
            Plan::NearMiss(_) => Next::NearMiss,
            Plan::Create(_) => Next::Create,
            Plan::Attach { .. } => Next::Attach,
        },
    }
}

/// What is known in one row of the table.
struct Row {
    name: &'static str,
    patch: Value,
    enabled: bool,
    wrap_up: u32,
    arrival: Arrival,
    now: &'static str,
    settled: Option<bool>,
    booked: Option<bool>,
    caller: Option<Option<Lead>>,
    expect: Next,
}

fn row(name: &'static str, expect: Next) -> Row {
    Row {
        name,
        patch: json!({}),
        enabled: true,
        wrap_up: 5,
        arrival: Arrival::Event,
        now: "2026-11-24T15:05:00Z",
        settled: None,
        booked: None,
        caller: None,
        expect,
    }
}

fn step_of(r: &Row) -> Step {
    let call = call(r.patch.clone());
    let settings = settings(r.enabled, r.wrap_up);
    let adjustment = Adjustment::default();
    let mut known = Known::new(
        &call,
        &settings,
        &adjustment,
        r.arrival,
        at(r.now),
        LeadId::generate(),
    );
    known.settled_waiting = r.settled;
    known.booked_in_wrap_up = r.booked;
    known.caller = r.caller.clone().map(|open| CallerLead {
        claim: match &open {
            Some(lead) => PhoneClaim::Lead(lead.id),
            None => PhoneClaim::Unclaimed,
        },
        open,
    });
    decide(&known)
}

#[test]
fn every_outcome_of_the_decision() {
    let booked = json!({"outcome": "booked"});
    let started = at("2026-11-24T15:00:00Z");
    let wrap_up_ends = at("2026-11-24T15:09:12Z");
    let rows = [
        Row {
            enabled: false,
            ..row("turned off: recorded, whatever the call", Next::TurnedOff)
        },
        Row {
            enabled: false,
            patch: booked.clone(),
            ..row("turned off wins over a re-sent booking", Next::TurnedOff)
        },
        Row {
            patch: booked.clone(),
            ..row(
                "re-sent as booked: settle a waiting copy first",
                Next::Settle,
            )
        },
        Row {
            patch: booked.clone(),
            settled: Some(true),
            ..row(
                "re-sent as booked, and a copy was waiting",
                Next::SettledAsBooked,
            )
        },
        Row {
            patch: booked.clone(),
            settled: Some(false),
            ..row(
                "re-sent as booked, nothing waiting: the booked gate",
                Next::NotALead("a job was booked on the call".into()),
            )
        },
        Row {
            patch: booked,
            arrival: Arrival::Due,
            ..row(
                "a due call is never settled as re-sent",
                Next::NotALead("a job was booked on the call".into()),
            )
        },
        Row {
            patch: json!({"direction": "outbound"}),
            ..row("outbound", Next::NotALead("outbound call".into()))
        },
        Row {
            patch: json!({"duration_seconds": 20}),
            ..row(
                "too short",
                Next::NotALead("call lasted 20s, under the 60s minimum".into()),
            )
        },
        Row {
            patch: json!({"transcript": [
                {"speaker": "agent", "start_ms": 0, "text": "Thanks for calling."},
                {"speaker": "customer", "start_ms": 2000, "text": "Hi, I'm just checking when my technician is coming, the appointment was at two."}
            ]}),
            ..row("scored under the threshold", Next::NearMiss)
        },
        row(
            "a lead inside its wrap-up waits for it",
            Next::Wait(wrap_up_ends),
        ),
        Row {
            now: "2026-11-24T15:30:00Z",
            ..row(
                "a late event: was a job booked during the wrap-up that ended?",
                Next::ReadBookings(started, wrap_up_ends),
            )
        },
        Row {
            arrival: Arrival::Due,
            now: "2026-11-24T15:09:40Z",
            ..row(
                "a due call: was a job booked from its start until now?",
                Next::ReadBookings(started, at("2026-11-24T15:09:40Z")),
            )
        },
        Row {
            arrival: Arrival::Due,
            booked: Some(true),
            ..row("booked during the wrap-up", Next::BookedDuringWrapUp)
        },
        Row {
            arrival: Arrival::Due,
            booked: Some(false),
            ..row("not booked: whose lead is it?", Next::ReadCaller)
        },
        Row {
            wrap_up: 0,
            ..row("no wrap-up: no wait, no bookings read", Next::ReadCaller)
        },
        Row {
            wrap_up: 0,
            caller: Some(None),
            ..row("a new caller: a new lead", Next::Create)
        },
        Row {
            wrap_up: 0,
            caller: Some(Some(open_lead())),
            ..row("the caller's open lead takes the call", Next::Attach)
        },
    ];
    for r in &rows {
        assert_eq!(next(&step_of(r)), r.expect, "{}", r.name);
    }
}

/// The plan a lead call ends with, no wrap-up, after the reads it asks for.
fn placed(caller: Option<Lead>, claim: PhoneClaim, patch: Value) -> (Plan, LeadId) {
    let call = call(patch);
    let settings = settings(true, 0);
    let adjustment = Adjustment::default();
    let id = LeadId::generate();
    let now = at("2026-11-24T15:05:00Z");
    let mut known = Known::new(&call, &settings, &adjustment, Arrival::Event, now, id);
    known.caller = Some(CallerLead {
        open: caller,
        claim,
    });
    match decide(&known) {
        Step::Write(plan) => (*plan, id),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_new_lead_is_written_with_its_history_decision_event_and_claim() {
    let (plan, id) = placed(None, PhoneClaim::Unclaimed, json!({}));
    let Plan::Create(w) = plan else {
        panic!("{plan:?}")
    };
    assert_eq!(w.lead.id, id);
    assert_eq!(w.lead.status, LeadStatus::New);
    assert_eq!(w.lead.customer.name.as_deref(), Some("Dana Reyes"));
    assert_eq!(w.history.action, HistoryAction::Created);
    assert_eq!(w.decision.decision, DecisionKind::LeadCreated);
    assert_eq!(w.decision.lead_id, Some(id));
    assert_eq!(w.decision.score, Some(w.lead.detection.score));
    assert_eq!(w.events.len(), 1, "LeadCreated, in the outbox");
    assert_eq!(w.claim, Some(PhoneClaim::Unclaimed));
    assert_eq!(w.transcript.len(), 3);
}

#[test]
fn an_attached_call_updates_the_lead_on_the_version_it_read() {
    let mut lead = open_lead();
    lead.customer.name = None;
    let (old_version, old_count) = (lead.version, lead.calls_count);
    let (plan, _) = placed(Some(lead.clone()), PhoneClaim::Lead(lead.id), json!({}));
    let Plan::Attach {
        write: w,
        expected_version,
    } = plan
    else {
        panic!("{plan:?}")
    };
    assert_eq!(expected_version, old_version);
    assert_eq!(w.lead.version, old_version + 1);
    assert_eq!(w.lead.calls_count, old_count + 1);
    assert_eq!(w.lead.call.call_id.as_str(), "c-2", "shows its newest call");
    assert_eq!(
        w.lead.customer.name.as_deref(),
        Some("Dana Reyes"),
        "filled in"
    );
    assert_eq!(w.history.action, HistoryAction::CallAttached);
    assert_eq!(w.decision.decision, DecisionKind::AttachedToLead);
    assert!(w.events.is_empty());
    assert_eq!(w.claim, None, "the lead already holds the number's claim");
    // A lead found without a claim (from before claims) takes it now.
    let (plan, _) = placed(Some(lead.clone()), PhoneClaim::Unclaimed, json!({}));
    let Plan::Attach { write: w, .. } = plan else {
        panic!("{plan:?}")
    };
    assert_eq!(w.claim, Some(PhoneClaim::Unclaimed));
}

#[test]
fn an_older_call_delivered_late_only_adds_to_the_count() {
    let mut lead = open_lead();
    lead.call.started_at = at("2026-11-24T16:00:00Z");
    let shown = lead.call.clone();
    let (plan, _) = placed(Some(lead.clone()), PhoneClaim::Lead(lead.id), json!({}));
    let Plan::Attach { write: w, .. } = plan else {
        panic!("{plan:?}")
    };
    assert_eq!(w.lead.call, shown);
    assert_eq!(w.lead.calls_count, lead.calls_count + 1);
    assert_eq!(w.call.call_id.as_str(), "c-2", "its call is still stored");
}

#[test]
fn a_waiting_call_is_kept_whole_until_its_wrap_up_ends() {
    let r = row("", Next::Settle);
    let Step::Write(plan) = step_of(&r) else {
        panic!("waits")
    };
    let Plan::Wait(p) = *plan else {
        panic!("waits")
    };
    assert_eq!(p.call, call(json!({})));
    assert_eq!(p.decide_at - p.call.ended_at, Duration::minutes(5));
}

#[test]
fn a_near_miss_keeps_what_a_lead_would_show() {
    let c = call(json!({"transcript": [
        {"speaker": "customer", "start_ms": 2000, "text": "Hi, I'm just checking when my technician is coming, the appointment was at two."}
    ]}));
    let (s, adjustment) = (settings(true, 5), Adjustment::default());
    let now = at("2026-11-24T15:05:00Z");
    let known = Known::new(&c, &s, &adjustment, Arrival::Event, now, LeadId::generate());
    let Step::Write(plan) = decide(&known) else {
        panic!("a near miss")
    };
    let Plan::NearMiss(w) = *plan else {
        panic!("a near miss")
    };
    let kept = &w.near_miss.qualified;
    assert_eq!(kept.customer.name.as_deref(), Some("Dana Reyes"));
    assert_eq!(kept.call.call_id.as_str(), "c-2");
    assert!(
        kept.summary_is_generated,
        "none sent: made from the transcript"
    );
    assert!(!kept.summary.is_empty());
    assert_eq!(w.transcript, c.transcript);
    assert_eq!(w.decision.decision, DecisionKind::NearMiss);
    assert_eq!(w.decision.score, Some(kept.detection.score));
    assert_eq!(w.near_miss.decided_at, now);
}
