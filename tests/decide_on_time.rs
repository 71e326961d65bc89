//! Decisions on time at volume (docs/data-model.md, Calls waiting for their decision), through
//! the local stack with the real binaries: 2,000 waiting calls of 200 businesses, due within one
//! minute, each decided within seconds of its time and exactly once; then 2,000 more while
//! DynamoDB fails a third of the requests made to it, none lost.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use scl_local::jwt::{self, DevClaims};
use scl_tests::*;
use serde_json::{json, Value};

const BUSINESSES: usize = 200;
const CALLS: usize = 2_000;
/// The businesses' After Call Work Time: long enough that every call is sent before it is due.
const WAIT_MINUTES: i64 = 10;
/// The window the calls fall due in.
const DUE_WITHIN_SECONDS: i64 = 60;
/// Calls sent at once through the Invoke API.
const SENDING_AT_ONCE: usize = 16;

struct Business {
    tenant: String,
    admin: String,
}

struct Waiting {
    tenant: String,
    call_id: String,
    decide_at: DateTime<Utc>,
}

struct Run<'a> {
    stack: &'a scl_local::stack::Stack,
    http: reqwest::Client,
    api: String,
    ingest: String,
    ddb: aws_sdk_dynamodb::Client,
    table: String,
    businesses: Vec<Business>,
    /// A business whose calls warm the functions up and measure how fast calls are taken.
    warm_up: Business,
}

fn s(v: String) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(v)
}

impl<'a> Run<'a> {
    async fn new(stack: &'a scl_local::stack::Stack) -> Run<'a> {
        let http = reqwest::Client::new();
        let api = format!("http://{}", stack.api_addr);
        let mut businesses: Vec<Business> = (0..=BUSINESSES)
            .map(|i| {
                let tenant = unique(&format!("t-due{i}"));
                let claims = DevClaims::new("admin-1", &tenant, "scl.view scl.admin", 3600);
                let admin = jwt::mint(&claims, "test-secret").unwrap();
                Business { tenant, admin }
            })
            .collect();
        futures_util::stream::iter(&businesses)
            .for_each_concurrent(8, |b| {
                let (http, api) = (&http, &api);
                async move {
                    let resp = http
                        .put(format!("{api}/settings"))
                        .bearer_auth(&b.admin)
                        .json(&json!({"after_call_work_minutes": WAIT_MINUTES}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
                }
            })
            .await;
        let warm_up = businesses.remove(BUSINESSES);
        Run {
            stack,
            warm_up,
            ingest: invoke_url(stack, "IngestCallFunction"),
            ddb: aws_sdk_dynamodb::Client::new(&stack.sdk_config(&dynamodb_url()).await),
            table: stack.resolved.names["LeadsTable"].clone(),
            http,
            api,
            businesses,
        }
    }

    /// A qualifying call of the `i`th business that ended at `ended`.
    fn call(&self, i: usize, id: &str, ended: DateTime<Utc>) -> Value {
        let tenant = &self.businesses[i % BUSINESSES].tenant;
        call_completed(
            tenant,
            id,
            json!({"from_number": unique_phone(),
                   "started_at": rfc3339_seconds(ended - Duration::seconds(252)),
                   "ended_at": rfc3339_seconds(ended)}),
        )
    }

    /// How many waiting calls a second the stack takes now (a business of its own, whose calls
    /// fall due long after this test), so that the calls measured are due after the last of
    /// them is sent.
    async fn calls_per_second(&self) -> f64 {
        let warm = &self.warm_up;
        let n = 100;
        let started = Instant::now();
        futures_util::stream::iter(0..n)
            .for_each_concurrent(SENDING_AT_ONCE, |i| {
                let event = call_completed(
                    &warm.tenant,
                    &format!("warm-{i}"),
                    json!({"from_number": unique_phone(),
                           "started_at": rfc3339_seconds(Utc::now() - Duration::seconds(252)),
                           "ended_at": rfc3339_seconds(Utc::now())}),
                );
                async move {
                    let out = invoke_json(&self.http, &self.ingest, &event).await;
                    assert_eq!(out["outcome"], "pending", "{out}");
                }
            })
            .await;
        n as f64 / started.elapsed().as_secs_f64()
    }

    /// Sends `CALLS` calls of every business, due from `due_from` over `DUE_WITHIN_SECONDS`
    /// (each business's calls spread over the window), and checks each waits.
    async fn send_waiting(&self, name: &str, due_from: DateTime<Utc>) -> Vec<Waiting> {
        let started = Instant::now();
        let sent: Vec<Waiting> = futures_util::stream::iter(0..CALLS)
            .map(|i| async move {
                let offset =
                    Duration::milliseconds(i as i64 * DUE_WITHIN_SECONDS * 1000 / CALLS as i64);
                let ended = due_from + offset - Duration::minutes(WAIT_MINUTES);
                let call_id = format!("{name}-{i}");
                let out =
                    invoke_json(&self.http, &self.ingest, &self.call(i, &call_id, ended)).await;
                assert_eq!(
                    out["outcome"], "pending",
                    "{call_id} arrived after it was due? {out}"
                );
                let decide_at = DateTime::parse_from_rfc3339(out["decide_at"].as_str().unwrap())
                    .unwrap()
                    .with_timezone(&Utc);
                Waiting {
                    tenant: self.businesses[i % BUSINESSES].tenant.clone(),
                    call_id,
                    decide_at,
                }
            })
            .buffer_unordered(SENDING_AT_ONCE)
            .collect()
            .await;
        println!(
            "on time ({name}): {CALLS} waiting calls of {BUSINESSES} businesses sent in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let first_due = sent.iter().map(|w| w.decide_at).min().unwrap();
        assert!(
            Utc::now() < first_due,
            "every call was sent before the first was due ({first_due})"
        );
        sent
    }

    /// The call's decision and when it was made, as stored (`None` while it waits).
    async fn decision(&self, w: &Waiting) -> Option<(String, DateTime<Utc>)> {
        let item = self
            .ddb
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("TENANT#{}#CALL#{}", w.tenant, w.call_id)))
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
        let kind = d.get("decision")?.as_s().ok()?.clone();
        let at = DateTime::parse_from_rfc3339(d.get("decided_at")?.as_s().ok()?).ok()?;
        Some((kind, at.with_timezone(&Utc)))
    }

    /// Every call's decision, read at once.
    async fn decisions(&self, calls: &[Waiting]) -> Vec<Option<(String, DateTime<Utc>)>> {
        futures_util::stream::iter(calls)
            .map(|w| self.decision(w))
            .buffered(16)
            .collect()
            .await
    }

    /// Waits until every call is decided or `limit` passes.
    async fn all_decided(&self, calls: &[Waiting], limit: std::time::Duration) {
        let start = Instant::now();
        loop {
            let waiting = self
                .decisions(calls)
                .await
                .iter()
                .filter(|d| d.is_none())
                .count();
            if waiting == 0 {
                return;
            }
            assert!(
                start.elapsed() < limit,
                "{waiting} calls still waiting {limit:?} after the last was due"
            );
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    }

    /// Each business has exactly `per_business` leads, one call each: no call decided twice.
    async fn leads_once_each(&self, per_business: usize) {
        futures_util::stream::iter(&self.businesses)
            .for_each_concurrent(8, |b| async move {
                let mut all = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let mut url = format!("{}/leads?tab=open&limit=100", self.api);
                    if let Some(c) = &cursor {
                        url.push_str(&format!("&cursor={c}"));
                    }
                    let page = get_json(&self.http, &url, &b.admin).await;
                    all.extend(page["items"].as_array().cloned().unwrap_or_default());
                    cursor = page["next_cursor"].as_str().map(str::to_owned);
                    if cursor.is_none() {
                        break;
                    }
                }
                assert_eq!(all.len(), per_business, "{}: {all:?}", b.tenant);
                assert!(all.iter().all(|l| l["calls_count"] == 1), "{}", b.tenant);
            })
            .await;
    }

    fn faults(&self, error: f64) {
        let mut plan = scl_local::faults::FaultPlan::new();
        plan.insert(
            "dynamodb".into(),
            scl_local::faults::ServiceFaults {
                error,
                ..Default::default()
            },
        );
        self.stack.faults().set(plan);
    }
}

/// Lateness in seconds (decided at minus due), sorted.
fn lateness(calls: &[Waiting], decisions: &[Option<(String, DateTime<Utc>)>]) -> Vec<f64> {
    let mut late: Vec<f64> = calls
        .iter()
        .zip(decisions)
        .map(|(w, d)| {
            let (kind, at) = d
                .as_ref()
                .unwrap_or_else(|| panic!("{} undecided", w.call_id));
            assert_eq!(kind, "lead_created", "{}", w.call_id);
            (*at - w.decide_at).num_milliseconds() as f64 / 1000.0
        })
        .collect();
    late.sort_by(f64::total_cmp);
    late
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn sleep_until(t: DateTime<Utc>) {
    let wait = (t - Utc::now()).num_milliseconds().max(0) as u64;
    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
}

#[tokio::test]
async fn two_thousand_calls_due_within_a_minute_are_each_decided_within_seconds_and_once() {
    let stack = start_stack("on-time", "test-secret").await;
    let run = Run::new(&stack).await;
    let rate = run.calls_per_second().await;
    // Due once every call is sent at the rate just measured, with half as long again to spare.
    let lead = |rate: f64| Duration::seconds((CALLS as f64 / rate * 1.5) as i64 + 10);
    println!("on time: the stack takes {rate:.1} calls/s");

    // On a good day: within seconds of due, each once.
    let due_from = Utc::now() + lead(rate);
    let calls = run.send_waiting("a", due_from).await;
    let last_due = calls.iter().map(|w| w.decide_at).max().unwrap();
    sleep_until(last_due + Duration::seconds(5)).await;
    run.all_decided(&calls, std::time::Duration::from_secs(60))
        .await;
    let late = lateness(&calls, &run.decisions(&calls).await);
    let (p50, p99, max) = (
        percentile(&late, 50.0),
        percentile(&late, 99.0),
        late[late.len() - 1],
    );
    println!(
        "on time: {CALLS} calls of {BUSINESSES} businesses due within {DUE_WITHIN_SECONDS} s, decided after due: p50 {p50:.2} s, p99 {p99:.2} s, max {max:.2} s"
    );
    assert!(late[0] >= 0.0, "none decided before its time: {}", late[0]);
    assert!(p99 <= 5.0, "p99 {p99:.2} s after due");
    run.leads_once_each(CALLS / BUSINESSES).await;

    // DynamoDB failing a third of the requests made to it while the calls fall due: every call
    // decided all the same, once.
    let due_from = Utc::now() + lead(rate);
    let calls = run.send_waiting("b", due_from).await;
    sleep_until(due_from).await;
    run.faults(1.0 / 3.0);
    let last_due = calls.iter().map(|w| w.decide_at).max().unwrap();
    sleep_until(last_due + Duration::seconds(15)).await;
    run.faults(0.0);
    run.all_decided(&calls, std::time::Duration::from_secs(240))
        .await;
    let late = lateness(&calls, &run.decisions(&calls).await);
    println!(
        "on time, DynamoDB failing a third of requests: all {CALLS} decided; after due p50 {:.2} s, p99 {:.2} s, max {:.2} s",
        percentile(&late, 50.0),
        percentile(&late, 99.0),
        late[late.len() - 1]
    );
    run.leads_once_each(2 * CALLS / BUSINESSES).await;
}
