//! Whatever arrives at an ingest function is filed for an operator and answered, never an
//! unhandled error: oversize fields, deep nesting, not JSON at all, empty. Sent through the
//! local Invoke API to the real binaries (the runtime's own decoding included), then read back
//! from the table's `REJECTED#<day>` partition. And the Invoke API takes Lambda's 6 MB.

use aws_sdk_dynamodb::types::AttributeValue;
use scl_tests::*;
use serde_json::{json, Value};

#[tokio::test]
async fn every_malformed_event_is_filed_and_answered() {
    let stack = start_stack("malformed", "test-secret").await;
    let http = reqwest::Client::new();
    let url = invoke_url(&stack, "IngestCallFunction");
    let tenant = unique("t");
    let huge = "x".repeat(350_000);
    let mut long_speaker = call_completed(&tenant, "c-speaker", json!({}));
    long_speaker["detail"]["transcript"][0]["speaker"] = json!(huge);
    let mut deep = String::new();
    for _ in 0..200 {
        deep.push_str("{\"a\":");
    }
    deep.push('1');
    deep.push_str(&"}".repeat(200));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a 350 KB outcome",
            call_completed(&tenant, "c-outcome", json!({"outcome": huge}))
                .to_string()
                .into_bytes(),
            "detail.outcome",
        ),
        (
            "a 350 KB speaker",
            long_speaker.to_string().into_bytes(),
            "detail.transcript[0].speaker",
        ),
        ("nested 200 deep", deep.into_bytes(), "event"),
        ("not JSON", b"this is not json".to_vec(), "event"),
        ("empty", Vec::new(), "event"),
    ];
    for (what, payload, field) in &cases {
        let resp = http.post(&url).body(payload.clone()).send().await.unwrap();
        assert!(
            resp.headers().get("x-amz-function-error").is_none(),
            "{what}: the function failed"
        );
        let out: Value = resp.json().await.unwrap();
        assert_eq!(out["outcome"], "rejected", "{what}: {out}");
        assert_eq!(out["error"]["field"], *field, "{what}: {out}");
        assert!(
            out.to_string().len() < 2_000,
            "{what}: the answer does not quote the value"
        );
    }

    // Each one is filed, cut to fit one item.
    let table = &stack.resolved.names["LeadsTable"];
    let ddb = aws_sdk_dynamodb::Client::new(&stack.sdk_config(&dynamodb_url()).await);
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let filed = ddb
        .query()
        .table_name(table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("REJECTED#{day}")))
        .send()
        .await
        .unwrap();
    let mut fields: Vec<String> = filed
        .items()
        .iter()
        .map(|i| i["error_field"].as_s().unwrap().clone())
        .collect();
    fields.sort();
    let mut want: Vec<String> = cases.iter().map(|c| c.2.to_owned()).collect();
    want.sort();
    assert_eq!(fields, want);
    for item in filed.items() {
        assert!(item["error_message"].as_s().unwrap().len() <= 1_000);
        assert!(item["event"].as_s().unwrap().len() <= 300_000);
    }
}

#[tokio::test]
async fn the_invoke_api_takes_lambdas_6_mb_and_answers_larger_payloads_like_lambda() {
    let stack = start_stack("invoke-limit", "test-secret").await;
    let http = reqwest::Client::new();
    let url = invoke_url(&stack, "IngestCallFunction");
    // 3 MB: over the 2 MB the local API used to take, under Lambda's 6 MB; filed as invalid.
    let three_mb = call_completed(
        &unique("t"),
        "c-3mb",
        json!({"csr_notes": "n".repeat(3 << 20)}),
    );
    let resp = http.post(&url).json(&three_mb).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let out: Value = resp.json().await.unwrap();
    assert_eq!(out["outcome"], "rejected", "{out}");

    let resp = http
        .post(&url)
        .body(vec![b' '; 6 * 1024 * 1024 + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(
        resp.headers()["x-amzn-errortype"],
        "RequestEntityTooLargeException"
    );
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("6291456"),
        "{body}"
    );
}

#[tokio::test]
async fn the_local_gateway_refuses_what_api_gateway_refuses_in_the_contracts_shape() {
    use scl_local::jwt::DevClaims;
    let stack = start_stack("gateway-parity", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let tenant = unique("t");
    let token = csr_token(&tenant);
    let out = invoke_json(
        &http,
        &invoke_url(&stack, "IngestCallFunction"),
        &call_completed(&tenant, "c-parity", json!({})),
    )
    .await;
    let id = out["lead_id"].as_str().unwrap().to_owned();

    // A token that is not valid yet.
    let mut early = serde_json::to_value(DevClaims::new("u-1", &tenant, "scl.view", 600)).unwrap();
    early["nbf"] = json!(chrono::Utc::now().timestamp() + 3600);
    let early = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &early,
        &jsonwebtoken::EncodingKey::from_secret(b"test-secret"),
    )
    .unwrap();
    let resp = http
        .get(format!("{api}/leads"))
        .bearer_auth(&early)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // An If-Match that is not ASCII is refused, not dropped.
    let resp = http
        .put(format!("{api}/leads/{id}/status"))
        .bearer_auth(&token)
        .header(
            "If-Match",
            reqwest::header::HeaderValue::from_bytes("\"é\"".as_bytes()).unwrap(),
        )
        .json(&json!({"status": "not_a_lead"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["field"], "if-match", "{body}");
    let detail = get_json(&http, &format!("{api}/leads/{id}"), &token).await;
    assert_eq!(detail["status"], "new", "nothing written");

    // Oversize request line and headers: the contract's JSON, not an empty body.
    let resp = http
        .get(format!("{api}/leads?cursor={}", "c".repeat(9_000)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 414);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["field"], "uri", "{body}");
    let resp = http
        .get(format!("{api}/leads"))
        .bearer_auth(&token)
        .header("x-padding", "p".repeat(11_000))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 431);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["field"], "headers", "{body}");

    // A known path asked with a method it does not have says which methods it has.
    let resp = http
        .delete(format!("{api}/leads/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET");
    let resp = http
        .get(format!("{api}/settings/x"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
