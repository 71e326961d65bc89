//! Every function's real built binary, started by the local stack under AWS's Lambda Runtime
//! Interface Emulator with the environment the template gives it, answers its events/ sample
//! through the Invoke API. A broken `main.rs` or a missing environment variable fails here.

use std::collections::BTreeSet;

use scl_local::template::Template;
use scl_tests::*;
use serde_json::Value;

/// (function, sample, what the response must show)
const CASES: &[(&str, &str, &str)] = &[
    // First: the settings sample binds t-1 to the samples' sources (event_sources), without
    // which its call and booking samples are refused.
    ("SettingsFunction", "put-settings.json", "status=200"),
    (
        "IngestCallFunction",
        "call-completed.json",
        "outcome=created",
    ),
    ("DecideDueCallsFunction", "schedule.json", "decided"),
    // A waiting call's turn for a call that is not waiting (decided, or never seen): taken.
    (
        "DecideDueCallsFunction",
        "sqs-decide-turn.json",
        "no_failures",
    ),
    ("ListLeadsFunction", "list-leads.json", "status=200"),
    ("GetLeadFunction", "get-lead.json", "status=404"),
    (
        "SearchTranscriptFunction",
        "search-transcript.json",
        "status=404",
    ),
    ("AddNoteFunction", "add-note.json", "status=404"),
    ("DismissFunction", "dismiss.json", "status=404"),
    ("CallbackFunction", "callback.json", "status=404"),
    ("UpdateStatusFunction", "update-status.json", "status=404"),
    ("BannerFunction", "banner.json", "status=200"),
    ("SettingsFunction", "get-settings.json", "status=200"),
    ("IngestBookingFunction", "job-booked.json", "outcome=stored"),
    (
        "BookingStreamFunction",
        "dynamodb-booking-insert.json",
        "no_failures",
    ),
    ("NotifyFunction", "dynamodb-lead-insert.json", "no_failures"),
    (
        "PublishEventsFunction",
        "dynamodb-outbox-insert.json",
        "no_failures",
    ),
    ("FlushHeldSmsFunction", "schedule.json", "flushed"),
    ("ColdSweepFunction", "cold-sweep.json", "swept"),
    ("NotificationsFunction", "notifications.json", "status=200"),
    // The settings sample makes u-7 an in-app recipient and the lead-insert sample notified
    // them, so the sample notification exists by now.
    (
        "MarkNotificationReadFunction",
        "notification-read.json",
        "status=200",
    ),
    ("NearMissesFunction", "near-misses.json", "status=200"),
    ("PromoteCallFunction", "promote-call.json", "status=404"),
    ("DetectionFunction", "detection-stats.json", "status=200"),
    ("DetectionFunction", "detection-reset.json", "status=200"),
    (
        "LearnLabelsFunction",
        "dynamodb-lead-modify.json",
        "no_failures",
    ),
    (
        "CountReportsFunction",
        "dynamodb-lead-modify.json",
        "no_failures",
    ),
    ("RepairReportsFunction", "rebuild-reports.json", "rebuilt"),
    ("RepairReportsFunction", "check-reports.json", "checked"),
    ("ReportsFunction", "reports-summary.json", "status=200"),
    ("ReportsFunction", "reports-summary-csv.json", "status=200"),
    // t-1 has registered no webhook for its integration events.
    ("IntegrationsFunction", "get-webhook.json", "status=404"),
    // Signed with a secret t-1 does not have (it has none): refused before anything is read.
    ("WebhookFunction", "webhook.json", "status=401"),
    // A CSR of t-1 in the view group asking for both permissions.
    ("PreTokenFunction", "pre-token.json", "shaped"),
    // Fanned out to the readers' queues (which NotifyFunction, LearnLabelsFunction and
    // CountReportsFunction then take from).
    (
        "StreamDispatchFunction",
        "dynamodb-lead-insert.json",
        "no_failures",
    ),
];

#[tokio::test]
async fn every_bootstrap_answers_its_sample_under_the_runtime_emulator() {
    let root = repo_root();
    let template = Template::load(&root.join("infra/template.yaml")).unwrap();
    let functions: BTreeSet<&str> = template
        .functions
        .iter()
        .map(|f| f.logical_id.as_str())
        .collect();
    let covered: BTreeSet<&str> = CASES.iter().map(|c| c.0).collect();
    assert_eq!(
        functions, covered,
        "every function in the template has a sample case"
    );

    let stack = start_stack("boot", "test-secret").await;
    let http = reqwest::Client::new();
    for (function, sample, expect) in CASES {
        let body = std::fs::read_to_string(root.join("events").join(sample)).unwrap();
        let resp = http
            .post(invoke_url(&stack, function))
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            resp.headers().get("x-amz-function-error").is_none(),
            "{function} failed"
        );
        let out: Value = resp.json().await.unwrap();
        let ok = match *expect {
            "no_failures" => out["batchItemFailures"] == serde_json::json!([]),
            "flushed" => out.get("due").is_some(),
            "swept" => out["moved"].is_u64(),
            "decided" => out["decided"].is_u64(),
            "rebuilt" => out["leads"].is_u64(),
            "shaped" => {
                let access =
                    &out["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"];
                access["claimsToAddOrOverride"]["tenant_id"] == "t-1"
                    && access["scopesToAdd"] == serde_json::json!(["scl-api/scl.view"])
                    && access["scopesToSuppress"] == serde_json::json!(["scl-api/scl.admin"])
            }
            // Every figure the stream counted adds up, after the samples above.
            "checked" => out["differences"] == serde_json::json!([]),
            e => {
                let (key, want) = e.split_once('=').unwrap();
                match key {
                    "status" => {
                        out["statusCode"].as_u64().map(|s| s.to_string()).as_deref() == Some(want)
                    }
                    _ => out[key] == want,
                }
            }
        };
        assert!(ok, "{function} with {sample}: expected {expect}, got {out}");
    }
}
