//! Schema-driven fuzzing (docs/api.md, "Checked against its document"): schemathesis, pinned in
//! scripts/tools.sh, generates requests from infra/openapi.yaml (valid ones, invalid ones, and
//! sequences that follow the document's links from a list to a lead and on to its actions) and
//! sends them through the local gateway to the real binaries. Every answer must be free of 5xx,
//! carry a documented status code, match the documented body and headers, and refuse what the
//! document says is invalid. The checks and their few exceptions: tests/fuzz/schemathesis.toml.
//!
//! `make fuzz` runs it larger; `SCL_FUZZ_EXAMPLES` and `SCL_FUZZ_SEED` size and vary a run.

use scl_local::jwt::{mint, DevClaims};
use scl_tests::*;
use serde_json::{json, Value};

/// Examples per operation and phase inside `make test`: ~2 minutes on the CI machine.
const EXAMPLES: &str = "15";
/// The whole schemathesis run at `make test`'s size (~30 s), and at any larger size.
const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(10 * 60);
const LARGE_RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(60 * 60);
/// A fixed seed keeps `make test` repeatable; a failure prints the seed that found it.
const SEED: &str = "20261125";

fn minutes_ago(m: i64) -> (String, String) {
    let start = chrono::Utc::now() - chrono::Duration::minutes(m);
    let end = start + chrono::Duration::minutes(4);
    let f = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    (f(start), f(end))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_generated_request_is_answered_as_the_openapi_document_says() {
    let root = repo_root();
    let schemathesis = root.join(".local/venv-fuzz/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "schemathesis missing at {} (run scripts/tools.sh)",
        schemathesis.display()
    );
    let stack = start_stack("api-fuzz", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let tenant = unique("t");
    let user = "fuzz-admin";
    let token = mint(
        &DevClaims::new(user, &tenant, "scl.view scl.admin", 3600),
        "test-secret",
    )
    .expect("a dev token");

    // Something real for the links to reach: leads (each notifies the user in the app) and near
    // misses to promote.
    let settings = http
        .put(format!("{api}/settings"))
        .bearer_auth(&token)
        .json(&json!({"recipients": [{"user_id": user, "channels": ["in_app"]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), 200);
    let ingest = invoke_url(&stack, "IngestCallFunction");
    for i in 0..4 {
        let (started_at, ended_at) = minutes_ago(30 - i);
        let call = call_completed(
            &tenant,
            &format!("fuzz-lead-{i}"),
            json!({"from_number": unique_phone(), "started_at": started_at, "ended_at": ended_at}),
        );
        let out = invoke_json(&http, &ingest, &call).await;
        assert_eq!(out["outcome"], "created", "{out}");
    }
    for i in 0..3 {
        let (started_at, ended_at) = minutes_ago(20 - i);
        let call = near_miss_call(&tenant, &format!("fuzz-near-{i}"), &started_at, &ended_at);
        let out = invoke_json(&http, &ingest, &call).await;
        assert_eq!(out["outcome"], "near_miss", "{out}");
    }
    let feed = format!("{api}/notifications");
    let notified = eventually(15, || async {
        let feed: Value = get_json(&http, &feed, &token).await;
        feed["items"].as_array().is_some_and(|a| a.len() == 4)
    })
    .await;
    assert!(notified.is_some(), "the four leads reached the user's feed");

    let examples = std::env::var("SCL_FUZZ_EXAMPLES").unwrap_or_else(|_| EXAMPLES.into());
    let seed = std::env::var("SCL_FUZZ_SEED").unwrap_or_else(|_| SEED.into());
    let report_dir = root.join("target/api-fuzz");
    let events = report_dir.join("events.ndjson");
    let started = std::time::Instant::now();
    let run = tokio::process::Command::new(&schemathesis)
        .current_dir(&root)
        .env("SCL_FUZZ_TOKEN", &token)
        .args([
            "--config-file",
            "tests/fuzz/schemathesis.toml",
            "--no-color",
            "run",
        ])
        .arg("infra/openapi.yaml")
        .args(["--url", &api])
        .args([
            "--max-examples",
            &examples,
            "--seed",
            &seed,
            // One worker: with two, schemathesis' threads can parse Python source (hypothesis
            // describing a strategy) at the same moment, and CPython 3.11's AST constructor
            // keeps one recursion counter for all threads and does not always restore it: a
            // rare "AST constructor recursion depth mismatch" error that is the interpreter's,
            // not the API's. Seen once in a clean-clone run; one worker costs a few seconds.
            "--workers",
            "1",
        ])
        .args(["--report", "junit,ndjson", "--report-dir"])
        .arg(&report_dir)
        .arg("--report-ndjson-path")
        .arg(&events)
        .arg("--report-junit-path")
        .arg(report_dir.join("junit.xml"))
        .kill_on_drop(true)
        .output();
    // Bounded in time as well as in examples: a request that never answers fails the test
    // instead of holding `make test`.
    let limit = if examples == EXAMPLES {
        RUN_LIMIT
    } else {
        LARGE_RUN_LIMIT
    };
    let out = tokio::time::timeout(limit, run)
        .await
        .expect("schemathesis finished within its time limit")
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    let summary = stdout
        .lines()
        .rev()
        .find(|l| l.contains(" passed") || l.contains(" failed"))
        .unwrap_or_default()
        .trim_matches(|c: char| c == '=' || c.is_whitespace());
    println!(
        "api fuzz: {summary} ({examples} examples per operation, seed {seed}, {:.0} s)",
        started.elapsed().as_secs_f64()
    );
    for (operation, statuses) in answers_by_operation(&events) {
        let counts: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        println!("api fuzz:   {operation:<34} {}", counts.join(" "));
    }
    assert!(
        out.status.success(),
        "schemathesis found answers that break infra/openapi.yaml (report in {})",
        report_dir.display()
    );
}

/// What the API answered each documented operation, from schemathesis' event log: how far the
/// generated requests got (a 400 stops at parsing, a 404 at the lookup, 2xx/409/412 in the
/// action itself).
fn answers_by_operation(
    events: &std::path::Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<u64, usize>> {
    let mut by_op: std::collections::BTreeMap<String, std::collections::BTreeMap<u64, usize>> =
        Default::default();
    let log = std::fs::read_to_string(events).unwrap_or_default();
    for line in log.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let recorder = &event["ScenarioFinished"]["recorder"];
        let Some(interactions) = recorder["interactions"].as_object() else {
            continue;
        };
        for (case_id, interaction) in interactions {
            let case = &recorder["cases"][case_id]["value"];
            let (Some(method), Some(path), Some(status)) = (
                case["method"].as_str(),
                case["path"].as_str(),
                interaction["response"]["status_code"].as_u64(),
            ) else {
                continue;
            };
            // Methods the document does not list (the unsupported-method check) are left out.
            if status == 405 {
                continue;
            }
            *by_op
                .entry(format!("{method} {path}"))
                .or_default()
                .entry(status)
                .or_default() += 1;
        }
    }
    by_op
}
