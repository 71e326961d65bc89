//! The whole pipeline under a burst, the way businesses use it: many businesses, each with an
//! After Call Work Time, a recipient by email and one by SMS; calls that end in a booking (no
//! lead), calls that become leads, a job booked during the wrap-up of every 30th, and CSRs
//! working leads through the console's routes. What it gives:
//!
//! - when each reader of the table's changes caught up after the burst (the last change it
//!   asked for, measured from the last call accepted and from the last call's decision due);
//! - the work each part took, function by function (requests and messages per AWS operation,
//!   DynamoDB's capacity units, invocations and billed milliseconds, log bytes): the cost
//!   table (`cost.rs`) and the platform extrapolation (`platform.rs`) are computed from it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use futures_util::{stream, StreamExt, TryStreamExt};
use scl_local::iam::{OperationCount, OperationKey};
use scl_local::jwt::{self, DevClaims};
use scl_local::runtime::Invocations;
use scl_local::stack::Stack;
use serde_json::{json, Value};

use super::{call_event, env_or, Bench};

/// The readers of the table's changes (and the decision step between them), in the order a
/// lead reaches them.
pub(crate) const READERS: &[&str] = &[
    "StreamDispatchFunction",
    "DecideDueCallsFunction",
    "NotifyFunction",
    "PublishEventsFunction",
    "CountReportsFunction",
    "BookingStreamFunction",
    "LearnLabelsFunction",
];

/// The load: `SCL_BENCH_BURST` calls (default 3,000) from `SCL_BENCH_BUSINESSES` businesses
/// (default 30), `SCL_BENCH_CONCURRENCY` at a time (default 16), at most `SCL_BENCH_RATE` a
/// second (default 12, what the whole pipeline on the 2-core development machine keeps up
/// with; 0: as fast as ingestion takes them, BENCHMARKS.md has both), each business waiting
/// `SCL_BENCH_ACW_MINUTES` (default 1) before deciding; first `SCL_BENCH_BOOKED_CALLS` calls
/// that were booked (default 300), and afterwards `SCL_BENCH_WORKED_LEADS` leads worked by CSRs
/// (default 100).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub calls: usize,
    pub businesses: usize,
    pub concurrency: usize,
    /// Calls a second (0: unpaced).
    pub rate: f64,
    pub acw_minutes: u32,
    pub booked_calls: usize,
    pub worked_leads: usize,
}

impl Load {
    pub(crate) fn from_env(default_businesses: usize) -> Result<Load> {
        Ok(Load {
            calls: env_or("SCL_BENCH_BURST", "3000").parse()?,
            businesses: env_or("SCL_BENCH_BUSINESSES", &default_businesses.to_string())
                .parse::<usize>()?
                .max(1),
            concurrency: env_or("SCL_BENCH_CONCURRENCY", "16").parse()?,
            rate: env_or("SCL_BENCH_RATE", "12").parse()?,
            acw_minutes: env_or("SCL_BENCH_ACW_MINUTES", "1").parse()?,
            booked_calls: env_or("SCL_BENCH_BOOKED_CALLS", "300").parse()?,
            worked_leads: env_or("SCL_BENCH_WORKED_LEADS", "100").parse()?,
        })
    }
}

/// One function's share of some work.
#[derive(Debug, Default, Clone)]
pub(crate) struct FunctionWork {
    pub operations: BTreeMap<OperationKey, OperationCount>,
    /// DynamoDB capacity units by (operation, `table` or index name).
    pub units_by_index: BTreeMap<(String, String), f64>,
    pub invocations: Invocations,
    pub log_bytes: u64,
}

/// Every function's share of some work, by logical id.
#[derive(Debug, Default, Clone)]
pub(crate) struct Work {
    pub functions: BTreeMap<String, FunctionWork>,
    /// Requests through the API gateway.
    pub gateway_requests: u64,
    /// What the table's items grew by (DynamoDB Local's `TableSizeBytes`).
    pub stored_bytes: i64,
}

impl Work {
    /// Every operation of every function, summed.
    pub(crate) fn operations(&self) -> BTreeMap<OperationKey, OperationCount> {
        let mut all: BTreeMap<OperationKey, OperationCount> = BTreeMap::new();
        for f in self.functions.values() {
            for (k, c) in &f.operations {
                let sum = all.entry(k.clone()).or_default();
                sum.requests += c.requests;
                sum.messages += c.messages;
                sum.capacity_units += c.capacity_units;
            }
        }
        all
    }

    /// DynamoDB capacity units by (operation, `table` or index name), every function summed.
    pub(crate) fn units_by_index(&self) -> BTreeMap<(String, String), f64> {
        let mut all: BTreeMap<(String, String), f64> = BTreeMap::new();
        for f in self.functions.values() {
            for (k, u) in &f.units_by_index {
                *all.entry(k.clone()).or_default() += u;
            }
        }
        all
    }
}

/// What the stack has done so far (its counters only grow): subtract two of these.
struct Snapshot {
    work: Work,
    table_bytes: i64,
}

async fn snapshot(stack: &Stack, log_dir: &Path, b: &Bench) -> Snapshot {
    let mut work = Work::default();
    for (name, pool) in stack.functions() {
        let usage = stack.aws_usage(name);
        let operations = usage.map(|u| u.by_operation()).unwrap_or_default();
        let units_by_index = usage.map(|u| u.units_by_index()).unwrap_or_default();
        let log_bytes = std::fs::metadata(log_dir.join(format!("{name}.log")))
            .map(|m| m.len())
            .unwrap_or(0);
        work.functions.insert(
            name.clone(),
            FunctionWork {
                operations,
                units_by_index,
                invocations: pool.invocations(),
                log_bytes,
            },
        );
    }
    Snapshot {
        work,
        table_bytes: b.table_bytes().await.unwrap_or(0),
    }
}

/// `after` less `before`, with the gateway requests the bench made between them.
fn since(before: &Snapshot, after: &Snapshot, gateway_requests: u64) -> Work {
    let mut work = Work {
        gateway_requests,
        stored_bytes: after.table_bytes - before.table_bytes,
        ..Work::default()
    };
    for (name, a) in &after.work.functions {
        let b = before.work.functions.get(name).cloned().unwrap_or_default();
        let mut operations = BTreeMap::new();
        for (k, c) in &a.operations {
            let was = b.operations.get(k).copied().unwrap_or_default();
            if c.requests > was.requests {
                operations.insert(
                    k.clone(),
                    OperationCount {
                        requests: c.requests - was.requests,
                        messages: c.messages - was.messages,
                        capacity_units: c.capacity_units - was.capacity_units,
                    },
                );
            }
        }
        let units_by_index = a
            .units_by_index
            .iter()
            .map(|(k, u)| {
                (
                    k.clone(),
                    u - b.units_by_index.get(k).copied().unwrap_or(0.0),
                )
            })
            .filter(|(_, u)| *u > 0.0)
            .collect();
        let invocations = Invocations {
            count: a.invocations.count - b.invocations.count,
            billed_ms: a.invocations.billed_ms - b.invocations.billed_ms,
        };
        if invocations.count > 0 || !operations.is_empty() {
            work.functions.insert(
                name.clone(),
                FunctionWork {
                    operations,
                    units_by_index,
                    invocations,
                    log_bytes: a.log_bytes.saturating_sub(b.log_bytes),
                },
            );
        }
    }
    work
}

/// What a run measured.
pub(crate) struct Figures {
    pub load: Load,
    pub leads: usize,
    pub booked_in_wrap_up: usize,
    /// Leads booked 5 s after their decision was due.
    pub booked_after_due: usize,
    /// First call sent to last call accepted.
    pub intake: Duration,
    /// From the last call accepted to the last call's decision due.
    pub due_after_intake: Duration,
    /// Per reader: its last change after the last call was accepted (`None`: it changed nothing).
    pub caught_up: Vec<(&'static str, Option<Duration>)>,
    /// The calls that were booked, no lead (`load.booked_calls` of them).
    pub booked_calls: Work,
    /// The burst: `load.calls` calls, `leads` leads, until every reader was idle.
    pub burst: Work,
    /// CSRs working `load.worked_leads` leads.
    pub worked: Work,
}

/// A business: its tenant id, an admin's token and a CSR's.
struct Business {
    tenant: String,
    csr: String,
}

async fn businesses(b: &Bench, load: &Load, secret: &str) -> Result<Vec<Business>> {
    let run = ulid::Ulid::generate().to_string().to_lowercase();
    let mut all = vec![];
    for n in 0..load.businesses {
        let tenant = format!("pipe-{run}-{n}");
        let admin = jwt::mint(
            &DevClaims::new("admin-1", &tenant, "scl.view scl.admin", 3600),
            secret,
        )?;
        let settings = json!({
            "after_call_work_minutes": load.acw_minutes,
            "quiet_hours": null,
            "callback_caller_id": "+15125550000",
            "recipients": [
                {"user_id": "manager-1", "email": format!("manager-{n}@example.com"), "channels": ["in_app", "email"]},
                {"user_id": "owner-1", "phone": "+15125550199", "channels": ["in_app", "sms"]}
            ]
        });
        let resp = b
            .http
            .put(format!("{}/settings", b.api))
            .bearer_auth(&admin)
            .json(&settings)
            .send()
            .await?;
        if !resp.status().is_success() {
            return Err(anyhow!(
                "PUT /settings: {} {}",
                resp.status(),
                resp.text().await?
            ));
        }
        all.push(Business {
            csr: jwt::mint(&DevClaims::new("csr-1", &tenant, "scl.view", 3600), secret)?,
            tenant,
        });
    }
    Ok(all)
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Waits until no reader has asked for a change for 10 s, and it is 10 s past `not_before`
/// (at most 15 minutes).
async fn readers_idle(stack: &Stack, not_before: Instant) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(900) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let last = READERS
            .iter()
            .filter_map(|f| stack.aws_usage(f)?.last_change())
            .max()
            .unwrap_or(started);
        let quiet = Duration::from_secs(10);
        if last.elapsed() >= quiet && Instant::now() >= not_before + quiet {
            return;
        }
    }
}

pub(crate) async fn run(
    b: &Bench,
    stack: &Stack,
    log_dir: &Path,
    secret: &str,
    load: Load,
) -> Result<Figures> {
    let businesses = businesses(b, &load, secret).await?;
    let call = b.sample("call-completed.json")?;
    let booking = b.sample("job-booked.json")?;
    let event = |i: usize, outcome: &str| {
        let business = &businesses[i % businesses.len()];
        let mut e = call_event(&call, &business.tenant, i);
        let now = chrono::Utc::now();
        e["detail"]["call_id"] = json!(format!("{outcome}-call-{i}"));
        e["detail"]["outcome"] = json!(outcome);
        e["detail"]["from_number"] = json!(format!("+17375{:06}", i));
        e["detail"]["started_at"] = json!(rfc3339(now - chrono::Duration::minutes(4)));
        e["detail"]["ended_at"] = json!(rfc3339(now));
        e["detail"]["duration_seconds"] = json!(240);
        e
    };

    // The calls that end in a booking: no lead.
    let before = snapshot(stack, log_dir, b).await;
    stream::iter(0..load.booked_calls)
        .map(|i| async move { b.invoke("IngestCallFunction", &event(i, "booked")).await })
        .buffer_unordered(load.concurrency)
        .try_collect::<Vec<_>>()
        .await?;
    readers_idle(stack, Instant::now()).await;
    let after_booked = snapshot(stack, log_dir, b).await;
    let booked_calls = since(&before, &after_booked, 0);

    // The burst: every call unbooked; every 30th booked during its wrap-up, and another of each
    // 30 booked 5 s after its lead was due (its booking reaches the lead through the stream).
    let started = Instant::now();
    let (to_book, booked_later) = tokio::sync::mpsc::unbounded_channel::<(Value, Instant)>();
    // The closure owns the sender (its tasks a clone each), so the bookings' stream ends with
    // the intake.
    let (all, event) = (&businesses, &event);
    let intake = stream::iter(0..load.calls)
        .map(move |i| {
            let (e, booking) = (event(i, "unbooked"), booking.clone());
            let tenant = all[i % all.len()].tenant.clone();
            let to_book = to_book.clone();
            async move {
                if load.rate > 0.0 {
                    let slot = started + Duration::from_secs_f64(i as f64 / load.rate);
                    tokio::time::sleep_until(slot.into()).await;
                }
                let (out, _) = b.invoke("IngestCallFunction", &e).await?;
                let accepted = Instant::now();
                // When the decision is due, on this process's clock.
                let due = out["decide_at"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .and_then(|t| {
                        (t.with_timezone(&chrono::Utc) - chrono::Utc::now())
                            .to_std()
                            .ok()
                    })
                    .map_or(accepted, |wait| accepted + wait);
                let booked = i % 30 == 0;
                let mut ev = booking;
                ev["detail"]["tenant_id"] = json!(tenant);
                ev["detail"]["job_id"] = json!(format!("pipe-job-{i}"));
                ev["detail"]["customer_phone"] = e["detail"]["from_number"].clone();
                ev["detail"]["scl_lead_id"] = Value::Null;
                if booked {
                    ev["detail"]["booked_at"] = json!(rfc3339(chrono::Utc::now()));
                    b.invoke("IngestBookingFunction", &ev).await?;
                } else if i % 30 == 15 {
                    let _ = to_book.send((ev, due + Duration::from_secs(5)));
                }
                let lead = out["lead_id"].is_string() || out["decide_at"].is_string();
                Ok::<_, anyhow::Error>((accepted, due, lead && !booked, booked))
            }
        })
        .buffer_unordered(load.concurrency)
        .try_collect::<Vec<(Instant, Instant, bool, bool)>>();
    let later_bookings = stream::unfold(booked_later, |mut rx| async move {
        rx.recv().await.map(|x| (x, rx))
    })
    .map(|(mut ev, at): (Value, Instant)| async move {
        tokio::time::sleep_until(at.into()).await;
        ev["detail"]["booked_at"] = json!(rfc3339(chrono::Utc::now()));
        b.invoke("IngestBookingFunction", &ev).await
    })
    .buffer_unordered(256)
    .try_collect::<Vec<_>>();
    let (outcomes, later) = futures_util::future::join(intake, later_bookings).await;
    let (outcomes, later) = (outcomes?, later?);
    let last_accepted = outcomes.iter().map(|o| o.0).max().unwrap_or(started);
    let last_due = outcomes
        .iter()
        .map(|o| o.1)
        .max()
        .unwrap_or(last_accepted)
        .max(last_accepted);
    readers_idle(stack, last_due + Duration::from_secs(5)).await;
    let after_burst = snapshot(stack, log_dir, b).await;
    let caught_up = READERS
        .iter()
        .map(|f| {
            let last = stack.aws_usage(f).and_then(|u| u.last_change());
            let after = last
                .filter(|t| *t > started)
                .map(|t| t.saturating_duration_since(last_accepted));
            (*f, after)
        })
        .collect();
    let burst = since(&after_booked, &after_burst, 0);

    // CSRs work leads: the Open tab's first page, a lead's detail, a call-back, a status.
    let mut gateway_requests = 0;
    let mut leads = 0;
    for n in 0..load.worked_leads {
        let business = &businesses[n % businesses.len()];
        let page: Value = b
            .http
            .get(format!("{}/leads?tab=open&limit=25", b.api))
            .bearer_auth(&business.csr)
            .send()
            .await?
            .json()
            .await?;
        gateway_requests += 1;
        let Some(id) = page["items"][0]["lead_id"]
            .as_str()
            .or_else(|| page["items"][0]["id"].as_str())
        else {
            continue;
        };
        let steps = [
            ("GET", format!("/leads/{id}"), Value::Null),
            ("POST", format!("/leads/{id}/callback"), json!({})),
            (
                "PUT",
                format!("/leads/{id}/status"),
                json!({"status": "not_able_to_save", "note": "went with a competitor"}),
            ),
        ];
        for (method, path, body) in steps {
            let mut req = b
                .http
                .request(method.parse()?, format!("{}{path}", b.api))
                .bearer_auth(&business.csr);
            if !body.is_null() {
                req = req.json(&body);
            }
            let resp = req.send().await?;
            gateway_requests += 1;
            if !resp.status().is_success() {
                return Err(anyhow!("{method} {path}: {}", resp.status()));
            }
            resp.bytes().await?;
        }
        leads += 1;
    }
    readers_idle(stack, Instant::now()).await;
    let after_worked = snapshot(stack, log_dir, b).await;
    let worked = since(&after_burst, &after_worked, gateway_requests);
    let load = Load {
        worked_leads: leads,
        ..load
    };
    Ok(Figures {
        load,
        leads: outcomes.iter().filter(|o| o.2).count(),
        booked_in_wrap_up: outcomes.iter().filter(|o| o.3).count(),
        booked_after_due: later.len(),
        intake: last_accepted - started,
        due_after_intake: last_due - last_accepted,
        caught_up,
        booked_calls,
        burst,
        worked,
    })
}

/// The readers' catch-up as Markdown.
pub(crate) fn catch_up_section(f: &Figures) -> String {
    let mut out = format!(
        "\n### A burst of {} calls from {} businesses\n\n\
         {} calls sent {} at a time through the Invoke API{}, accepted in {:.1} s ({:.0} calls/s); \
         After Call Work Time {} min, so the last call's decision was due {:.1} s after it was \
         accepted. {} calls waited for their decision; {} of them booked during their wrap-up (no \
         lead), {} booked 5 s \
         after they were due (through the stream). Each reader's \
         last change (a write or a send) after the last call was accepted, and after the last \
         decision was due:\n\n\
         | reader | after the last call (s) | after the last decision due (s) |\n|---|---:|---:|\n",
        f.load.calls,
        f.load.businesses,
        f.load.calls,
        f.load.concurrency,
        if f.load.rate > 0.0 {
            format!(" at most {} a second", f.load.rate)
        } else {
            String::new()
        },
        f.intake.as_secs_f64(),
        f.load.calls as f64 / f.intake.as_secs_f64().max(0.001),
        f.load.acw_minutes,
        f.due_after_intake.as_secs_f64(),
        f.leads,
        f.booked_in_wrap_up,
        f.booked_after_due,
    );
    for (reader, after) in &f.caught_up {
        match after {
            Some(d) => {
                let due = d.as_secs_f64() - f.due_after_intake.as_secs_f64();
                out.push_str(&format!(
                    "| {reader} | {:.1} | {} |\n",
                    d.as_secs_f64(),
                    if due <= 0.0 {
                        "before".to_owned()
                    } else {
                        format!("{due:.1}")
                    }
                ));
            }
            None => out.push_str(&format!("| {reader} | (no change) | |\n")),
        }
    }
    out
}

/// The log directory of the pipeline's stack.
pub(crate) fn log_dir(root: &Path) -> PathBuf {
    root.join("target/scl-bench-logs/pipeline")
}
