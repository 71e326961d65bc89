//! The signed webhook, through the local stack's gateway (a route without a token) to the real
//! WebhookFunction, its secret in moto's Secrets Manager, onto the stack's bus and from there,
//! by the template's rules, to IngestCallFunction: a signed call becomes a lead once; a request
//! signed with another secret, signed too long ago, unsigned, replayed, or for a business
//! without a secret is refused and creates nothing.

use scl_domain::webhook::SigningSecret;
use scl_tests::*;
use serde_json::{json, Value};

const SECRET: &str = "a-webhook-secret-of-forty-characters-0123";

async fn send(
    http: &reqwest::Client,
    url: &str,
    signature: Option<String>,
    body: &str,
) -> (u16, Value) {
    let mut req = http.post(url).body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("X-SCL-Signature", s);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_signed_call_becomes_a_lead_once_and_nothing_unsigned_is_taken() {
    let stack = start_stack("webhook", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let tenant = unique("t");
    let admin = admin_token(&tenant);

    // The operator's part: the business's secret, and the business binding the webhook's
    // source (from the stack's own account).
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk_config(&moto_url()).await);
    let stack_name = &stack.resolved.parameters["AWS::StackName"];
    secrets
        .create_secret()
        .name(format!("{stack_name}/webhook/{tenant}"))
        .secret_string(SECRET)
        .send()
        .await
        .unwrap();
    let bound = http
        .put(format!("{api}/settings"))
        .bearer_auth(&admin)
        .json(&json!({"event_sources": [
            {"source": "second-chance-leads.webhook", "account": scl_local::seed::SAMPLE_ACCOUNT}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bound.status(), 200);

    let url = format!("{api}/webhooks/{tenant}");
    let call = call_completed(&tenant, "c-hook", json!({"from_number": unique_phone()}));
    let body = json!({"detail-type": "CallCompleted", "detail": call["detail"]}).to_string();
    let secret = SigningSecret::new(SECRET).unwrap();
    let now = chrono::Utc::now().timestamp();

    // Refused before anything of the request is read.
    let other = SigningSecret::new("another secret, just as long as the first one").unwrap();
    let refusals = [
        ("another secret", Some(other.sign(now, body.as_bytes()))),
        (
            "ten minutes old",
            Some(secret.sign(now - 600, body.as_bytes())),
        ),
        ("unsigned", None),
        ("a changed body", Some(secret.sign(now, b"{}"))),
    ];
    for (what, signature) in refusals {
        let (status, answer) = send(&http, &url, signature, &body).await;
        assert_eq!(status, 401, "{what}: {answer}");
        assert_eq!(answer["error"]["code"], "unauthorized", "{what}: {answer}");
    }
    // A business with no secret answers as a wrong signature does.
    let (status, _) = send(
        &http,
        &format!("{api}/webhooks/{}", unique("t")),
        Some(secret.sign(now, body.as_bytes())),
        &body,
    )
    .await;
    assert_eq!(status, 401);
    // Signed, but for another business than the address names.
    let foreign = json!({"detail-type": "CallCompleted",
        "detail": call_completed("t-other", "c-x", json!({}))["detail"]})
    .to_string();
    let (status, answer) = send(
        &http,
        &url,
        Some(secret.sign(now, foreign.as_bytes())),
        &foreign,
    )
    .await;
    assert_eq!(
        (status, answer["error"]["field"].clone()),
        (400, json!("detail.tenant_id"))
    );

    // Signed: put on the bus, and the call reaches ingestion as a lead.
    let signature = secret.sign(now, body.as_bytes());
    let (status, answer) = send(&http, &url, Some(signature.clone()), &body).await;
    assert_eq!(status, 202, "{answer}");
    assert!(answer["event_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(answer["detail_type"], "CallCompleted");
    // The same signed request again is a replay.
    let (status, answer) = send(&http, &url, Some(signature), &body).await;
    assert_eq!(
        (status, &answer["error"]["code"]),
        (409, &json!("already_received"))
    );

    let token = csr_token(&tenant);
    let leads = || async {
        get_json(&http, &format!("{api}/leads?tab=open"), &token).await["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let arrived = eventually(30, || async { !leads().await.is_empty() }).await;
    assert!(arrived.is_some(), "the signed call never became a lead");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let items = leads().await;
    assert_eq!(items.len(), 1, "one lead, once: {items:?}");
    assert_eq!(items[0]["customer"]["phone"], call["detail"]["from_number"]);
}
