//! A business's webhook for integration events, through the local stack's real binaries: an
//! administrator registers it (IntegrationsFunction makes the rule, connection and API
//! destination on the local EventBridge, and the signing secret in moto's Secrets Manager); a
//! new lead's `LeadCreated` goes from the outbox through PublishEventsFunction onto the events
//! bus, and the local receiver gets it signed, once, even though it refused the first attempt.
//! Another business's events never reach it.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use scl_domain::webhook::{verify, SigningSecret};
use scl_tests::*;
use serde_json::{json, Value};

#[derive(Clone, Default)]
struct Receiver {
    /// Every request: (the X-SCL-Business header, the body), and what it was answered.
    requests: Arc<Mutex<Vec<(String, String, u16)>>>,
}

impl Receiver {
    fn accepted(&self) -> Vec<(String, String)> {
        let all = self.requests.lock().unwrap();
        all.iter()
            .filter(|r| r.2 == 200)
            .map(|r| (r.0.clone(), r.1.clone()))
            .collect()
    }
}

/// A webhook that answers 503 to the first request it gets, 200 after.
async fn start_receiver() -> (Receiver, String) {
    let receiver = Receiver::default();
    let r = receiver.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let r = r.clone();
            async move {
                let mut all = r.requests.lock().unwrap();
                let status = if all.is_empty() { 503 } else { 200 };
                let business = headers
                    .get("x-scl-business")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                all.push((business, body, status));
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, url)
}

#[tokio::test]
async fn a_registered_webhook_receives_each_event_signed_once() {
    let stack = start_stack("webhook-out", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let tenant = unique("t");
    let admin = admin_token(&tenant);
    let (receiver, url) = start_receiver().await;

    let registered: Value = http
        .put(format!("{api}/integrations/webhook"))
        .bearer_auth(&admin)
        .json(&json!({"url": url, "events": ["LeadCreated"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = registered["secret"].as_str().expect("a secret").to_owned();
    let shown = get_json(&http, &format!("{api}/integrations/webhook"), &admin).await;
    assert_eq!(shown, json!({"url": url, "events": ["LeadCreated"]}));

    // A new lead of this business, and one of another business.
    let ingest = invoke_url(&stack, "IngestCallFunction");
    let call = call_completed(&tenant, "c-out", json!({"from_number": unique_phone()}));
    let out = invoke_json(&http, &ingest, &call).await;
    let lead = out["lead_id"].as_str().expect("a lead").to_owned();
    let other = call_completed(
        &unique("t"),
        "c-other",
        json!({"from_number": unique_phone()}),
    );
    assert_eq!(
        invoke_json(&http, &ingest, &other).await["outcome"],
        "created"
    );

    let delivered = eventually(30, || async { !receiver.accepted().is_empty() }).await;
    assert!(delivered.is_some(), "no event reached the webhook");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 1, "once: {accepted:?}");
    let attempts = receiver.requests.lock().unwrap().len();
    assert_eq!(attempts, 2, "the refused first attempt was retried");

    // The event as EventBridge delivers it, its body signed with the business's secret.
    let (business, body) = &accepted[0];
    assert_eq!(business, &tenant);
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["source"], "second-chance-leads");
    assert_eq!(event["detail-type"], "LeadCreated");
    let detail = &event["detail"];
    assert_eq!(detail["tenant_id"], tenant.as_str());
    let signed = detail["body"].as_str().unwrap();
    let secret = SigningSecret::new(secret).unwrap();
    let checked = verify(
        &secret,
        detail["signature"].as_str(),
        signed.as_bytes(),
        chrono::Utc::now(),
    );
    assert!(checked.is_ok(), "{checked:?}");
    let read: Value = serde_json::from_str(signed).unwrap();
    assert_eq!(read["event_type"], "LeadCreated");
    assert_eq!(read["data"]["lead_id"], lead.as_str());
    assert_eq!(read["event_id"], detail["event_id"]);

    // Removed, it is gone.
    let removed = http
        .delete(format!("{api}/integrations/webhook"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    let gone = http
        .get(format!("{api}/integrations/webhook"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
}
