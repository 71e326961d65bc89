//! `make bench`: measures the local stack with the real function binaries under the Lambda
//! Runtime Interface Emulator and prints a Markdown report (BENCHMARKS.md is written from it).
//!
//! What it measures, per function or route: first invocation (process start + init + the first
//! request, i.e. a cold start) against the warm median; latency percentiles of the API routes
//! through the local gateway with a tenant holding `SCL_BENCH_LEADS` leads; ingestion latency;
//! JobBooked -> lead `booked_by_scl` through the table's stream; peak RSS of every bootstrap.
//! Figures are for the binaries in `SCL_BENCH_BIN_DIR` (default: the debug build; `make bench`
//! gives the release build) on this machine against DynamoDB Local and moto — relative, not
//! what Lambda on arm64 will show. The release cold starts, beside lambda_runtime's hello
//! world, come first (`release_cold_starts`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use scl_local::jwt::{self, DevClaims};
use scl_local::runtime::{default_bin_dir, FunctionRuntime, RuntimeConfig};
use scl_local::stack::{Stack, StackConfig};
use serde_json::{json, Value};

mod cost;
mod pipeline;
mod platform;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50 / p95 / p99 / max in milliseconds.
fn percentiles(mut xs: Vec<Duration>) -> [f64; 4] {
    xs.sort();
    let at = |q: f64| ms(xs[((xs.len() as f64 - 1.0) * q).round() as usize]);
    [at(0.50), at(0.95), at(0.99), ms(xs[xs.len() - 1])]
}

struct Bench {
    http: reqwest::Client,
    api: String,
    invoke: String,
    root: PathBuf,
    /// The stack's table, where the businesses the bench sends events for are bound to the
    /// samples' sources (written directly, so no function runs before it is measured).
    store: scl_aws::DynamoStore,
    bound: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// The stack's table, for its size.
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
}

impl Bench {
    fn sample(&self, name: &str) -> Result<Value> {
        let text = std::fs::read_to_string(self.root.join("events").join(name))?;
        Ok(serde_json::from_str(&text)?)
    }

    async fn invoke(&self, function: &str, payload: &Value) -> Result<(Value, Duration)> {
        if let ("IngestCallFunction" | "IngestBookingFunction", Some(tenant)) =
            (function, payload["detail"]["tenant_id"].as_str())
        {
            self.bind(tenant).await?;
        }
        let started = Instant::now();
        let resp = self
            .http
            .post(format!(
                "{}/2015-03-31/functions/{function}/invocations",
                self.invoke
            ))
            .json(payload)
            .send()
            .await?;
        let failed = resp.headers().get("x-amz-function-error").is_some();
        let body: Value = resp.json().await?;
        if failed {
            return Err(anyhow!("{function} failed: {body}"));
        }
        Ok((body, started.elapsed()))
    }

    /// Binds `tenant` to the samples' sources, once.
    async fn bind(&self, tenant: &str) -> Result<()> {
        if self
            .bound
            .lock()
            .map_err(|_| anyhow!("poisoned"))?
            .contains(tenant)
        {
            return Ok(());
        }
        scl_local::seed::bind_sample_sources(&self.store, tenant).await?;
        self.bound
            .lock()
            .map_err(|_| anyhow!("poisoned"))?
            .insert(tenant.to_owned());
        Ok(())
    }

    /// Polls the lead every `every` until it shows `booked_by_scl`; an error after `limit`.
    async fn until_booked(
        &self,
        lead: &str,
        token: &str,
        every: Duration,
        limit: Duration,
    ) -> Result<()> {
        let started = Instant::now();
        loop {
            let v: Value = self
                .http
                .get(format!("{}/leads/{lead}", self.api))
                .bearer_auth(token)
                .send()
                .await?
                .json()
                .await?;
            if v["status"] == "booked_by_scl" {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(anyhow!("booking of {lead} not applied in {limit:?}"));
            }
            tokio::time::sleep(every).await;
        }
    }

    /// The table's items' size as DynamoDB Local reports it (`TableSizeBytes`).
    async fn table_bytes(&self) -> Result<i64> {
        let t = self
            .dynamodb
            .describe_table()
            .table_name(&self.table)
            .send()
            .await?;
        Ok(t.table().and_then(|t| t.table_size_bytes()).unwrap_or(0))
    }

    async fn get(&self, path: &str, token: &str) -> Result<Duration> {
        let started = Instant::now();
        let resp = self
            .http
            .get(format!("{}{path}", self.api))
            .bearer_auth(token)
            .send()
            .await?;
        let status = resp.status();
        resp.bytes().await?;
        if !status.is_success() {
            return Err(anyhow!("GET {path}: {status}"));
        }
        Ok(started.elapsed())
    }
}

fn call_event(template: &Value, tenant: &str, i: usize) -> Value {
    let mut e = template.clone();
    e["id"] = json!(ulid::Ulid::generate().to_string());
    e["detail"]["tenant_id"] = json!(tenant);
    e["detail"]["call_id"] = json!(format!("bench-call-{i}"));
    e["detail"]["from_number"] = json!(format!("+1512555{:04}", i % 10_000));
    e
}

/// Peak and current resident set of the emulator's children (the function's bootstrap).
fn bootstrap_memory(emulator_pid: u32) -> Option<(u64, u64)> {
    // The bootstrap is the process whose parent is the emulator.
    let pid = std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let pid = e.ok()?.file_name().into_string().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state ppid ...`; comm may contain spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse::<u32>()
            .ok()?;
        (ppid == emulator_pid).then_some(pid)
    })?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    Some((kib("VmHWM:")?, kib("VmRSS:")?))
}

/// The emulator's `INIT REPORT(durationMs: ...)` for `function`: the cold start's init phase.
fn init_ms(log_dir: &Path, function: &str) -> Option<f64> {
    init_report(&std::fs::read_to_string(log_dir.join(format!("{function}.log"))).ok()?)
}

/// The init phase in an emulator's log: process start to the runtime's first `next`.
fn init_report(log: &str) -> Option<f64> {
    let line = log
        .lines()
        .find(|l| l.contains("INIT REPORT(durationMs:"))?;
    line.split("durationMs:")
        .nth(1)?
        .trim()
        .trim_end_matches(')')
        .trim()
        .parse()
        .ok()
}

/// Every invocation's `Duration` in an emulator's log, in order (ms). The emulator runs the
/// init inside the first invocation, so the first includes it.
fn report_durations(log: &str) -> Vec<f64> {
    log.lines()
        .filter(|l| l.starts_with("REPORT RequestId:"))
        .filter_map(|l| {
            l.split('\t')
                .find_map(|f| f.trim().strip_prefix("Duration: "))?
                .trim_end_matches(" ms")
                .parse()
                .ok()
        })
        .collect()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n => xs[n / 2],
    }
}

/// One cold start read from an emulator's log: init, the first invocation's own time (its
/// duration less the init inside it), and the median of the invocations after it.
#[derive(Debug, Clone, Copy)]
struct ColdStart {
    init: f64,
    first: f64,
    warm: f64,
}

impl ColdStart {
    fn from_log(log: &str) -> Option<ColdStart> {
        let init = init_report(log)?;
        let durations = report_durations(log);
        let (first, rest) = durations.split_first()?;
        Some(ColdStart {
            init,
            first: (first - init).max(0.0),
            warm: median(rest.to_vec()),
        })
    }
}

/// Every function with its events/ sample.
const SAMPLES: &[(&str, &str)] = &[
    ("IngestCallFunction", "call-completed.json"),
    ("ListLeadsFunction", "list-leads.json"),
    ("GetLeadFunction", "get-lead.json"),
    ("SearchTranscriptFunction", "search-transcript.json"),
    ("AddNoteFunction", "add-note.json"),
    ("DismissFunction", "dismiss.json"),
    ("CallbackFunction", "callback.json"),
    ("UpdateStatusFunction", "update-status.json"),
    ("BannerFunction", "banner.json"),
    ("SettingsFunction", "get-settings.json"),
    ("IngestBookingFunction", "job-booked.json"),
    ("BookingStreamFunction", "dynamodb-booking-insert.json"),
    ("NotifyFunction", "dynamodb-lead-insert.json"),
    ("FlushHeldSmsFunction", "schedule.json"),
    ("ColdSweepFunction", "cold-sweep.json"),
    ("DecideDueCallsFunction", "schedule.json"),
    ("NotificationsFunction", "notifications.json"),
    ("MarkNotificationReadFunction", "notification-read.json"),
    ("NearMissesFunction", "near-misses.json"),
    ("PromoteCallFunction", "promote-call.json"),
    ("DetectionFunction", "detection-stats.json"),
    ("LearnLabelsFunction", "dynamodb-lead-modify.json"),
    ("PublishEventsFunction", "dynamodb-outbox-insert.json"),
    ("ReportsFunction", "reports-summary.json"),
    ("CountReportsFunction", "dynamodb-lead-modify.json"),
    ("RepairReportsFunction", "check-reports.json"),
    ("PreTokenFunction", "pre-token.json"),
    ("WebhookFunction", "webhook.json"),
    ("IntegrationsFunction", "get-webhook.json"),
];

async fn start(root: &Path, bin_dir: &Path, secret: &str) -> Result<Stack> {
    let logs = root.join("target/scl-bench-logs");
    start_logging_to(root, bin_dir, secret, &logs, &bench_prefix()).await
}

/// A stack's own table and topic names: `bench-<ulid>-`.
fn bench_prefix() -> String {
    format!(
        "bench-{}-",
        ulid::Ulid::generate().to_string().to_lowercase()
    )
}

async fn start_logging_to(
    root: &Path,
    bin_dir: &Path,
    secret: &str,
    log_dir: &Path,
    name_prefix: &str,
) -> Result<Stack> {
    let any = "127.0.0.1:0".parse()?;
    Stack::start(StackConfig {
        template: root.join("infra/template.yaml"),
        runtime: RuntimeConfig {
            rie: root.join(".local/bin/aws-lambda-rie"),
            bin_dir: bin_dir.to_path_buf(),
            dynamodb_url: env_or("SCL_DYNAMODB_URL", "http://127.0.0.1:8000"),
            moto_url: env_or("SCL_MOTO_URL", "http://127.0.0.1:5000"),
            access_key: scl_local::stack::fresh_access_key("bench"),
            log_dir: Some(log_dir.to_path_buf()),
        },
        name_prefix: name_prefix.to_owned(),
        api_addr: any,
        invoke_addr: any,
        jwt_secret: secret.to_owned(),
        console_dir: None,
    })
    .await
    .context("starting the stack (emulators running? binaries built?)")
}

async fn bench_client(root: &Path, stack: &Stack) -> Bench {
    let ddb = stack
        .sdk_config(&env_or("SCL_DYNAMODB_URL", "http://127.0.0.1:8000"))
        .await;
    let table = stack.resolved.names.get("LeadsTable").cloned();
    Bench {
        http: reqwest::Client::new(),
        api: format!("http://{}", stack.api_addr),
        invoke: format!("http://{}", stack.invoke_addr),
        root: root.to_path_buf(),
        store: scl_aws::DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&ddb),
            table.clone().unwrap_or_default(),
        ),
        bound: Default::default(),
        dynamodb: aws_sdk_dynamodb::Client::new(&ddb),
        table: table.unwrap_or_default(),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let root = PathBuf::from(env_or("SCL_ROOT", "."));
    let leads: usize = env_or("SCL_BENCH_LEADS", "200").parse()?;
    let rounds: usize = env_or("SCL_BENCH_ROUNDS", "200").parse()?;
    let bin_dir = std::env::var("SCL_BENCH_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| default_bin_dir(&root));
    let secret = "bench-secret";

    // `SCL_BENCH_ONLY=reports`: only the year of reports (a few minutes), on a stack of its own.
    if env_or("SCL_BENCH_ONLY", "") == "reports" {
        let stack = start(&root, &bin_dir, secret).await?;
        let b = bench_client(&root, &stack).await;
        print!("{}", report_for_a_year(&b, &stack, secret).await?);
        return Ok(());
    }
    // `SCL_BENCH_ONLY=pipeline`: the burst, each reader's catch-up and the cost table;
    // `SCL_BENCH_ONLY=platform` (make simulate): the same with 300 businesses, extrapolated.
    match env_or("SCL_BENCH_ONLY", "").as_str() {
        "pipeline" => {
            print!(
                "{}",
                pipeline_report(&root, &bin_dir, secret, 30, false).await?
            );
            return Ok(());
        }
        "platform" => {
            print!(
                "{}",
                pipeline_report(&root, &bin_dir, secret, 300, true).await?
            );
            return Ok(());
        }
        _ => {}
    }
    let release = release_cold_starts(&root, secret).await?;
    if env_or("SCL_BENCH_COLD_ONLY", "0") == "1" {
        print!("{release}");
        return Ok(());
    }
    let stack = start(&root, &bin_dir, secret).await?;
    let b = bench_client(&root, &stack).await;

    // Cold (first invocation) and warm (median of the next 10) per function.
    let mut cold_rows = vec![];
    for (function, sample) in SAMPLES {
        let payload = b.sample(sample)?;
        let (_, cold) = b.invoke(function, &payload).await?;
        let mut warm = vec![];
        for _ in 0..10 {
            warm.push(b.invoke(function, &payload).await?.1);
        }
        cold_rows.push((function.to_string(), ms(cold), percentiles(warm)[0]));
    }
    // A tenant with `leads` leads, then each read route `rounds` times.
    let tenant = format!(
        "bench-{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    );
    let call = b.sample("call-completed.json")?;
    let mut ingest = vec![];
    let mut lead_ids = vec![];
    for i in 0..leads {
        let (out, took) = b
            .invoke("IngestCallFunction", &call_event(&call, &tenant, i))
            .await?;
        ingest.push(took);
        if let Some(id) = out["lead_id"].as_str() {
            lead_ids.push(id.to_owned());
        }
    }
    let id = lead_ids
        .first()
        .cloned()
        .ok_or_else(|| anyhow!("no lead was created"))?;
    let token = jwt::mint(&DevClaims::new("u-1", &tenant, "scl.view", 3600), secret)?;
    let routes = [
        (
            "GET /leads?tab=open (page of 25)",
            "/leads?tab=open&limit=25".to_owned(),
        ),
        ("GET /leads/{id}", format!("/leads/{id}")),
        (
            "GET /leads/{id}/transcript/search?q=price",
            format!("/leads/{id}/transcript/search?q=price"),
        ),
        (
            "GET /banner?phone=...",
            "/banner?phone=%2B15125550001".to_owned(),
        ),
    ];
    let mut route_rows = vec![(
        "ingest CallCompleted (Invoke API)".to_owned(),
        percentiles(ingest),
    )];
    for (name, path) in &routes {
        let mut xs = vec![];
        for _ in 0..rounds {
            xs.push(b.get(path, &token).await?);
        }
        route_rows.push((name.to_string(), percentiles(xs)));
    }
    let mut notes = vec![];
    for i in 0..rounds.min(100) {
        let started = Instant::now();
        let resp = b
            .http
            .post(format!(
                "{}/leads/{}/notes",
                b.api,
                lead_ids[i % lead_ids.len()]
            ))
            .bearer_auth(&token)
            .json(&json!({"text": format!("bench note {i}")}))
            .send()
            .await?;
        if resp.status() != 201 {
            return Err(anyhow!("POST notes: {}", resp.status()));
        }
        resp.bytes().await?;
        notes.push(started.elapsed());
    }
    route_rows.push(("POST /leads/{id}/notes".to_owned(), percentiles(notes)));

    // JobBooked -> the lead shows booked_by_scl (Invoke, stream mapping, BookingStream).
    let booking = b.sample("job-booked.json")?;
    let mut e2e = vec![];
    for (i, lead) in lead_ids.iter().take(20).enumerate() {
        let mut ev = booking.clone();
        ev["detail"]["tenant_id"] = json!(tenant);
        ev["detail"]["job_id"] = json!(format!("bench-job-{i}"));
        ev["detail"]["scl_lead_id"] = json!(lead);
        let started = Instant::now();
        b.invoke("IngestBookingFunction", &ev).await?;
        b.until_booked(
            lead,
            &token,
            Duration::from_millis(20),
            Duration::from_secs(10),
        )
        .await?;
        e2e.push(started.elapsed());
    }
    route_rows.push((
        "JobBooked -> lead booked_by_scl (stream, 20 polls at 20 ms)".to_owned(),
        percentiles(e2e),
    ));

    let queue = queue_at_size(&b, &stack, secret).await?;
    // A failure here is reported in the output rather than losing the run's other figures.
    let reports = report_for_a_year(&b, &stack, secret)
        .await
        .unwrap_or_else(|e| format!("\n### Reports over a year: not measured ({e:#})\n"));
    let burst = pipeline_report(&root, &bin_dir, secret, 30, false).await?;

    let mut memory = BTreeMap::new();
    for (name, rt) in stack.functions() {
        if let Some(m) = rt.emulator_pid().and_then(bootstrap_memory) {
            memory.insert(name.clone(), m);
        }
    }

    println!(
        "Binaries: `{}`; {leads} leads in the tenant, {rounds} requests per read route.\n",
        bin_dir.display()
    );
    print!("{release}");
    println!(
        "\n### Cold and warm invocations of `{}` (Invoke API, each function's events/ sample)\n",
        bin_dir.display()
    );
    println!(
        "| function | init (ms) | first invocation (ms) | warm median (ms) | peak RSS (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (f, cold, warm) in &cold_rows {
        let rss = memory
            .get(f)
            .map(|(hwm, _)| format!("{:.1}", *hwm as f64 / 1024.0))
            .unwrap_or_else(|| "-".into());
        let init = init_ms(&root.join("target/scl-bench-logs"), f)
            .map_or_else(|| "-".into(), |i| format!("{i:.1}"));
        println!("| {f} | {init} | {cold:.1} | {warm:.1} | {rss} |");
    }
    let mut sizes: Vec<(String, u64)> = std::fs::read_dir(root.join(".aws-sam/build"))
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let e = e.ok()?;
            let len = std::fs::metadata(e.path().join("bootstrap")).ok()?.len();
            Some((e.file_name().into_string().ok()?, len))
        })
        .collect();
    sizes.sort();
    if !sizes.is_empty() {
        println!("\n### `make package` bootstraps (arm64, release, .aws-sam/build)\n");
        println!("| function | bootstrap (KiB) |");
        println!("|---|---:|");
        for (f, len) in sizes {
            println!("| {f} | {} |", len / 1024);
        }
    }
    println!("\n### Latency through the local gateway and emulators\n");
    println!("| operation | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |");
    println!("|---|---:|---:|---:|---:|");
    for (name, [p50, p95, p99, max]) in &route_rows {
        println!("| {name} | {p50:.1} | {p95:.1} | {p99:.1} | {max:.1} |");
    }
    print!("{queue}");
    print!("{reports}");
    print!("{burst}");
    Ok(())
}

/// The release build's cold starts (the binaries in `SCL_BENCH_RELEASE_DIR`, else in
/// `SCL_BENCH_BIN_DIR`, where `make bench` has `make release-functions` build them, else in
/// `target/release`): every function and lambda_runtime's hello world, each started
/// `SCL_BENCH_COLD_ROUNDS` times (default 7) under the emulator in a fresh stack, invoked with
/// its events/ sample 11 times, each start `SCL_BENCH_SETTLE_MS` (default 1000) after the
/// previous one's work has had time to drain. Per function: the binary's size, the median init and its ratio
/// to the hello world's, the median first invocation (without its init) and warm invocation,
/// and the peak RSS. Empty when the release binaries are not built.
async fn release_cold_starts(root: &Path, secret: &str) -> Result<String> {
    let dir = std::env::var("SCL_BENCH_RELEASE_DIR")
        .or_else(|_| std::env::var("SCL_BENCH_BIN_DIR"))
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/release"));
    let hello = dir.join("hello-lambda");
    if !hello.exists() {
        return Ok(format!(
            "\n(no release cold starts: {} is not built; `make bench` builds it)\n",
            hello.display()
        ));
    }
    let rounds: usize = env_or("SCL_BENCH_COLD_ROUNDS", "7").parse()?;
    let settle = Duration::from_millis(env_or("SCL_BENCH_SETTLE_MS", "1000").parse()?);
    let template = scl_local::template::Template::load(&root.join("infra/template.yaml"))?;
    // Started by a stream or queue mapping (a table's changes reach some functions through
    // queues).
    let stream_started = |function: &str| {
        template.functions.iter().any(|f| {
            f.logical_id == function && !(f.stream_sources.is_empty() && f.queue_sources.is_empty())
        })
    };
    let event_driven = |function: &str| {
        template
            .functions
            .iter()
            .any(|f| f.logical_id == function && f.routes.is_empty())
    };
    // The functions a stream or queue mapping invokes are started first, by their samples,
    // before any other function writes a record that would start them mid-measurement.
    let mut order: Vec<(&str, &str)> = SAMPLES.to_vec();
    order.sort_by_key(|(function, _)| !stream_started(function));
    let logs = root.join("target/scl-bench-logs/release");
    let mut starts: BTreeMap<&str, Vec<ColdStart>> = BTreeMap::new();
    let mut rss: BTreeMap<&str, u64> = BTreeMap::new();
    for round in 0..rounds {
        let round_logs = logs.join(format!("round-{round}"));
        // Every start, the hello world's included, happens in a running stack (its stream
        // pollers, DynamoDB Local and moto up) once the work the previous start caused has
        // drained: on Lambda each execution environment has its own CPU, so what is measured
        // is the binary's start, not the other functions sharing this machine's two cores.
        let prefix = bench_prefix();
        let stack = start_logging_to(root, &dir, secret, &round_logs, &prefix).await?;
        query_every_index(&template, &prefix, &stack).await?;
        tokio::time::sleep(settle).await;
        // The hello world starts before the functions and again after them: twice the samples
        // of the baseline every ratio is taken against.
        let hello = |starts: &mut BTreeMap<&str, Vec<ColdStart>>,
                     rss: &mut BTreeMap<&str, u64>,
                     (cold, peak): (ColdStart, Option<u64>)| {
            starts.entry("hello-lambda").or_default().push(cold);
            let max = rss.entry("hello-lambda").or_default();
            *max = (*max).max(peak.unwrap_or(0));
        };
        let before = hello_cold_start(root, &dir, &round_logs.join("hello-before")).await?;
        hello(&mut starts, &mut rss, before);

        let b = bench_client(root, &stack).await;
        for &(function, sample) in &order {
            tokio::time::sleep(settle).await;
            let payload = b.sample(sample)?;
            for i in 0..11 {
                // An event is applied once (every event-driven function is idempotent), so a
                // replay does less than the first: the warm runs get other calls, bookings and
                // records of other leads.
                if i > 0 && event_driven(function) {
                    b.invoke(function, &with_fresh_ids(&payload)?).await?;
                } else {
                    b.invoke(function, &payload).await?;
                }
            }
            let peak = stack
                .functions()
                .get(function)
                .and_then(|rt| rt.emulator_pid())
                .and_then(bootstrap_memory)
                .map(|(hwm, _)| hwm);
            let max = rss.entry(function).or_default();
            *max = (*max).max(peak.unwrap_or(0));
        }
        tokio::time::sleep(settle).await;
        let after = hello_cold_start(root, &dir, &round_logs.join("hello-after")).await?;
        hello(&mut starts, &mut rss, after);
        drop(stack);
        for (function, _) in SAMPLES {
            let log = std::fs::read_to_string(round_logs.join(format!("{function}.log")))?;
            let cold = ColdStart::from_log(&log)
                .ok_or_else(|| anyhow!("{function}: no init or invocation in its log"))?;
            starts.entry(function).or_default().push(cold);
        }
    }
    let summary = |xs: &[ColdStart]| {
        (
            median(xs.iter().map(|c| c.init).collect()),
            median(xs.iter().map(|c| c.first).collect()),
            median(xs.iter().map(|c| c.warm).collect()),
        )
    };
    let (hello_init, ..) = summary(&starts["hello-lambda"]);
    let (opening, open) =
        dynamodb_connection_cost(&env_or("SCL_DYNAMODB_URL", "http://127.0.0.1:8000")).await?;
    let connection = (opening - open).max(0.0);
    let mut out = format!(
        "\n### Cold starts of the release build ({} rounds, `{}`)\n\n\
         Init: the emulator's INIT REPORT (process start to the first `next`), median of the \
         rounds (the hello world's of two starts per round, before and after the functions). \
         First: the first invocation without the init the emulator runs inside it. Warm: the \
         median of the 10 after it, for event-driven functions with other events (a replayed \
         event is a no-op). Medians over rounds; peak RSS the highest. Every start is in a \
         running stack whose indexes have been queried once, after the previous start's work \
         has drained. \
         A function's first request opens its connection to DynamoDB Local, which the warm ones \
         reuse: a request on a new connection took {opening:.2} ms and one on an open connection \
         {open:.2} ms (medians of 21, this run), so the last ratio leaves out {connection:.2} ms.\n\n\
         | function | size (KiB) | init (ms) | init ÷ hello | first (ms) | warm (ms) | first ÷ warm | first less a new connection ÷ warm | peak RSS (MiB) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        rounds,
        dir.display()
    );
    let binary_of = |function: &str| {
        template
            .functions
            .iter()
            .find(|f| f.logical_id == function)
            .map_or_else(String::new, |f| f.binary.clone())
    };
    let order = std::iter::once(("hello-lambda", "hello-lambda".to_owned()))
        .chain(SAMPLES.iter().map(|(f, _)| (*f, binary_of(f))));
    for (function, binary) in order {
        let (init, first, warm) = summary(&starts[function]);
        let size = std::fs::metadata(dir.join(&binary)).map_or(0, |m| m.len() / 1024);
        out.push_str(&format!(
            "| {function} | {size} | {init:.2} | {:.2} | {first:.2} | {warm:.2} | {:.2} | {:.2} | {:.1} |\n",
            init / hello_init,
            first / warm,
            (first - connection).max(0.0) / warm,
            rss.get(function).copied().unwrap_or(0) as f64 / 1024.0,
        ));
    }
    Ok(out)
}

/// One Query on every table's base key and each of its indexes, for a key nothing is written
/// under. DynamoDB Local does work at the first query of each new table and index (SQLite
/// statements, the JVM's code paths) that DynamoDB does not; done here, it is in no function's
/// first invocation.
async fn query_every_index(
    template: &scl_local::template::Template,
    prefix: &str,
    stack: &Stack,
) -> Result<()> {
    let url = env_or("SCL_DYNAMODB_URL", "http://127.0.0.1:8000");
    let client = aws_sdk_dynamodb::Client::new(&stack.sdk_config(&url).await);
    let hash_key = |schema: &Value| {
        schema
            .as_array()
            .and_then(|keys| keys.iter().find(|k| k["KeyType"] == "HASH"))
            .and_then(|k| k["AttributeName"].as_str())
            .map(str::to_owned)
    };
    for table in &template.tables {
        let name = format!("{prefix}{}", table.logical_id);
        let p: Value = serde_json::to_value(&table.properties)?;
        let mut queries = vec![(None, hash_key(&p["KeySchema"]))];
        for index in p["GlobalSecondaryIndexes"].as_array().into_iter().flatten() {
            let index_name = index["IndexName"].as_str().map(str::to_owned);
            queries.push((index_name, hash_key(&index["KeySchema"])));
        }
        for (index, key) in queries {
            let key = key.ok_or_else(|| anyhow!("{name}: a key schema without a hash key"))?;
            client
                .query()
                .table_name(&name)
                .set_index_name(index)
                .key_condition_expression("#k = :v")
                .expression_attribute_names("#k", key)
                .expression_attribute_values(
                    ":v",
                    aws_sdk_dynamodb::types::AttributeValue::S("bench-warm-up".into()),
                )
                .send()
                .await
                .with_context(|| format!("warming {name}"))?;
        }
    }
    Ok(())
}

/// What opening a connection adds to a request to DynamoDB Local: the median time of a cheap
/// request (`DescribeLimits`) on a new connection and on an open one, 21 of each, alternating.
async fn dynamodb_connection_cost(url: &str) -> Result<(f64, f64)> {
    async fn describe_limits(client: &reqwest::Client, url: &str) -> Result<Duration> {
        let started = Instant::now();
        client
            .post(url)
            .header("x-amz-target", "DynamoDB_20120810.DescribeLimits")
            .header("content-type", "application/x-amz-json-1.0")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, \
                 SignedHeaders=host, Signature=0",
            )
            .body("{}")
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        Ok(started.elapsed())
    }
    let open = reqwest::Client::new();
    describe_limits(&open, url).await?;
    let (mut on_new, mut on_open) = (vec![], vec![]);
    for _ in 0..21 {
        // Building a client is not part of what is measured; its first request connects.
        let new = reqwest::Client::new();
        on_new.push(ms(describe_limits(&new, url).await?));
        on_open.push(ms(describe_limits(&open, url).await?));
    }
    Ok((median(on_new), median(on_open)))
}

/// `payload` about something else: every ULID in it (a lead's, alone or inside a key) replaced
/// by a new one, the same replacement for each occurrence, and an EventBridge event's id and
/// its call or job id made new.
fn with_fresh_ids(payload: &Value) -> Result<Value> {
    let mut payload = payload.clone();
    let unique = ulid::Ulid::generate().to_string().to_lowercase();
    if payload.get("detail-type").is_some() {
        payload["id"] = json!(unique);
        for field in ["call_id", "job_id"] {
            if payload["detail"].get(field).is_some() {
                payload["detail"][field] = json!(format!("{field}-{unique}"));
            }
        }
    }
    let text = payload.to_string();
    let ids: std::collections::BTreeSet<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| t.len() == 26 && ulid::Ulid::from_string(t).is_ok())
        .collect();
    let fresh = ids.into_iter().fold(text.clone(), |text, id| {
        text.replace(id, &ulid::Ulid::generate().to_string())
    });
    Ok(serde_json::from_str(&fresh)?)
}

/// The hello world (not in the template) started under the emulator the way the stack starts a
/// function, beside the running stack, and invoked 11 times with `{}`: its cold start from the
/// emulator's log and its peak RSS.
async fn hello_cold_start(
    root: &Path,
    bin_dir: &Path,
    log_dir: &Path,
) -> Result<(ColdStart, Option<u64>)> {
    let def = scl_local::template::FunctionDef {
        logical_id: "hello-lambda".into(),
        binary: "hello-lambda".into(),
        environment: BTreeMap::new(),
        routes: vec![],
        stream_sources: vec![],
        queue_sources: vec![],
        timeout: None,
        schedules: vec![],
        event_rules: vec![],
        policies: vec![],
        condition: None,
    };
    let cfg = RuntimeConfig {
        rie: root.join(".local/bin/aws-lambda-rie"),
        bin_dir: bin_dir.to_path_buf(),
        dynamodb_url: String::new(),
        moto_url: String::new(),
        access_key: scl_local::stack::LOCAL_ACCESS_KEY.into(),
        log_dir: Some(log_dir.to_path_buf()),
    };
    // It calls no AWS service: the endpoint is never used.
    let rt = FunctionRuntime::start(&def, &Default::default(), &cfg, "http://127.0.0.1:9").await?;
    for _ in 0..11 {
        rt.invoke(b"{}".to_vec()).await?;
    }
    let peak = rt
        .emulator_pid()
        .and_then(bootstrap_memory)
        .map(|(hwm, _)| hwm);
    drop(rt);
    let log = std::fs::read_to_string(log_dir.join("hello-lambda.log"))?;
    let cold = ColdStart::from_log(&log)
        .ok_or_else(|| anyhow!("hello-lambda: no init or invocation in its log"))?;
    Ok((cold, peak))
}

/// The pipeline under a burst (`pipeline::run`) on a stack of its own, from `businesses`
/// businesses unless `SCL_BENCH_BUSINESSES` says otherwise: each reader's catch-up, the work
/// per call, the cost table, and with `platform` the extrapolation to a million calls a day.
async fn pipeline_report(
    root: &Path,
    bin_dir: &Path,
    secret: &str,
    businesses: usize,
    platform: bool,
) -> Result<String> {
    let load = pipeline::Load::from_env(businesses)?;
    let log_dir = pipeline::log_dir(root);
    let stack = start_logging_to(root, bin_dir, secret, &log_dir, &bench_prefix()).await?;
    let b = bench_client(root, &stack).await;
    let f = pipeline::run(&b, &stack, &log_dir, secret, load).await?;
    let mut out = pipeline::catch_up_section(&f);
    out.push_str(&cost::section(&f));
    out.push_str(&cost::work_section(
        "Booked calls",
        &f.booked_calls,
        f.load.booked_calls,
    ));
    out.push_str(&cost::work_section(
        "The burst's unbooked calls",
        &f.burst,
        f.load.calls,
    ));
    out.push_str(&cost::work_section(
        "CSRs working leads (per lead)",
        &f.worked,
        f.load.worked_leads,
    ));
    if platform {
        out.push_str(&platform::section(&f));
    }
    Ok(out)
}

/// Waits until the stream functions have caught up (their DynamoDB calls stop for 3 s, at
/// most 10 minutes), so reads are measured on a quiet machine; returns how long that took.
async fn streams_settled(stack: &Stack) -> Duration {
    let started = Instant::now();
    let busy = || {
        [
            "NotifyFunction",
            "LearnLabelsFunction",
            "BookingStreamFunction",
            "CountReportsFunction",
        ]
        .iter()
        .map(|f| stack.dynamodb_usage(f).0)
        .sum::<u64>()
    };
    let mut last = busy();
    while started.elapsed() < Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let now = busy();
        if now == last {
            break;
        }
        last = now;
    }
    started.elapsed()
}

/// One list walked page by page through the gateway: latency and DynamoDB cost of each page.
struct ListWalk {
    name: String,
    pages: usize,
    latency: [f64; 4],
    units: Vec<f64>,
    requests: Vec<u64>,
}

/// The queue at size (`SCL_BENCH_QUEUE_LEADS`, default 10,000 Open+Cold leads in one tenant,
/// 3 % of them Open): pages of 25 of every Open and Cold list, first pages repeated and then
/// `SCL_BENCH_QUEUE_PAGES` pages deep, with the read capacity each page consumed (as DynamoDB
/// reports it to ListLeadsFunction's calls), beside the detail view measured in the same run.
async fn queue_at_size(b: &Bench, stack: &Stack, secret: &str) -> Result<String> {
    use futures_util::{stream, StreamExt, TryStreamExt};
    let total: usize = env_or("SCL_BENCH_QUEUE_LEADS", "10000").parse()?;
    if total == 0 {
        return Ok(String::new());
    }
    let depth: usize = env_or("SCL_BENCH_QUEUE_PAGES", "40").parse()?;
    let repeats: usize = env_or("SCL_BENCH_ROUNDS", "200").parse::<usize>()?.min(100);
    let tenant = format!(
        "queue-{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    );
    let call = b.sample("call-completed.json")?;
    let now = chrono::Utc::now();
    let started = Instant::now();
    let ids: Vec<Option<String>> = stream::iter(0..total)
        .map(|i| {
            let mut e = call_event(&call, &tenant, i);
            // Every 33rd lead from the last two days (Open); the rest 5 to 60 days old (Cold).
            let start = if i % 33 == 0 {
                now - chrono::Duration::minutes(10 + (i as i64 % 2_800))
            } else {
                now - chrono::Duration::days(5 + (i as i64 % 55))
                    - chrono::Duration::seconds(i as i64)
            };
            let end = start + chrono::Duration::minutes(4);
            let f = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            e["detail"]["call_id"] = json!(format!("queue-call-{i}"));
            e["detail"]["from_number"] = json!(format!("+17372{:06}", i));
            e["detail"]["started_at"] = json!(f(start));
            e["detail"]["ended_at"] = json!(f(end));
            e["detail"]["duration_seconds"] = json!(240);
            async move {
                let (out, _) = b.invoke("IngestCallFunction", &e).await?;
                Ok::<_, anyhow::Error>(out["lead_id"].as_str().map(str::to_owned))
            }
        })
        .buffer_unordered(8)
        .try_collect()
        .await?;
    let created = ids.iter().flatten().count();
    let loaded_in = started.elapsed();
    let detail_id = ids
        .iter()
        .flatten()
        .next()
        .cloned()
        .ok_or_else(|| anyhow!("no queue lead was created"))?;
    let token = jwt::mint(&DevClaims::new("u-1", &tenant, "scl.view", 3600), secret)?;
    let settled_in = streams_settled(stack).await;

    let mut walks = Vec::new();
    let mut detail = Vec::new();
    for query in [
        "tab=open",
        "tab=cold",
        "tab=open&status=new",
        "tab=cold&status=new",
    ] {
        let mut latency = Vec::new();
        let (mut units, mut requests) = (Vec::new(), Vec::new());
        let page = |path: String| {
            let token = token.clone();
            async move {
                let before = stack.dynamodb_usage("ListLeadsFunction");
                let t = Instant::now();
                let resp = b
                    .http
                    .get(format!("{}{path}", b.api))
                    .bearer_auth(&token)
                    .send()
                    .await?;
                let body: Value = resp.json().await?;
                let took = t.elapsed();
                let after = stack.dynamodb_usage("ListLeadsFunction");
                Ok::<_, anyhow::Error>((body, took, after.0 - before.0, after.1 - before.1))
            }
        };
        // The first page, again and again (what a CSR refreshing the queue costs), each
        // followed by the detail view, so both meet the same machine.
        for _ in 0..repeats {
            let (_, took, n, u) = page(format!("/leads?{query}&limit=25")).await?;
            latency.push(took);
            requests.push(n);
            units.push(u);
            detail.push(b.get(&format!("/leads/{detail_id}"), &token).await?);
        }
        // Then deep into the list, following the cursor.
        let mut cursor: Option<String> = None;
        for _ in 0..depth {
            let path = match &cursor {
                Some(c) => format!("/leads?{query}&limit=25&cursor={c}"),
                None => format!("/leads?{query}&limit=25"),
            };
            let (body, took, n, u) = page(path).await?;
            latency.push(took);
            requests.push(n);
            units.push(u);
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        walks.push(ListWalk {
            name: format!("GET /leads?{query}"),
            pages: latency.len(),
            latency: percentiles(latency),
            units,
            requests,
        });
    }
    let detail_n = detail.len();
    let detail = percentiles(detail);

    let mut out = String::new();
    use std::fmt::Write;
    writeln!(
        out,
        "\n### The queue at {created} Open+Cold leads in one tenant (about 3 % Open)\n"
    )?;
    writeln!(
        out,
        "Loaded through the Invoke API in {:.0} s; measured once the stream functions had \
         worked through it ({:.0} s later). Pages of 25: the first page {repeats} times, each \
         followed by the detail view, then up to {depth} pages deep by cursor. Read units are \
         what DynamoDB reported for ListLeadsFunction's requests (eventually consistent reads; \
         a 1 MB read is 128).\n",
        loaded_in.as_secs_f64(),
        settled_in.as_secs_f64()
    )?;
    writeln!(
        out,
        "| list | pages | p50 (ms) | p95 (ms) | max (ms) | × detail p50 | read units per page (median / max) | requests per page (max) |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
    for w in &walks {
        let mut u = w.units.clone();
        u.sort_by(f64::total_cmp);
        writeln!(
            out,
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.2} | {:.1} / {:.1} | {} |",
            w.name,
            w.pages,
            w.latency[0],
            w.latency[1],
            w.latency[3],
            w.latency[0] / detail[0],
            u[u.len() / 2],
            u[u.len() - 1],
            w.requests.iter().max().unwrap_or(&0)
        )?;
    }
    writeln!(
        out,
        "| GET /leads/{{id}} (detail, between the first pages) | {detail_n} | {:.1} | {:.1} | {:.1} | 1.00 | | |",
        detail[0], detail[1], detail[3]
    )?;
    Ok(out)
}

/// One busy day's report counts as the stream leaves them (day `n` of the year): 30–50 leads
/// flagged, most reviewed, eight CSRs, a few dozen distinct minutes to first action.
fn a_busy_day(n: usize) -> scl_domain::report::Counts {
    use scl_domain::report::{minutes_bucket, Counter, CsrCounter};
    use scl_domain::{LeadStatus, UserId};
    let flagged = 30 + (n * 7 % 21) as i64;
    let reviewed = flagged * 8 / 10;
    let booked = flagged / 5;
    let mut counts = vec![
        (Counter::Flagged, flagged),
        (Counter::Reviewed, reviewed),
        (Counter::CalledBack, flagged / 2),
        (Counter::Disposition(LeadStatus::BookedByScl), booked),
        (
            Counter::Disposition(LeadStatus::BookedElsewhere),
            flagged / 10,
        ),
        (Counter::Disposition(LeadStatus::NotALead), flagged / 12),
        (
            Counter::Disposition(LeadStatus::NotFollowingUp),
            flagged / 10,
        ),
        (
            Counter::Disposition(LeadStatus::NotAbleToSave),
            flagged / 10,
        ),
        (Counter::RevenueCents, booked * 45_050),
    ];
    for k in 0..reviewed as usize {
        let minutes = ((k * 37 + n) % 600) as u32;
        counts.push((Counter::FirstActionMinutes(minutes_bucket(minutes)), 1));
    }
    for c in 0..8usize {
        let Ok(user) = UserId::parse("user_id", &format!("csr-{c}")) else {
            continue;
        };
        for (counter, v) in [
            (CsrCounter::Actions, 6 + (n + c) as i64 % 9),
            (CsrCounter::CalledBack, 2 + (n + c) as i64 % 4),
            (CsrCounter::BookedByScl, (n + c) as i64 % 2),
            (CsrCounter::NotALead, (n + c) as i64 % 3 / 2),
        ] {
            counts.push((Counter::Csr(user.clone(), counter), v));
        }
    }
    counts.into_iter().collect()
}

/// `GET /reports/summary` (and `.csv`) over a year: 366 day totals written through the store's
/// own adapter for one tenant (as `CountReportsFunction` leaves them for a business with 30–50
/// leads a day and eight CSRs), then the report, the CSV and the detail view of one of the
/// tenant's leads, interleaved `SCL_BENCH_ROUNDS` times (at most 100).
async fn report_for_a_year(b: &Bench, stack: &Stack, secret: &str) -> Result<String> {
    use scl_core::ports::ReportRebuildStore;
    let repeats: usize = env_or("SCL_BENCH_ROUNDS", "200").parse::<usize>()?.min(100);
    let tenant = format!(
        "report-{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    );
    let tenant_id = scl_domain::TenantId::parse("tenant_id", &tenant)?;
    let table = stack
        .resolved
        .names
        .get("LeadsTable")
        .ok_or_else(|| anyhow!("no LeadsTable"))?;
    let url = env_or("SCL_DYNAMODB_URL", "http://127.0.0.1:8000");
    let store = scl_aws::DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&stack.sdk_config(&url).await),
        table.clone(),
    );
    let to = scl_domain::report::ReportDay::of(
        chrono::Utc::now(),
        &scl_domain::zone::Zone::named("America/Chicago")
            .ok_or_else(|| anyhow!("no America/Chicago"))?,
    );
    let from = to.plus_days(-365);
    // Written as a rebuild's repair writes them (the store's own month items).
    let year: std::collections::BTreeMap<_, _> = (0..366)
        .map(|n| (from.plus_days(n as i64), a_busy_day(n)))
        .collect();
    store
        .repair_totals(&tenant_id, &Default::default(), &year, Default::default())
        .await?;
    // Then one lead to view (the stream adds it to today's total): let the stream settle.
    let (out, _) = b
        .invoke(
            "IngestCallFunction",
            &call_event(&b.sample("call-completed.json")?, &tenant, 0),
        )
        .await?;
    let lead = out["lead_id"]
        .as_str()
        .ok_or_else(|| anyhow!("no lead for the report's tenant: {out}"))?
        .to_owned();
    streams_settled(stack).await;
    let token = jwt::mint(&DevClaims::new("u-1", &tenant, "scl.view", 3600), secret)?;
    let query = format!("from={from}&to={to}");
    let (mut report, mut csv, mut detail) = (Vec::new(), Vec::new(), Vec::new());
    let mut sizes = (0, 0);
    for _ in 0..repeats {
        for (path, into, size) in [
            (
                format!("/reports/summary?{query}"),
                &mut report,
                &mut sizes.0,
            ),
            (
                format!("/reports/summary.csv?{query}"),
                &mut csv,
                &mut sizes.1,
            ),
        ] {
            let t = Instant::now();
            let resp = b
                .http
                .get(format!("{}{path}", b.api))
                .bearer_auth(&token)
                .send()
                .await?;
            if resp.status() != 200 {
                return Err(anyhow!("GET {path}: {}", resp.status()));
            }
            *size = resp.bytes().await?.len();
            into.push(t.elapsed());
        }
        detail.push(b.get(&format!("/leads/{lead}"), &token).await?);
    }
    let (report, csv, detail) = (percentiles(report), percentiles(csv), percentiles(detail));
    let mut out = String::new();
    use std::fmt::Write;
    writeln!(
        out,
        "\n### Reports over a year ({from} to {to}, 366 day totals)\n"
    )?;
    writeln!(
        out,
        "Day totals written through the adapter (as a rebuild's repair writes them) as the stream leaves them for 30–50 leads a day \
         and eight CSRs; each round the report, the CSV and the detail view of one of the \
         tenant's leads, {repeats} rounds.\n"
    )?;
    writeln!(
        out,
        "| request | p50 (ms) | p95 (ms) | max (ms) | × detail p50 | body (bytes) |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|")?;
    for (name, p, size) in [
        ("GET /reports/summary (366 days)", report, sizes.0),
        ("GET /reports/summary.csv (366 days)", csv, sizes.1),
    ] {
        writeln!(
            out,
            "| {name} | {:.1} | {:.1} | {:.1} | {:.2} | {size} |",
            p[0],
            p[1],
            p[3],
            p[0] / detail[0]
        )?;
    }
    writeln!(
        out,
        "| GET /leads/{{id}} (detail, between the reports) | {:.1} | {:.1} | {:.1} | 1.00 | |",
        detail[0], detail[1], detail[3]
    )?;
    Ok(out)
}
