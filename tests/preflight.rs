//! `make preflight` (scripts/preflight.py) against moto: every missing piece of an account is
//! reported in plain words with what to do, what is in place is reported `ok`, and what moto
//! cannot answer is reported `unchecked` rather than passed.

use std::process::Command;

use scl_tests::*;
use serde_json::json;

/// Runs the preflight against moto; (exit status, every line it printed).
fn preflight(args: &[&str]) -> (i32, String) {
    let root = repo_root();
    let out = Command::new(root.join(".local/venv-sam/bin/python"))
        .arg(root.join("scripts/preflight.py"))
        .args(args)
        .env("AWS_ENDPOINT_URL", moto_url())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("STACK")
        .output()
        .expect("the SAM CLI's Python (make tools)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), text)
}

/// The one line about `check`, with its status.
fn line<'a>(report: &'a str, check: &str) -> &'a str {
    report
        .lines()
        .find(|l| {
            l.split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ")
                .starts_with(check)
        })
        .unwrap_or_else(|| panic!("no line about {check} in:\n{report}"))
}

/// An EventBridge call to moto (its JSON protocol; the tests have no EventBridge SDK).
async fn events(action: &str, body: serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(moto_url())
        .header("x-amz-target", format!("AWSEvents.{action}"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/events/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success(),
        "{action}: {}",
        resp.text().await.unwrap()
    );
}

#[tokio::test]
async fn the_preflight_names_each_missing_piece_and_what_to_do() {
    let sdk = sdk_config(&moto_url()).await;
    let ses = aws_sdk_ses::Client::new(&sdk);
    let verified = unique_email("sender");
    ses.verify_email_identity()
        .email_address(&verified)
        .send()
        .await
        .unwrap();
    let unverified = unique_email("nobody");
    let open_bus = unique("bus-without-policy");
    let guarded_bus = unique("bus-with-policy");
    for bus in [&open_bus, &guarded_bus] {
        events("CreateEventBus", json!({"Name": bus})).await;
    }
    events(
        "PutPermission",
        json!({"EventBusName": guarded_bus, "Policy": json!({
            "Version": "2012-10-17",
            "Statement": [{"Sid": "ThisAccount", "Effect": "Allow",
                           "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                           "Action": "events:PutEvents",
                           "Resource": format!("arn:aws:events:us-east-1:123456789012:event-bus/{guarded_bus}")}]
        }).to_string()}),
    )
    .await;

    // Before deploy: an unverified sender, a bus nobody described.
    let (status, report) = preflight(&["--sender", &unverified, "--bus", &open_bus]);
    assert_eq!(status, 1, "something to fix:\n{report}");
    let sender = line(&report, "email sender");
    assert!(sender.starts_with("fix"), "{sender}");
    assert!(sender.contains("verify the domain example.com"), "{sender}");
    // A new account's SES quota is the sandbox's, and its SMS spend limit $1.
    assert!(
        line(&report, "email sandbox").starts_with("fix"),
        "{report}"
    );
    assert!(line(&report, "email sandbox").contains("production access"));
    assert!(
        line(&report, "SMS spend limit").starts_with("fix"),
        "{report}"
    );
    let bus = line(&report, "integration bus");
    assert!(
        bus.starts_with("fix") && bus.contains("no resource policy"),
        "{bus}"
    );
    // What moto cannot answer is said, never passed.
    assert!(
        line(&report, "SMS origination number").starts_with("unchecked"),
        "{report}"
    );

    // The same account with a verified sender and a guarded bus.
    let (_, report) = preflight(&["--sender", &verified, "--bus", &guarded_bus]);
    assert!(line(&report, "email sender").starts_with("ok"), "{report}");
    let bus = line(&report, "integration bus");
    assert!(
        bus.starts_with("ok") && bus.contains("123456789012:root"),
        "{bus}"
    );

    // A bus that does not exist, and an issuer that does not describe itself.
    let (_, report) = preflight(&[
        "--sender",
        &verified,
        "--bus",
        "no-such-bus",
        "--issuer",
        &format!("{}/no-issuer-here", moto_url()),
    ]);
    assert!(
        line(&report, "integration bus").starts_with("fix"),
        "{report}"
    );
    assert!(
        line(&report, "sign-in issuer").starts_with("fix"),
        "{report}"
    );

    // Nothing to check against: said, with its usage.
    let (status, _) = preflight(&[]);
    assert_eq!(status, 2);
}
