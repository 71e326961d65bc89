//! Bookings end to end against DynamoDB Local: JobBooked -> booking item -> the table's stream
//! (through the same event-source-mapping component the local stack runs) -> automatic status.

use scl_aws::items::{BookingItem, ENTITY_BOOKING};
use scl_tests::*;
use serde_json::{json, Value};

/// The test app with the stream mapping that applies bookings to leads running beside it.
struct Bookings {
    app: TestApp,
    _mapping: BookingMapping,
}

impl std::ops::Deref for Bookings {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl Bookings {
    async fn new() -> Bookings {
        let app = TestApp::new().await;
        let mapping = BookingMapping::start(&app.env).await;
        Bookings {
            app,
            _mapping: mapping,
        }
    }

    /// Waits (up to 10 s: a bound, not a timing claim) until the lead has a booking.
    async fn booked(&self, id: &str) -> Value {
        let waited = eventually(10, || async { !self.detail(id).await["booking"].is_null() }).await;
        assert!(
            waited.is_some(),
            "booking never reached lead {id}: {}",
            self.detail(id).await
        );
        self.detail(id).await
    }

    /// A CSR action on the lead (`route` is one of the `/leads/{id}/...` routes).
    async fn act(&self, route: &'static str, id: &str, body: &str) -> Resp {
        let method = if route.ends_with("status") {
            "PUT"
        } else {
            "POST"
        };
        self.app.act(method, route, id, body).await
    }
}

#[tokio::test]
async fn a_booking_naming_the_lead_makes_it_booked_by_scl_and_locks_it() {
    let b = Bookings::new().await;
    let id = b.lead("c1", json!({})).await;
    let out = b
        .book(&job_booked(
            &b.env.tenant,
            "job-1",
            "+15125559999",
            Some(&id),
        ))
        .await;
    assert_eq!(out["outcome"], "stored", "{out}");
    let d = b.booked(&id).await;
    assert_eq!(d["status"], "booked_by_scl");
    assert_eq!(d["status_label"], "Job booked by SCL");
    assert_eq!(d["tab"], "done");
    assert_eq!(d["booking"]["job_id"], "job-1");
    assert_eq!(d["booking"]["via_scl"], true);
    assert_eq!(d["booking"]["booked_by"], "u-9");
    let last = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "booked")
        .unwrap()
        .clone();
    assert_eq!(last["actor_id"], "system");
    assert_eq!(last["from_status"], "new");
    assert_eq!(last["to_status"], "booked_by_scl");

    for (route, body) in [
        ("/leads/{id}/status", r#"{"status": "new"}"#),
        ("/leads/{id}/dismiss", r#"{"reason": "not_a_lead"}"#),
        ("/leads/{id}/callback", "{}"),
        ("/leads/{id}/notes", r#"{"text": "late note"}"#),
    ] {
        b.act(route, &id, body)
            .await
            .assert_error(409, "lead_locked");
    }
}

#[tokio::test]
async fn a_phone_match_on_a_new_lead_is_booked_elsewhere() {
    let b = Bookings::new().await;
    let id = b.lead("c1", json!({"from_number": "(512) 555-0100"})).await;
    b.book(&job_booked(&b.env.tenant, "job-2", "+1 512.555.0100", None))
        .await;
    let d = b.booked(&id).await;
    assert_eq!(d["status"], "booked_elsewhere");
    assert_eq!(d["booking"]["via_scl"], false);
}

#[tokio::test]
async fn a_booking_after_a_call_back_attempt_is_booked_by_scl() {
    let b = Bookings::new().await;
    let id = b.lead("c1", json!({})).await;
    let settings = b
        .put_settings(json!({"callback_caller_id": "+15125550000"}))
        .await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    let r = b.act("/leads/{id}/callback", &id, "{}").await;
    assert_eq!(r.status, 200, "{}", r.body);
    b.book(&job_booked(&b.env.tenant, "job-3", "5125550100", None))
        .await;
    let d = b.booked(&id).await;
    assert_eq!(d["status"], "booked_by_scl");
}

#[tokio::test]
async fn a_dismissed_lead_keeps_its_status_and_shows_the_booking() {
    let b = Bookings::new().await;
    let id = b.lead("c1", json!({})).await;
    b.act(
        "/leads/{id}/dismiss",
        &id,
        r#"{"reason": "lead_not_following_up"}"#,
    )
    .await;
    // Named explicitly, so the phone window does not matter.
    b.book(&job_booked(&b.env.tenant, "job-4", "5125550100", Some(&id)))
        .await;
    let d = b.booked(&id).await;
    assert_eq!(d["status"], "not_following_up");
    assert_eq!(d["booking"]["job_id"], "job-4");
    assert!(d["history"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["action"] == "booking_recorded"));
}

#[tokio::test]
async fn another_tenants_booking_touches_nothing() {
    let b = Bookings::new().await;
    let id = b.lead("c1", json!({})).await;
    let stranger = unique("t");
    b.book(&job_booked(&stranger, "job-5", "5125550100", Some(&id)))
        .await;
    b.book(&job_booked(&stranger, "job-6", "5125550100", None))
        .await;
    // Give the stream time to deliver both, then check nothing changed.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let d = b.detail(&id).await;
    assert_eq!(d["status"], "new");
    assert_eq!(d["version"], 1);
    assert!(d["booking"].is_null());
}

#[tokio::test]
async fn the_same_booking_twice_has_one_effect() {
    let b = Bookings::new().await;
    let id = b.lead("c1", json!({})).await;
    let event = job_booked(&b.env.tenant, "job-7", "5125550100", Some(&id));
    assert_eq!(b.book(&event).await["outcome"], "stored");
    assert_eq!(b.book(&event).await["outcome"], "duplicate");
    let d = b.booked(&id).await;
    let version = d["version"].clone();

    // A redelivered stream record (same batch again) changes nothing either.
    let item = BookingItem {
        pk: format!("TENANT#{}#BOOKING#job-7", b.env.tenant),
        sk: "BOOKING".into(),
        entity: ENTITY_BOOKING.into(),
        received_at: "2026-11-24T16:00:00.000Z".into(),
        booking: scl_domain::booking::JobBooked::from_detail(&event["detail"]).unwrap(),
    };
    let batch = json!({"Records": [stream_record("100", &item)]});
    let state = booking_stream::State {
        store: b.env.store.clone(),
    };
    let resp = booking_stream::handle_payload(&state, &batch).await;
    assert!(resp.batch_item_failures.is_empty());
    let d = b.detail(&id).await;
    assert_eq!(d["version"], version);
    let booked: Vec<&Value> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "booked")
        .collect();
    assert_eq!(booked.len(), 1);
}

fn stream_record(seq: &str, item: &BookingItem) -> Value {
    let image: serde_dynamo::Item = serde_dynamo::to_item(item).unwrap();
    json!({
        "eventID": format!("ev-{seq}"), "eventName": "INSERT", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {"Keys": {"pk": {"S": item.pk}, "sk": {"S": item.sk}}, "NewImage": serde_json::to_value(image).unwrap(),
                     "SequenceNumber": seq, "SizeBytes": 100, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/2026",
    })
}

#[tokio::test]
async fn a_poison_record_is_reported_by_sequence_number_and_the_rest_are_applied() {
    let app = TestApp::new().await;
    let mut ids = vec![];
    for (i, phone) in ["+15125550601", "+15125550602"].iter().enumerate() {
        ids.push(
            app.lead(&format!("c{i}"), json!({"from_number": phone}))
                .await,
        );
    }
    let booking = |job: &str, lead: &str| BookingItem {
        pk: format!("TENANT#{}#BOOKING#{job}", app.tenant()),
        sk: "BOOKING".into(),
        entity: ENTITY_BOOKING.into(),
        received_at: "2026-11-24T16:00:00.000Z".into(),
        booking: scl_domain::booking::JobBooked::from_detail(
            &job_booked(app.tenant(), job, "5125550000", Some(lead))["detail"],
        )
        .unwrap(),
    };
    let mut poison = stream_record("200", &booking("job-p", &ids[0]));
    poison["dynamodb"]["NewImage"]["booking"] = json!({"S": "not a booking"});
    let batch = json!({"Records": [
        stream_record("100", &booking("job-a", &ids[0])),
        poison,
        stream_record("300", &booking("job-b", &ids[1])),
    ]});
    let state = booking_stream::State { store: app.store() };
    let resp = booking_stream::handle_payload(&state, &batch).await;
    let failed: Vec<&str> = resp
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, vec!["200"]);
    let wire = serde_json::to_value(&resp).unwrap();
    assert_eq!(
        wire,
        json!({"batchItemFailures": [{"itemIdentifier": "200"}]}),
        "Lambda's response shape"
    );
    for id in &ids {
        let d = app.detail(id).await;
        assert_eq!(d["status"], "booked_by_scl", "{d}");
    }
}

#[tokio::test]
async fn a_poison_item_on_the_real_stream_ends_in_the_on_failure_queue_without_blocking_others() {
    let b = Bookings::new().await;
    // An item that claims to be a booking but is not one, written straight to the table.
    b.env
        .client
        .put_item()
        .table_name(&b.env.table)
        .item(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!(
                "TENANT#{}#BOOKING#broken",
                b.env.tenant
            )),
        )
        .item(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("BOOKING".into()),
        )
        .item(
            "entity",
            aws_sdk_dynamodb::types::AttributeValue::S("booking".into()),
        )
        .send()
        .await
        .unwrap();
    let id = b.lead("c1", json!({})).await;
    b.book(&job_booked(
        &b.env.tenant,
        "job-after",
        "5125550100",
        Some(&id),
    ))
    .await;
    let failures = b._mapping.failures(10).await;
    assert_eq!(failures.len(), 1, "{failures:?}");
    let f = &failures[0];
    assert_eq!(f["requestContext"]["condition"], "RetryAttemptsExhausted");
    assert_eq!(
        f["requestContext"]["approximateInvokeCount"],
        1 + b._mapping.maximum_retry_attempts,
        "1 try + the mapping's MaximumRetryAttempts"
    );
    assert_eq!(
        f["record"]["dynamodb"]["Keys"]["pk"]["S"],
        format!("TENANT#{}#BOOKING#broken", b.env.tenant)
    );
    assert_eq!(
        f["DDBStreamBatchInfo"]["startSequenceNumber"],
        f["record"]["dynamodb"]["SequenceNumber"]
    );
    let d = b.booked(&id).await;
    assert_eq!(
        d["status"], "booked_by_scl",
        "records behind the poison are still applied"
    );
}

#[tokio::test]
async fn malformed_booking_events_are_rejected_and_nothing_is_written() {
    let b = Bookings::new().await;
    let id = b.lead("c1", json!({})).await;
    let mut bad = job_booked(&b.env.tenant, "job-x", "5125550100", Some(&id));
    bad["detail"]["booked_at"] = json!("tomorrow");
    let out = b.book(&bad).await;
    assert_eq!(out["outcome"], "rejected");
    assert_eq!(out["error"]["field"], "detail.booked_at");
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(b.detail(&id).await["version"], 1);
}

#[tokio::test]
async fn a_phone_matched_booking_is_recorded_on_every_matching_lead_done_ones_included() {
    let b = Bookings::new().await;
    let _labels = StreamMappingRun::labels(&b.env).await;
    let dismissed = b.lead("c1", json!({})).await;
    b.act(
        "/leads/{id}/dismiss",
        &dismissed,
        r#"{"reason": "not_a_lead"}"#,
    )
    .await;
    // The same caller again: the first lead is Done, so this is a new one.
    let open = b
        .lead(
            "c2",
            json!({"started_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::hours(1)),
                   "ended_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::minutes(56))}),
        )
        .await;
    assert_ne!(open, dismissed);
    b.book(&job_booked(&b.env.tenant, "job-7", "(512) 555-0100", None))
        .await;
    let d = b.booked(&dismissed).await;
    assert_eq!(d["status"], "not_a_lead", "a Done lead keeps its status");
    assert_eq!(d["booking"]["job_id"], "job-7");
    let recorded: Vec<&Value> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "booking_recorded")
        .collect();
    assert_eq!(recorded.len(), 1, "{d}");
    assert_eq!(recorded[0]["actor_id"], "system");
    let o = b.booked(&open).await;
    assert_eq!(o["status"], "booked_elsewhere");

    // The booking says the dismissal was wrong: both leads now count as "lead" labels.
    b.stats_with_labels(json!({"lead": 2, "not_a_lead": 0}))
        .await;
}

/// The store a booking uses, with a CSR dismissing the lead between the booking's read and
/// its write: the race the stream handler must survive.
struct CsrRacesTheBooking<'a> {
    app: &'a TestApp,
    inner: scl_aws::DynamoStore,
    raced: std::sync::atomic::AtomicBool,
}

impl scl_core::ports::LeadCommands for CsrRacesTheBooking<'_> {
    async fn get_lead(
        &self,
        tenant: &scl_domain::TenantId,
        lead: &scl_domain::LeadId,
    ) -> Result<Option<scl_domain::Lead>, scl_core::ports::StoreError> {
        self.inner.get_lead(tenant, lead).await
    }

    async fn save_change(
        &self,
        change: &scl_core::ports::LeadChange,
        expected_version: u64,
    ) -> Result<(), scl_core::ports::StoreError> {
        if !self.raced.swap(true, std::sync::atomic::Ordering::SeqCst) {
            let id = change.lead.id.to_string();
            let r = self
                .app
                .call("POST", "/leads/{id}/dismiss")
                .id(&id)
                .user("csr-fast")
                .body(r#"{"reason": "not_a_lead"}"#)
                .send()
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        self.inner.save_change(change, expected_version).await
    }

    async fn leads_for_phone(
        &self,
        tenant: &scl_domain::TenantId,
        phone: &scl_domain::PhoneNumber,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<scl_domain::Lead>, scl_core::ports::StoreError> {
        self.inner.leads_for_phone(tenant, phone, since).await
    }

    async fn banner_lead(
        &self,
        tenant: &scl_domain::TenantId,
        phone: &scl_domain::PhoneNumber,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<scl_domain::Lead>, scl_core::ports::StoreError> {
        self.inner.banner_lead(tenant, phone, since).await
    }
}

#[tokio::test]
async fn a_booking_racing_a_csrs_dismissal_is_matched_again_and_recorded_not_lost() {
    let app = TestApp::new().await;
    let id = app.lead("c1", json!({})).await;
    let racing = CsrRacesTheBooking {
        app: &app,
        inner: app.store(),
        raced: false.into(),
    };
    let event = job_booked(app.tenant(), "job-race", "512-555-0100", None);
    let booking = scl_domain::booking::JobBooked::from_detail(&event["detail"]).unwrap();
    let applied = scl_core::service::bookings::apply_booking(&racing, &booking, chrono::Utc::now())
        .await
        .unwrap();
    assert!(racing.raced.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(applied.len(), 1, "{applied:?}");
    assert!(
        matches!(
            applied[0],
            scl_core::service::bookings::BookingApplied::Recorded { .. }
        ),
        "{applied:?}"
    );
    use scl_core::ports::LeadQueries;
    let lead = app
        .store()
        .lead_detail(
            &scl_domain::TenantId::parse("t", app.tenant()).unwrap(),
            &scl_domain::LeadId::parse("id", &id).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        lead.lead.status,
        scl_domain::LeadStatus::NotALead,
        "the CSR's change stands"
    );
    assert_eq!(
        lead.lead.booking.as_ref().unwrap().job_id.as_str(),
        "job-race",
        "and the booking is on it"
    );
    use scl_domain::lead::HistoryAction;
    let actions: Vec<HistoryAction> = lead.history.iter().map(|h| h.action).collect();
    // History is in time order; the booking's entry carries the time it was booked.
    assert!(
        actions.contains(&HistoryAction::Dismissed)
            && actions.contains(&HistoryAction::BookingRecorded),
        "{actions:?}"
    );
}
