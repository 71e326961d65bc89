//! The ingest service over the in-memory store: what each decision writes, and what a
//! redelivery, a wait, a booking and a concurrent writer do to it. The decision's every branch
//! is tested in `scl_domain::call_decision`; these test the reads and writes around it.

use chrono::Duration;
use serde_json::{json, Value};

use super::*;
use crate::memory::{CallMarker, MemoryStore};
use crate::ports::SettingsStore;
use scl_domain::booking::JobBooked;
use scl_domain::call_decision::{BOOKED_DURING_WRAP_UP, RESENT_AS_BOOKED};
use scl_domain::sample::{arrived, qualifying_call, sample_bindings};
use scl_domain::settings::{AfterCallWork, TenantSettings};
use scl_domain::{CallId, PhoneNumber, TenantId};

const PHONE: &str = "+15125550100";

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
}

fn call(id: &str, patch: Value) -> CallCompleted {
    qualifying_call(id, patch)
}

fn tenant() -> TenantId {
    TenantId::parse("tenant_id", "t-1").unwrap()
}

fn call_id(id: &str) -> CallId {
    CallId::parse("call_id", id).unwrap()
}

/// A store whose business has an After Call Work Time of `minutes` and binds the sample
/// sources.
async fn store(minutes: u32) -> MemoryStore {
    let store = MemoryStore::default();
    let settings = TenantSettings {
        after_call_work_minutes: AfterCallWork::new(minutes).unwrap(),
        event_sources: sample_bindings(),
        ..TenantSettings::default()
    };
    store.save_settings(&tenant(), &settings, 0).await.unwrap();
    store
}

/// The call from the sample phone platform, through `ingest_call`, admitted.
async fn ingest(
    store: &MemoryStore,
    call: CallCompleted,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let admitted = ingest_call(store, arrived("phone.platform", call), now).await?;
    Ok(admitted.expect("the sample business binds the sample phone platform"))
}

fn decided(store: &MemoryStore, id: &str) -> CallDecision {
    match store.marker(&tenant(), &call_id(id)) {
        Some(CallMarker::Decided(d)) => d,
        other => panic!("{id} is not decided: {other:?}"),
    }
}

const AFTER: &str = "2026-11-24T15:30:00Z";

#[tokio::test]
async fn a_new_caller_gets_a_lead_that_claims_the_number_once() {
    let store = store(0).await;
    let out = ingest(&store, call("c-1", json!({})), at(AFTER))
        .await
        .unwrap();
    let IngestOutcome::Created { lead_id } = out else {
        panic!("{out:?}")
    };
    let lead = store.lead(&lead_id).unwrap();
    assert_eq!(lead.customer.phone.as_str(), PHONE);
    let phone = PhoneNumber::parse_field("phone", PHONE).unwrap();
    assert_eq!(store.claim(&tenant(), &phone), Some(lead_id));
    assert_eq!(store.calls(&lead_id).len(), 1);
    assert_eq!(store.outbox().len(), 1, "LeadCreated, with the lead");
    assert_eq!(decided(&store, "c-1").lead_id, Some(lead_id));
    // The same event again writes nothing.
    let again = ingest(&store, call("c-1", json!({})), at(AFTER))
        .await
        .unwrap();
    assert_eq!(again, IngestOutcome::Duplicate);
    assert_eq!(store.outbox().len(), 1);
}

#[tokio::test]
async fn another_call_from_the_number_joins_its_open_lead() {
    let store = store(0).await;
    let first = ingest(&store, call("c-1", json!({})), at(AFTER)).await;
    let Ok(IngestOutcome::Created { lead_id }) = first else {
        panic!("{first:?}")
    };
    let later = json!({"started_at": "2026-11-24T16:00:00Z", "ended_at": "2026-11-24T16:04:00Z"});
    let out = ingest(&store, call("c-2", later), at("2026-11-24T16:30:00Z"))
        .await
        .unwrap();
    assert_eq!(
        out,
        IngestOutcome::Attached {
            lead_id,
            calls_count: 2
        }
    );
    let lead = store.lead(&lead_id).unwrap();
    assert_eq!(lead.call.call_id.as_str(), "c-2");
    assert_eq!(store.calls(&lead_id).len(), 2);
    assert_eq!(store.outbox().len(), 1, "no second LeadCreated");
}

#[tokio::test]
async fn a_lead_changed_by_someone_else_meanwhile_is_read_again() {
    let store = store(0).await;
    let first = ingest(&store, call("c-1", json!({})), at(AFTER)).await;
    let Ok(IngestOutcome::Created { lead_id }) = first else {
        panic!("{first:?}")
    };
    // A CSR adds a note while the second call is being decided.
    store.interfere(|lead| lead.summary = "changed by a CSR".into());
    let later = json!({"started_at": "2026-11-24T16:00:00Z", "ended_at": "2026-11-24T16:04:00Z"});
    let out = ingest(&store, call("c-2", later), at("2026-11-24T16:30:00Z"))
        .await
        .unwrap();
    assert!(
        matches!(out, IngestOutcome::Attached { calls_count: 2, .. }),
        "{out:?}"
    );
    assert_eq!(
        store.lead(&lead_id).unwrap().version,
        3,
        "created, changed, attached"
    );
}

#[tokio::test]
async fn a_call_waits_for_its_wrap_up_and_is_decided_on_its_turn() {
    let store = store(5).await;
    let out = ingest(&store, call("c-1", json!({})), at("2026-11-24T15:05:00Z"))
        .await
        .unwrap();
    let decide_at = at("2026-11-24T15:09:12Z");
    assert_eq!(out, IngestOutcome::Pending { decide_at });
    let Some(CallMarker::Waiting(waiting)) = store.marker(&tenant(), &call_id("c-1")) else {
        panic!("waits")
    };
    assert_eq!(waiting.call, call("c-1", json!({})), "kept whole");
    // A redelivery while it waits changes nothing; a turn before it is due leaves it waiting.
    let again = ingest(&store, call("c-1", json!({})), at("2026-11-24T15:06:00Z")).await;
    assert_eq!(again.unwrap(), IngestOutcome::Duplicate);
    let (t, c) = (tenant(), call_id("c-1"));
    let turn = |now| decide_waiting_call(&store, &t, &c, now);
    let early = turn(decide_at - Duration::seconds(1)).await.unwrap();
    assert_eq!(early, Turn::NotDue { decide_at });
    let on_time = turn(decide_at).await.unwrap();
    assert!(
        matches!(on_time, Turn::Decided(IngestOutcome::Created { .. })),
        "{on_time:?}"
    );
    assert!(decided(&store, "c-1").lead_id.is_some(), "a lead");
    // The same turn delivered again, and the sweep after it: decided once.
    assert_eq!(turn(decide_at).await.unwrap(), Turn::AlreadyDecided);
    let swept = decide_due_calls(&store, decide_at + Duration::minutes(5)).await;
    assert_eq!(swept.unwrap().decided, 0, "decided once");
    assert_eq!(store.outbox().len(), 1, "one LeadCreated");
}

#[tokio::test]
async fn the_sweep_decides_a_call_whose_turn_never_came_and_leaves_the_rest_to_their_turns() {
    let store = store(5).await;
    ingest(&store, call("c-1", json!({})), at("2026-11-24T15:05:00Z"))
        .await
        .unwrap();
    let decide_at = at("2026-11-24T15:09:12Z");
    // Due, but its turn on the queue may still be coming: the sweep leaves it.
    let report = decide_due_calls(&store, decide_at + Duration::seconds(30)).await;
    assert_eq!(report.unwrap().decided, 0);
    assert!(store.outbox().is_empty(), "no lead yet");
    let late = decide_at + sweep_after() + Duration::seconds(1);
    let report = decide_due_calls(&store, late).await.unwrap();
    assert_eq!((report.decided, report.failed), (1, 0));
    assert!(decided(&store, "c-1").lead_id.is_some(), "a lead");
    let turn = decide_waiting_call(&store, &tenant(), &call_id("c-1"), late).await;
    assert_eq!(
        turn.unwrap(),
        Turn::AlreadyDecided,
        "the turn after it does nothing"
    );
}

#[tokio::test]
async fn a_job_booked_during_the_wrap_up_means_no_lead() {
    let booking = JobBooked::from_detail(&json!({
        "tenant_id": "t-1", "job_id": "j-1", "customer_phone": PHONE,
        "booked_at": "2026-11-24T15:07:00Z"
    }))
    .unwrap();
    let store = store(5).await.with_booking(booking);
    ingest(&store, call("c-1", json!({})), at("2026-11-24T15:05:00Z"))
        .await
        .unwrap();
    decide_due_calls(&store, at("2026-11-24T15:12:00Z"))
        .await
        .unwrap();
    let d = decided(&store, "c-1");
    assert_eq!(
        (d.lead_id, d.reasons),
        (None, vec![BOOKED_DURING_WRAP_UP.to_owned()])
    );
    assert!(store.outbox().is_empty(), "nobody is told");
}

#[tokio::test]
async fn a_call_re_sent_as_booked_while_it_waits_settles_it() {
    let store = store(5).await;
    ingest(&store, call("c-1", json!({})), at("2026-11-24T15:05:00Z"))
        .await
        .unwrap();
    let booked = call("c-1", json!({"outcome": "booked"}));
    let out = ingest(&store, booked, at("2026-11-24T15:06:00Z")).await;
    assert_eq!(out.unwrap(), IngestOutcome::BookedDuringWrapUp);
    assert_eq!(
        decided(&store, "c-1").reasons,
        vec![RESENT_AS_BOOKED.to_owned()]
    );
    let report = decide_due_calls(&store, at("2026-11-24T15:12:00Z")).await;
    assert_eq!(report.unwrap().decided, 0, "nothing left waiting");
}

#[tokio::test]
async fn calls_that_make_no_lead_are_recorded_as_decided() {
    let store = store(0).await;
    let out = ingest(
        &store,
        call("c-1", json!({"direction": "outbound"})),
        at(AFTER),
    )
    .await;
    assert_eq!(
        out.unwrap(),
        IngestOutcome::NotALead {
            reasons: vec!["outbound call".into()]
        }
    );
    let quiet = json!({"transcript": [
        {"speaker": "customer", "start_ms": 2000, "text": "Hi, I'm just checking when my technician is coming, the appointment was at two."}
    ]});
    let out = ingest(&store, call("c-2", quiet), at(AFTER)).await.unwrap();
    assert!(matches!(out, IngestOutcome::NearMiss { .. }), "{out:?}");
    assert!(store.near_miss(&tenant(), &call_id("c-2")).is_some());
    let off = TenantSettings {
        enabled: false,
        event_sources: sample_bindings(),
        ..TenantSettings::default()
    };
    store.save_settings(&tenant(), &off, 1).await.unwrap();
    let out = ingest(&store, call("c-3", json!({})), at(AFTER)).await;
    assert_eq!(out.unwrap(), IngestOutcome::Disabled);
    let phone = PhoneNumber::parse_field("phone", PHONE).unwrap();
    assert_eq!(store.claim(&tenant(), &phone), None, "no lead anywhere");
}

#[tokio::test]
async fn a_call_from_a_source_its_business_does_not_bind_is_refused_and_writes_nothing() {
    let store = store(0).await;
    let unbound = [
        arrived("someone.else", call("c-1", json!({}))),
        // The bound source, from another account than the binding names.
        scl_domain::envelope::Arrived {
            origin: scl_domain::event_source::Origin {
                source: Some("phone.platform".into()),
                account: Some("999999999999".into()),
            },
            detail: call("c-1", json!({})),
        },
    ];
    for arrival in unbound {
        let out = ingest_call(&store, arrival, at(AFTER)).await.unwrap();
        assert_eq!(out.unwrap_err().0.field, "source");
    }
    assert_eq!(store.marker(&tenant(), &call_id("c-1")), None);
    // The same call from the bound source is decided as usual.
    let out = ingest(&store, call("c-1", json!({})), at(AFTER)).await;
    assert!(matches!(out, Ok(IngestOutcome::Created { .. })), "{out:?}");
}
