//! Least privilege, checked the way AWS would check it: the local stack sends every AWS call a
//! function makes through an IAM check of that function's template policy (see
//! `local/src/iam/`). Here the real binaries walk the paths the other runtime tests do not
//! (quiet-hours SMS and its flush, email, marking a notification read, a note with an
//! Idempotency-Key and a CRM copy, dismissing, a settings change that rewrites leads, a
//! rejected booking), so a policy too narrow for the code fails
//! the build; and a permission taken away from the template is refused like on AWS.

use scl_local::jwt::{self, DevClaims};
use scl_tests::*;
use serde_json::{json, Value};

#[tokio::test]
async fn every_path_the_functions_take_is_allowed_by_their_own_policy() {
    let stack = start_stack("iam", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let invoke = |f: &str| invoke_url(&stack, f);
    let tenant = unique("t");
    let csr = csr_token(&tenant);
    let admin = jwt::mint(
        &DevClaims::new("u-9", &tenant, "scl.admin", 300),
        "test-secret",
    )
    .unwrap();

    // Quiet hours around now: the SMS is held, email and in-app go out at once.
    let (mail, phone) = (unique_email("iam"), unique_phone());
    let now = chrono::Utc::now();
    let hhmm = |t: chrono::DateTime<chrono::Utc>| t.format("%H:%M").to_string();
    let resp = http
        .put(format!("{api}/settings"))
        .bearer_auth(&admin)
        .json(&json!({"timezone": "UTC",
            "quiet_hours": {"start": hhmm(now - chrono::Duration::hours(1)), "end": hhmm(now + chrono::Duration::hours(1))},
            "recipients": [{"user_id": "u-1", "email": mail, "phone": phone, "channels": ["in_app", "email", "sms"]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let out = invoke_json(
        &http,
        &invoke("IngestCallFunction"),
        &call_completed(&tenant, "call-iam-1", json!({})),
    )
    .await;
    assert_eq!(out["outcome"], "created", "{out}");
    let id = out["lead_id"].as_str().unwrap().to_owned();

    let feed_url = format!("{api}/notifications?unread_only=true");
    let arrived = eventually(15, || {
        let (http, url, token) = (http.clone(), feed_url.clone(), csr.clone());
        async move {
            let feed: Value = get_json(&http, &url, &token).await;
            feed["items"][0]["id"].is_string()
        }
    })
    .await;
    assert!(arrived.is_some(), "the in-app notification arrives");
    let feed = get_json(&http, &feed_url, &csr).await;
    let notification = feed["items"][0]["id"].as_str().unwrap().to_owned();
    let resp = http
        .post(format!("{api}/notifications/{notification}/read"))
        .bearer_auth(&csr)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);

    assert!(
        eventually(15, || {
            let mail = mail.clone();
            async move { emails_to(&mail).await.len() == 1 }
        })
        .await
        .is_some(),
        "the email is sent (ses:SendEmail allowed)"
    );
    assert!(sms_to(&phone).await.is_empty(), "SMS held in quiet hours");
    let flushed = invoke_json(
        &http,
        &invoke("FlushHeldSmsFunction"),
        &json!({"version": "0", "id": "f-1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": (now + chrono::Duration::hours(2)).to_rfc3339(),
            "region": "us-east-1", "resources": [], "detail": {}}),
    )
    .await;
    assert!(flushed["sent"].as_u64().unwrap_or(0) >= 1, "{flushed}");
    assert_eq!(
        sms_to(&phone).await.len(),
        1,
        "the flush texts the recipient"
    );

    // A settings change that recomputes the open leads' cold dates, then a dismissal.
    let resp = http
        .put(format!("{api}/settings"))
        .bearer_auth(&admin)
        .json(&json!({"cold_after_days": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    // The minute's cold sweep, run as if four days had passed: it moves the open lead.
    let swept = invoke_json(
        &http,
        &invoke("ColdSweepFunction"),
        &json!({"version": "0", "id": "s-1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": (now + chrono::Duration::days(4)).to_rfc3339(),
            "region": "us-east-1", "resources": [], "detail": {}}),
    )
    .await;
    assert!(swept["moved"].as_u64().unwrap_or(0) >= 1, "{swept}");
    // A note copied to the CRM (its event written to the outbox), sent twice with one
    // Idempotency-Key (the key's record), then a dismissal.
    for attempt in ["first", "retry"] {
        let resp = http
            .post(format!("{api}/leads/{id}/notes"))
            .bearer_auth(&csr)
            .header("Idempotency-Key", "note-iam-1")
            .json(&json!({"text": "called back", "copy_to": ["customer"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{attempt}: {:?}", resp.text().await);
    }
    let resp = dismiss(&http, &api, &id, &csr).await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);

    // A malformed booking is filed under the rejected partition, not lost.
    let mut bad = job_booked(&tenant, "job-iam-1", "512.555.0100", None);
    bad["detail"]["booked_at"] = json!("yesterday");
    let out = invoke_json(&http, &invoke("IngestBookingFunction"), &bad).await;
    assert_eq!(out["outcome"], "rejected", "{out}");
}

#[tokio::test]
async fn a_permission_the_template_does_not_grant_is_refused_as_on_aws() {
    // The same template, except that DismissFunction may no longer write lead partitions.
    let root = repo_root();
    let text = std::fs::read_to_string(root.join("infra/template.yaml")).unwrap();
    let start = text.find("\n  DismissFunction:\n").unwrap();
    let end = start + text[start + 1..].find("\n  CallbackFunction:\n").unwrap();
    let narrowed = text[start..end].replace(
        r#"dynamodb:LeadingKeys: ["TENANT#*#LEAD#*"]"#,
        r#"dynamodb:LeadingKeys: ["TENANT#*#NOTHING#*"]"#,
    );
    assert_ne!(narrowed, text[start..end], "the dismiss policy changed");
    let dir = root.join("target/tmp");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-template.yaml", unique("narrowed")));
    std::fs::write(
        &path,
        format!("{}{narrowed}{}", &text[..start], &text[end..]),
    )
    .unwrap();

    let stack = start_stack_from("iam-deny", "test-secret", &path).await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let tenant = unique("t");
    let csr = csr_token(&tenant);
    let out = invoke_json(
        &http,
        &invoke_url(&stack, "IngestCallFunction"),
        &call_completed(&tenant, "call-deny-1", json!({})),
    )
    .await;
    assert_eq!(out["outcome"], "created", "{out}");
    let id = out["lead_id"].as_str().unwrap().to_owned();

    let resp = dismiss(&http, &api, &id, &csr).await;
    assert_eq!(resp.status(), 500);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal", "{body}");
    assert!(
        !body.to_string().contains("AccessDenied"),
        "internals stay out of the answer: {body}"
    );
    let detail = get_json(&http, &format!("{api}/leads/{id}"), &csr).await;
    assert_eq!(detail["status"], "new", "nothing was written: {detail}");
    let _ = std::fs::remove_file(path);
}

/// A CSR dismisses the lead as not a lead.
async fn dismiss(http: &reqwest::Client, api: &str, id: &str, token: &str) -> reqwest::Response {
    http.post(format!("{api}/leads/{id}/dismiss"))
        .bearer_auth(token)
        .json(&json!({"reason": "not_a_lead"}))
        .send()
        .await
        .unwrap()
}
