//! Nothing lost, nothing twice, while the services misbehave: the local stack (real binaries,
//! several execution environments per function) runs calls, bookings and CSR actions while its
//! proxies throttle DynamoDB, fail SNS and SES calls and take SNS down for a while
//! (`scl_local::faults`). Clients retry as the real ones do: EventBridge re-sends an event whose
//! function failed, a CSR's browser re-sends an action with the same `Idempotency-Key`. Then the
//! faults stop and the run is checked and its counts printed.
//!
//! `make test` runs a small run; `make chaos` the full one (`SCL_CHAOS_CALLS=1000
//! SCL_CHAOS_BOOKINGS=200 SCL_CHAOS_ACTIONS=300 SCL_CHAOS_SNS_DOWN=10`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use scl_tests::*;
use serde_json::{json, Value};

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How many requests a client keeps in flight.
const IN_FLIGHT: usize = 8;

/// Invokes until the function answers without an error, as EventBridge retries.
async fn deliver(http: &reqwest::Client, url: &str, event: &Value) -> (Value, u32) {
    bind_for_invoke(url, event).await;
    for attempt in 1..=20u32 {
        let resp = http.post(url).json(event).send().await.unwrap();
        let failed = resp.headers().get("x-amz-function-error").is_some();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if !failed && resp_ok(&body) {
            return (body, attempt);
        }
        tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
    }
    panic!("{url}: still failing after 20 attempts");
}

fn resp_ok(body: &Value) -> bool {
    body.get("outcome").is_some()
}

/// Sends a CSR action until it is answered (not 5xx, not in progress), with one key; patient
/// for longer than a key stays in progress (30 s), as a browser retrying in the background.
async fn act(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> (u16, u32) {
    let mut last = 0;
    for attempt in 1..=40u32 {
        let resp = http
            .post(url)
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        if status < 500 && status != 409 {
            return (status, attempt);
        }
        last = status;
        tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt.min(10)))).await;
    }
    panic!("{url}: still answering {last} after 40 attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_throttling_errors_and_an_sns_outage_nothing_is_lost_or_doubled() {
    let calls = knob("SCL_CHAOS_CALLS", 60);
    let bookings = knob("SCL_CHAOS_BOOKINGS", 12);
    let actions = knob("SCL_CHAOS_ACTIONS", 24);
    let sns_down = knob("SCL_CHAOS_SNS_DOWN", 3);
    let started = Instant::now();
    let stack = start_stack("chaos", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let topic = &stack.resolved.names["EventsTopic"];
    let probe = TopicProbe::subscribed_to(topic).await;
    let tenant = unique("t");
    let token = csr_token(&tenant);
    let admin = scl_local::jwt::mint(
        &scl_local::jwt::DevClaims::new("u-9", &tenant, "scl.admin", 600),
        "test-secret",
    )
    .unwrap();
    // Two staff members are told of every new lead by email and SMS.
    let recipients: Vec<(String, String)> = (0..2)
        .map(|i| (unique_email(&format!("chaos{i}")), unique_phone()))
        .collect();
    let r = http
        .put(format!("{api}/settings"))
        .bearer_auth(&admin)
        .json(
            &json!({"callback_caller_id": "+15125550000", "timezone": "UTC", "recipients":
            recipients.iter().enumerate().map(|(i, (mail, phone))| json!({
                "user_id": format!("u-{i}"), "email": mail, "phone": phone,
                "channels": ["email", "sms", "in_app"]})).collect::<Vec<_>>()}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    stack.faults().set(
        serde_json::from_value(json!({
            "dynamodb": {"throttle": 0.1},
            "sns": {"error": 0.2, "down_for_seconds": sns_down},
            "ses": {"error": 0.2},
        }))
        .unwrap(),
    );

    // Calls: two from each number, all in flight together.
    let ingest = invoke_url(&stack, "IngestCallFunction");
    let numbers = calls.div_ceil(2);
    let outcomes: Vec<(Value, u32)> = stream::iter(0..calls)
        .map(|i| {
            let (http, url) = (http.clone(), ingest.clone());
            let event = call_completed(
                &tenant,
                &format!("chaos-{i}"),
                json!({"from_number": format!("+1512557{:04}", i % numbers)}),
            );
            async move { deliver(&http, &url, &event).await }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let leads: BTreeSet<String> = outcomes
        .iter()
        .filter_map(|(o, _)| o["lead_id"].as_str().map(str::to_owned))
        .collect();
    let created = outcomes
        .iter()
        .filter(|(o, _)| o["outcome"] == "created")
        .count();
    let call_retries: u32 = outcomes.iter().map(|(_, a)| a - 1).sum();

    // CSR actions on those leads: notes copied to the CRM and call-backs, each with its key,
    // some sent twice (a double click) with the same key.
    let lead_list: Vec<String> = leads.iter().cloned().collect();
    let action_results: Vec<(u16, u32)> = stream::iter(0..actions)
        .map(|i| {
            let (http, token) = (http.clone(), token.clone());
            let lead = lead_list[i % lead_list.len()].clone();
            let api = api.clone();
            async move {
                let (url, body) = if i % 3 == 0 {
                    (format!("{api}/leads/{lead}/callback"), json!({}))
                } else {
                    (
                        format!("{api}/leads/{lead}/notes"),
                        json!({"text": format!("chaos note {i}"), "copy_to": ["customer"]}),
                    )
                };
                let key = format!("action-{i}");
                let first = act(&http, &url, &token, &key, &body).await;
                if i % 4 == 0 {
                    act(&http, &url, &token, &key, &body).await;
                }
                first
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    assert!(
        action_results.iter().all(|(s, _)| *s == 200 || *s == 201),
        "{action_results:?}"
    );
    let action_retries: u32 = action_results.iter().map(|(_, a)| a - 1).sum();

    // Bookings naming leads.
    let book = invoke_url(&stack, "IngestBookingFunction");
    let booked: Vec<String> = lead_list.iter().take(bookings).cloned().collect();
    for (i, lead) in booked.iter().enumerate() {
        let event = job_booked(
            &tenant,
            &format!("chaos-job-{i}"),
            "+15125557999",
            Some(lead),
        );
        let (out, _) = deliver(&http, &book, &event).await;
        assert!(
            out["outcome"] == "stored" || out["outcome"] == "duplicate",
            "{out}"
        );
    }

    // The faults stop; the streams catch up.
    stack.faults().set(Default::default());
    let details = |lead: String| {
        let (http, token, api) = (http.clone(), token.clone(), api.clone());
        async move { get_json(&http, &format!("{api}/leads/{lead}"), &token).await }
    };
    let settled = eventually(60, || async {
        let mut all_booked = true;
        for lead in &booked {
            if details(lead.clone()).await["booking"].is_null() {
                all_booked = false;
            }
        }
        all_booked
    })
    .await;
    assert!(settled.is_some(), "every booking reached its lead");

    // Every call decided exactly once: one lead per number, every call on it.
    assert_eq!(leads.len(), numbers, "one lead per number");
    assert_eq!(created, numbers);
    let mut calls_on_leads = 0;
    let mut notes = 0;
    let mut attempts = 0;
    for lead in &lead_list {
        let d = details(lead.clone()).await;
        calls_on_leads += d["calls_count"].as_u64().unwrap() as usize;
        notes += d["notes"].as_array().unwrap().len();
        attempts += d["callback_attempts"].as_u64().unwrap() as usize;
    }
    assert_eq!(calls_on_leads, calls, "every call on its lead, once");
    let call_backs = (0..actions).filter(|i| i % 3 == 0).count();
    assert_eq!(notes, actions - call_backs, "every note once");
    assert_eq!(attempts, call_backs, "every call-back once");

    // Every event out published at least once, one id per event.
    let expected = numbers + (actions - call_backs) + call_backs;
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while by_id.len() < expected && Instant::now() < deadline {
        for p in probe.drain().await {
            *by_id.entry(p.event_id).or_default() += 1;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(by_id.len(), expected, "every event published");

    // Every notification sent exactly once: one email and one SMS per lead and recipient.
    // The notifier works through the leads one stream record at a time: a bound that grows
    // with the run (not a timing claim).
    let deadline = Instant::now() + Duration::from_secs(60 + numbers as u64 / 2);
    let sent = loop {
        let mut all = true;
        let mut sent = (0, 0);
        for (mail, phone) in &recipients {
            let (e, s) = (emails_to(mail).await.len(), sms_to(phone).await.len());
            all &= e >= numbers && s >= numbers;
            sent.0 += e;
            sent.1 += s;
        }
        if all || Instant::now() > deadline {
            break sent;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (mail, phone) in &recipients {
        assert_eq!(
            emails_to(mail).await.len(),
            numbers,
            "one email per lead to {mail}"
        );
        assert_eq!(
            sms_to(phone).await.len(),
            numbers,
            "one SMS per lead to {phone}"
        );
    }
    let repeats: usize = by_id.values().map(|n| n - 1).sum();
    let injected = stack.faults().injected();
    assert!(
        injected.get("dynamodb").is_some_and(|n| *n > 0)
            && injected.get("sns").is_some_and(|n| *n > 0),
        "the faults were injected: {injected:?}"
    );

    println!(
        "chaos: {calls} calls from {numbers} numbers -> {} leads ({call_retries} redeliveries); \
         {actions} CSR actions ({action_retries} client retries) -> {notes} notes, {attempts} call-backs; \
         {} bookings applied; {} events published ({repeats} repeated deliveries, dropped by event_id); \
         {} emails and {} SMS to {} recipients, each once; \
         DynamoDB throttled 10%, SNS/SES failing 20%, SNS down {sns_down} s: {injected:?} calls failed on purpose; {:.1} s",
        leads.len(),
        booked.len(),
        by_id.len(),
        sent.0,
        sent.1,
        recipients.len(),
        started.elapsed().as_secs_f64()
    );
}
