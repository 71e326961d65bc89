//! A business hears only the sources bound to it (settings, `event_sources`): a call or a
//! booking from any other source, or from the bound source but another account, is refused —
//! answered `forbidden`, filed for an operator under the day's rejected events, and nothing of
//! it applied. Through the local stack's real binaries; the events are posted to the Invoke API
//! directly (not through `invoke_json`, which binds the samples' sources first).

use aws_sdk_dynamodb::types::AttributeValue;
use scl_local::seed::SAMPLE_ACCOUNT;
use scl_tests::*;
use serde_json::{json, Value};

async fn post(http: &reqwest::Client, url: &str, event: &Value) -> Value {
    let resp = http.post(url).json(event).send().await.unwrap();
    assert!(resp.headers().get("x-amz-function-error").is_none());
    resp.json().await.unwrap()
}

fn from(mut event: Value, source: &str, account: &str) -> Value {
    event["id"] = json!(ulid::Ulid::generate().to_string());
    event["source"] = json!(source);
    event["account"] = json!(account);
    event
}

fn assert_refused(out: &Value, what: &str) {
    assert_eq!(out["outcome"], "rejected", "{what}: {out}");
    assert_eq!(out["error"]["code"], "forbidden", "{what}: {out}");
    assert_eq!(out["error"]["field"], "source", "{what}: {out}");
}

#[tokio::test]
async fn events_from_a_source_the_business_does_not_bind_are_refused_and_filed() {
    let stack = start_stack("source-binding", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let (calls, bookings) = (
        invoke_url(&stack, "IngestCallFunction"),
        invoke_url(&stack, "IngestBookingFunction"),
    );
    let tenant = unique("t");
    let admin = admin_token(&tenant);
    let call = call_completed(&tenant, "c-bound", json!({"from_number": unique_phone()}));
    let phone = call["detail"]["from_number"].as_str().unwrap().to_owned();

    // A business that bound nothing hears nobody.
    let out = post(
        &http,
        &calls,
        &from(call.clone(), "phone.platform", SAMPLE_ACCOUNT),
    )
    .await;
    assert_refused(&out, "a call before any binding");
    let booking = job_booked(&tenant, "job-unbound", &phone, None);
    assert_refused(
        &post(&http, &bookings, &booking).await,
        "a booking before any binding",
    );

    // Its administrator binds the phone platform, from its account only.
    let resp = http
        .put(format!("{api}/settings"))
        .bearer_auth(&admin)
        .json(&json!({"event_sources": [{"source": "phone.platform", "account": SAMPLE_ACCOUNT}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let settings: Value = resp.json().await.unwrap();
    assert_eq!(
        settings["event_sources"],
        json!([{"source": "phone.platform", "account": SAMPLE_ACCOUNT}])
    );

    // The same source from another account, and another source from the bound account.
    let spoofed = from(call.clone(), "phone.platform", "999999999999");
    assert_refused(&post(&http, &calls, &spoofed).await, "another account");
    let other = from(call.clone(), "booking.system", SAMPLE_ACCOUNT);
    assert_refused(&post(&http, &calls, &other).await, "another source");
    assert_refused(
        &post(&http, &bookings, &booking).await,
        "an unbound booking system",
    );

    // Nothing refused was applied: the queue is empty and the booking was not stored (the
    // call, sent again from the bound source, is a new lead, not a duplicate).
    let leads = get_json(&http, &format!("{api}/leads?tab=open"), &admin).await;
    assert_eq!(leads["items"], json!([]), "{leads}");
    let out = post(&http, &calls, &from(call, "phone.platform", SAMPLE_ACCOUNT)).await;
    assert_eq!(out["outcome"], "created", "{out}");
    let lead = out["lead_id"].as_str().unwrap().to_owned();
    let detail = get_json(&http, &format!("{api}/leads/{lead}"), &admin).await;
    assert_eq!(detail["status"], "new", "{detail}");

    // Each refusal is filed under the business, whole, naming who spoke.
    let ddb = aws_sdk_dynamodb::Client::new(&stack.sdk_config(&dynamodb_url()).await);
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let filed = ddb
        .query()
        .table_name(&stack.resolved.names["LeadsTable"])
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("REJECTED#{day}")))
        .send()
        .await
        .unwrap();
    let mut refused: Vec<(String, String)> = filed
        .items()
        .iter()
        .map(|i| {
            assert_eq!(i["error_field"].as_s().unwrap(), "source");
            let event: Value = serde_json::from_str(i["event"].as_s().unwrap()).unwrap();
            assert_eq!(event["detail"]["tenant_id"], tenant.as_str());
            (
                i["detail_type"].as_s().unwrap().clone(),
                i["error_message"].as_s().unwrap().clone(),
            )
        })
        .collect();
    refused.sort();
    assert_eq!(refused.len(), 5, "{refused:?}");
    assert!(
        refused.iter().any(|r| r.1.contains("999999999999")),
        "a message names the account: {refused:?}"
    );
    assert_eq!(
        refused.iter().filter(|r| r.0 == "JobBooked").count(),
        2,
        "{refused:?}"
    );
}
