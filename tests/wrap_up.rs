//! After Call Work Time and the business's switch (docs/api.md, Settings; docs/data-model.md,
//! Calls waiting for their decision), through the local stack with the real binaries: calls
//! through the Invoke API as EventBridge delivers them, bookings likewise, the decision made by
//! DecideDueCallsFunction when the call's turn comes out of the decide queue, the queue and
//! settings through the gateway.
//! Every business below runs at once, so the whole file waits about two minutes, once.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use scl_local::jwt::{self, DevClaims};
use scl_tests::*;
use serde_json::{json, Value};

struct Business<'a> {
    http: reqwest::Client,
    api: String,
    ingest: String,
    decide_due: String,
    booking: String,
    tenant: String,
    admin: String,
    stack: &'a scl_local::stack::Stack,
}

impl<'a> Business<'a> {
    async fn new(stack: &'a scl_local::stack::Stack, name: &str, settings: Value) -> Business<'a> {
        let tenant = unique(name);
        let mut claims = DevClaims::new("admin-1", &tenant, "scl.view scl.admin", 900);
        claims.name = Some("Alex".into());
        let b = Business {
            http: reqwest::Client::new(),
            api: format!("http://{}", stack.api_addr),
            ingest: invoke_url(stack, "IngestCallFunction"),
            decide_due: invoke_url(stack, "DecideDueCallsFunction"),
            booking: invoke_url(stack, "IngestBookingFunction"),
            admin: jwt::mint(&claims, "test-secret").unwrap(),
            tenant,
            stack,
        };
        let resp = b
            .http
            .put(format!("{}/settings", b.api))
            .bearer_auth(&b.admin)
            .json(&settings)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
        b
    }

    /// A qualifying call that ended `ago` ago from `phone`.
    fn call(&self, id: &str, phone: &str, ago: Duration, patch: Value) -> Value {
        let ended = Utc::now() - ago;
        let mut event = call_completed(
            &self.tenant,
            id,
            json!({"from_number": phone, "customer_id": format!("c-{id}"),
                   "started_at": rfc3339_seconds(ended - Duration::seconds(252)),
                   "ended_at": rfc3339_seconds(ended)}),
        );
        if let (Some(d), Some(p)) = (event["detail"].as_object_mut(), patch.as_object()) {
            for (k, v) in p {
                d.insert(k.clone(), v.clone());
            }
        }
        event
    }

    async fn send(&self, event: &Value) -> Value {
        invoke_json(&self.http, &self.ingest, event).await
    }

    async fn book(&self, phone: &str, customer: Option<&str>) {
        let mut detail = json!({"tenant_id": self.tenant, "job_id": unique("job"),
                                "customer_phone": phone, "booked_at": rfc3339_seconds(Utc::now())});
        if let Some(c) = customer {
            detail["customer_id"] = json!(c);
        }
        let event = json!({"version": "0", "id": unique("evt"), "detail-type": "JobBooked",
                           "source": "booking.system", "account": "123456789012",
                           "time": rfc3339_seconds(Utc::now()), "region": "us-east-1",
                           "resources": [], "detail": detail});
        let out = invoke_json(&self.http, &self.booking, &event).await;
        assert_eq!(out["outcome"], "stored", "{out}");
    }

    /// Every lead in the business's three tabs.
    async fn leads(&self) -> Vec<Value> {
        let mut all = Vec::new();
        for tab in ["open", "cold", "done"] {
            let page = get_json(
                &self.http,
                &format!("{}/leads?tab={tab}&limit=100", self.api),
                &self.admin,
            )
            .await;
            all.extend(page["items"].as_array().cloned().unwrap_or_default());
        }
        all
    }

    /// The business's report for the last 30 days.
    async fn summary(&self) -> Value {
        get_json(
            &self.http,
            &format!("{}/reports/summary", self.api),
            &self.admin,
        )
        .await
    }

    /// The call's decision as stored (`None` while it waits or was never seen).
    async fn decision(&self, call_id: &str) -> Option<String> {
        let table = self.stack.resolved.names["LeadsTable"].clone();
        // The stack's own credentials: DynamoDB Local keeps tables per access key.
        let ddb = aws_sdk_dynamodb::Client::new(&self.stack.sdk_config(&dynamodb_url()).await);
        let item = ddb
            .get_item()
            .table_name(table)
            .key("pk", s(format!("TENANT#{}#CALL#{call_id}", self.tenant)))
            .key("sk", s("CALL".into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item?;
        if item.contains_key("decide_at") {
            return None;
        }
        let d = item.get("decision")?.as_m().ok()?;
        d.get("decision")?.as_s().ok().cloned()
    }

    /// Waits (up to three minutes) for the call's decision; the decision and when it was seen.
    async fn decided(&self, call_id: &str) -> (String, Instant) {
        let start = Instant::now();
        loop {
            if let Some(d) = self.decision(call_id).await {
                return (d, Instant::now());
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(180),
                "{call_id} still waiting after 3 minutes"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }
}

fn s(v: String) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(v)
}

fn ended_at(event: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(event["detail"]["ended_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn calls_wait_for_the_wrap_up_and_a_job_booked_meanwhile_keeps_them_out_of_the_queue() {
    let stack = start_stack("wrap-up", "test-secret").await;
    let one_minute = |email: &str| {
        json!({"after_call_work_minutes": 1,
               "recipients": [{"user_id": "u-1", "email": email, "channels": ["in_app", "email"]}]})
    };

    // Booked 30 s after it ended (the booking system's JobBooked for the number).
    let booked_email = unique_email("booked");
    let booked = Business::new(&stack, "t-booked", one_minute(&booked_email)).await;
    let booked_phone = unique_phone();
    let booked_call = booked.call("call-b", &booked_phone, Duration::zero(), json!({}));
    let out = booked.send(&booked_call).await;
    assert_eq!(out["outcome"], "pending", "{out}");

    // Not booked: becomes a lead about a minute after it ended, with its notification.
    let lead_email = unique_email("lead");
    let unbooked = Business::new(&stack, "t-unbooked", one_minute(&lead_email)).await;
    let unbooked_call = unbooked.call("call-u", &unique_phone(), Duration::zero(), json!({}));
    assert_eq!(unbooked.send(&unbooked_call).await["outcome"], "pending");
    // Redelivered during the wait: still one decision.
    assert_eq!(unbooked.send(&unbooked_call).await["outcome"], "duplicate");

    // Re-sent by the phone platform with outcome booked during the wait.
    let resent = Business::new(&stack, "t-resent", one_minute(&unique_email("resent"))).await;
    let resent_call = resent.call("call-r", &unique_phone(), Duration::zero(), json!({}));
    assert_eq!(resent.send(&resent_call).await["outcome"], "pending");
    let mut as_booked = resent_call.clone();
    as_booked["detail"]["outcome"] = json!("booked");
    as_booked["id"] = json!(unique("evt"));
    let out = resent.send(&as_booked).await;
    assert_eq!(out["outcome"], "booked_during_wrap_up", "{out}");
    assert_eq!(
        resent.decision("call-r").await.as_deref(),
        Some("booked_during_wrap_up")
    );

    // A job booked for the call's customer (another number) during the wait.
    let customer = Business::new(&stack, "t-customer", one_minute(&unique_email("cust"))).await;
    let customer_call = customer.call("call-c", &unique_phone(), Duration::zero(), json!({}));
    assert_eq!(customer.send(&customer_call).await["outcome"], "pending");
    customer.book(&unique_phone(), Some("c-call-c")).await;

    // A call whose event arrives after its wait is decided at once (here: a lead).
    let late = Business::new(&stack, "t-late", one_minute(&unique_email("late"))).await;
    let out = late
        .send(&late.call("call-l", &unique_phone(), Duration::minutes(3), json!({})))
        .await;
    assert_eq!(out["outcome"], "created", "{out}");

    // No After Call Work Time: decided as it arrives, as before.
    let now = Business::new(&stack, "t-zero", json!({"after_call_work_minutes": 0})).await;
    let out = now
        .send(&now.call("call-z", &unique_phone(), Duration::zero(), json!({})))
        .await;
    assert_eq!(out["outcome"], "created", "{out}");

    // A business with Second Chance Leads off gets nothing, now or later.
    let off = Business::new(&stack, "t-off", json!({"enabled": false})).await;
    let off_call = off.call("call-o", &unique_phone(), Duration::zero(), json!({}));
    assert_eq!(off.send(&off_call).await["outcome"], "disabled");

    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    booked.book(&booked_phone, None).await;

    // Nothing is decided before its minute is up.
    assert_eq!(unbooked.decision("call-u").await, None);
    assert!(unbooked.leads().await.is_empty());

    let (decision, _) = booked.decided("call-b").await;
    assert_eq!(decision, "booked_during_wrap_up");
    let (decision, seen) = unbooked.decided("call-u").await;
    assert_eq!(decision, "lead_created");
    let due = ended_at(&unbooked_call) + Duration::minutes(1);
    let late_by = Utc::now() - due - Duration::milliseconds(seen.elapsed().as_millis() as i64);
    println!(
        "wrap-up: an unbooked call with 1 minute of After Call Work Time was decided {:.1} s after its decision was due",
        late_by.num_milliseconds() as f64 / 1000.0
    );
    assert!(
        late_by >= Duration::zero(),
        "decided before its wrap-up ended"
    );
    // The turn is delayed to the second; seen by polling every 250 ms.
    assert!(
        late_by <= Duration::seconds(5),
        "decided {late_by} after it was due"
    );
    let (decision, _) = customer.decided("call-c").await;
    assert_eq!(decision, "booked_during_wrap_up");

    // What a CSR and a recipient see.
    let leads = unbooked.leads().await;
    assert_eq!(leads.len(), 1, "one lead for a call delivered twice");
    assert_eq!(leads[0]["calls_count"], 1);
    for b in [&booked, &resent, &customer, &off] {
        assert!(b.leads().await.is_empty(), "{}: no lead", b.tenant);
    }
    assert_eq!(off.decision("call-o").await.as_deref(), Some("disabled"));
    assert_eq!(off.send(&off_call).await["outcome"], "duplicate");
    eventually(30, || async { !emails_to(&lead_email).await.is_empty() })
        .await
        .expect("the lead's recipient is emailed");
    // The stream has had time to notify (the lead's email arrived): none for the booked call.
    assert!(
        emails_to(&booked_email).await.is_empty(),
        "nothing sent for a call booked in the wrap-up"
    );

    // The reports count the calls kept out of the queue, each once, on the day it ended.
    for b in [&booked, &resent, &customer] {
        let counted = eventually(30, || async {
            b.summary().await["booked_during_wrap_up"] == 1
        })
        .await;
        assert!(counted.is_some(), "{}: {}", b.tenant, b.summary().await);
        let s = b.summary().await;
        assert_eq!(s["flagged"], 0, "{s}");
    }
    let s = unbooked.summary().await;
    assert_eq!(s["flagged"], 1, "{s}");
    assert_eq!(s["booked_during_wrap_up"], 0, "{s}");
    let csv = booked
        .http
        .get(format!("{}/reports/summary.csv", booked.api))
        .bearer_auth(&booked.admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",booked_during_wrap_up"), "{header}");
    let total = csv.lines().find(|l| l.starts_with("total,")).unwrap();
    assert!(total.ends_with(",1"), "{total}");
}

#[tokio::test]
async fn decisions_that_fail_part_way_lose_nothing_and_decide_each_call_once() {
    let stack = start_stack("wrap-up-faults", "test-secret").await;
    let email = unique_email("faults");
    let b = Business::new(
        &stack,
        "t-faults",
        json!({"after_call_work_minutes": 1,
               "recipients": [{"user_id": "u-1", "email": email, "channels": ["email"]}]}),
    )
    .await;
    let calls: Vec<String> = (0..6).map(|i| format!("call-f{i}")).collect();
    for id in &calls {
        let out = b
            .send(&b.call(id, &unique_phone(), Duration::seconds(50), json!({})))
            .await;
        assert_eq!(out["outcome"], "pending", "{out}");
    }
    let faults = |error: f64| {
        let mut plan = scl_local::faults::FaultPlan::new();
        plan.insert(
            "dynamodb".into(),
            scl_local::faults::ServiceFaults {
                error,
                ..Default::default()
            },
        );
        stack.faults().set(plan);
    };
    // Due ten seconds from now. Every DynamoDB call failing when the turns come: nothing is
    // decided or lost.
    faults(1.0);
    tokio::time::sleep(std::time::Duration::from_secs(20)).await;
    faults(0.0);
    for id in &calls {
        assert_eq!(b.decision(id).await, None, "{id} still waits");
    }
    // A third of them failing: the turns come round again until each is decided.
    faults(0.3);
    tokio::time::sleep(std::time::Duration::from_secs(20)).await;
    faults(0.0);
    for id in &calls {
        b.decided(id).await;
    }
    // The sweep after them, as the schedule delivers it (an operator replaying a run sends the
    // same), three minutes on: nothing is left to decide.
    let tick = json!({"version": "0", "id": unique("tick"), "detail-type": "Scheduled Event",
                      "source": "aws.events", "account": "123456789012",
                      "time": rfc3339_seconds(Utc::now() + Duration::minutes(3)), "region": "us-east-1",
                      "resources": [], "detail": {}});
    let out = invoke_json(&b.http, &b.decide_due, &tick).await;
    assert_eq!(
        (out["decided"].as_u64(), out["failed"].as_u64()),
        (Some(0), Some(0)),
        "{out}"
    );

    // Every call is decided, once: a lead each, one email each.
    for id in &calls {
        assert_eq!(
            b.decision(id).await.as_deref(),
            Some("lead_created"),
            "{id}"
        );
    }
    let leads = b.leads().await;
    assert_eq!(leads.len(), calls.len(), "{leads:?}");
    assert!(leads.iter().all(|l| l["calls_count"] == 1));
    eventually(60, || async {
        emails_to(&email).await.len() >= calls.len()
    })
    .await
    .expect("every lead's recipient is emailed");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(
        emails_to(&email).await.len(),
        calls.len(),
        "one email per lead"
    );
}
