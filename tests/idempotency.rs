//! `Idempotency-Key` on the POST/PUT CSR routes (docs/api.md, Retries from clients), against
//! DynamoDB Local: a retry replays the first answer and changes nothing, another request under
//! the same key is refused, a key still in use answers 409, and keys are per user.

use std::sync::Arc;

use chrono::Utc;
use scl_core::ports::{Claim, IdempotencyScope, IdempotencyStore};
use scl_domain::idempotency::IdempotencyKey;
use scl_domain::{TenantId, UserId};
use scl_edge::api::idempotent::fingerprint;
use scl_tests::*;
use serde_json::json;

const NOTES: &str = "/leads/{id}/notes";

/// `POST /leads/{id}/notes` as `user` with `Idempotency-Key: key`.
async fn note(app: &TestApp, id: &str, user: &str, key: &str, body: &str) -> Resp {
    app.call("POST", NOTES)
        .id(id)
        .user(user)
        .header("Idempotency-Key", key)
        .body(body)
        .send()
        .await
}

#[tokio::test]
async fn a_retried_note_is_answered_again_and_written_once() {
    let app = TestApp::new().await;
    let _publishing = app.publishing().await;
    let id = app.lead("c1", json!({})).await;
    let body = r#"{"text": "Left a voicemail", "copy_to": ["customer"]}"#;
    let first = note(&app, &id, "u-7", "k-1", body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let retry = note(&app, &id, "u-7", "k-1", body).await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.body, first.body, "the first answer, replayed");
    assert_eq!(retry.etag, first.etag);

    let d = app.detail(&id).await;
    assert_eq!(d["notes"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["version"], 2, "changed once");
    assert_eq!(app.published("NoteCopied", 1).await.len(), 1);

    // Another user's key of the same name is theirs alone.
    let theirs = note(&app, &id, "u-8", "k-1", body).await;
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.body["id"], first.body["id"]);
    // A new key is a new note.
    assert_eq!(note(&app, &id, "u-7", "k-2", body).await.status, 201);
    assert_eq!(app.detail(&id).await["notes"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_422_and_changes_nothing() {
    let app = TestApp::new().await;
    let id = app.lead("c1", json!({})).await;
    let first = note(&app, &id, "u-7", "k-1", r#"{"text": "one"}"#).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let other = note(&app, &id, "u-7", "k-1", r#"{"text": "two"}"#).await;
    other.assert_error(422, "idempotency_key_reused");
    let elsewhere = app
        .call("POST", "/leads/{id}/dismiss")
        .id(&id)
        .header("Idempotency-Key", "k-1")
        .body(r#"{"reason": "not_a_lead"}"#)
        .send()
        .await;
    elsewhere.assert_error(422, "idempotency_key_reused");
    let d = app.detail(&id).await;
    assert_eq!(
        (d["version"].as_u64(), d["status"].as_str()),
        (Some(2), Some("new"))
    );
}

#[tokio::test]
async fn a_key_whose_first_request_is_running_is_409_and_bad_keys_are_400() {
    let app = TestApp::new().await;
    let id = app.lead("c1", json!({})).await;
    let body = r#"{"text": "hello"}"#;
    // The first request has taken the key and not finished (as if still running).
    let scope = IdempotencyScope {
        tenant: TenantId::parse("t", app.tenant()).unwrap(),
        user: UserId::parse("u", "u-7").unwrap(),
        key: IdempotencyKey::parse("Idempotency-Key", b"k-busy").unwrap(),
    };
    let print = fingerprint("POST", &format!("/leads/{id}/notes"), None, body.as_bytes());
    let claim = app.store().claim(&scope, &print, Utc::now()).await.unwrap();
    assert_eq!(claim, Claim::Proceed);
    note(&app, &id, "u-7", "k-busy", body)
        .await
        .assert_error(409, "request_in_progress");
    // A key held longer than any request runs was left by one that died: it is free again.
    let later = Utc::now() + chrono::Duration::minutes(2);
    assert_eq!(
        app.store().claim(&scope, &print, later).await.unwrap(),
        Claim::Proceed
    );
    // A day later even a completed key is free.
    let next_day = Utc::now() + chrono::Duration::hours(25);
    assert_eq!(
        app.store().claim(&scope, &print, next_day).await.unwrap(),
        Claim::Proceed
    );

    for bad in ["", &"k".repeat(129), "clé"] {
        let r = note(&app, &id, "u-7", bad, body).await;
        r.assert_error(400, "validation_failed");
        assert_eq!(r.body["error"]["field"], "Idempotency-Key", "{bad:?}");
    }
    assert_eq!(app.detail(&id).await["version"], 1, "nothing written");
}

#[tokio::test]
async fn ten_simultaneous_retries_of_one_call_back_request_it_once() {
    let app = Arc::new(TestApp::new().await);
    let id = app.lead("c1", json!({})).await;
    let r = app
        .put_settings(json!({"callback_caller_id": "+15125550000"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (app, id) = (app.clone(), id.clone());
            tokio::spawn(async move {
                app.call("POST", "/leads/{id}/callback")
                    .id(&id)
                    .header("Idempotency-Key", "call-back-1")
                    .body("{}")
                    .send()
                    .await
            })
        })
        .collect();
    let answers: Vec<Resp> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    for a in &answers {
        assert!(
            a.status == 200 || a.error() == ("request_in_progress", ""),
            "{} {}",
            a.status,
            a.body
        );
    }
    let ok: Vec<&Resp> = answers.iter().filter(|a| a.status == 200).collect();
    assert!(!ok.is_empty());
    assert!(
        ok.iter().all(|a| a.body["callback_attempts"] == 1),
        "one attempt, replayed"
    );
    let d = app.detail(&id).await;
    assert_eq!(d["callback_attempts"], 1, "{d}");
    assert_eq!(d["version"], 2);
}
