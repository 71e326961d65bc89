//! Events out go through the outbox: written with their change, published from the table's
//! stream by PublishEventsFunction's handler (through the local stack's own mapping, with the
//! template's retry settings), each with an `event_id` that is the same on every delivery.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use scl_aws::SnsPublisher;
use scl_core::ports::{EventPublisher, PublishError};
use scl_domain::events::PendingEvent;
use scl_tests::*;
use serde_json::json;

/// The real publisher behind a switch: while SNS is "down" every publish fails as an
/// unreachable endpoint would.
#[derive(Clone)]
struct Outage {
    sns: SnsPublisher,
    down: Arc<AtomicBool>,
    refused: Arc<AtomicUsize>,
}

impl EventPublisher for Outage {
    async fn publish(&self, event: &PendingEvent) -> Result<(), PublishError> {
        if self.down.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(PublishError {
                event_type: event.event_type.clone(),
                event_id: event.event_id.clone(),
                detail: "dispatch failure: connection refused".into(),
            });
        }
        self.sns.publish(event).await
    }
}

#[tokio::test]
async fn a_new_lead_publishes_lead_created_once_with_its_event_id() {
    let app = TestApp::new().await;
    let _publishing = app.publishing().await;
    let id = app.lead("c1", json!({})).await;
    // Redelivered CallCompleted: no second lead, no second event.
    let again = app
        .ingest(&call_completed(app.tenant(), "c1", json!({})))
        .await;
    assert_eq!(again["outcome"], "duplicate");
    let created = app.published("LeadCreated", 1).await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0].event_id, format!("{id}.1.0"));
    assert_eq!(created[0].message["lead_id"], id.as_str());
    assert_eq!(created[0].message["customer_phone"], "+15125550100");
    assert_eq!(created[0].message["tenant_id"], app.tenant());
}

#[tokio::test]
async fn with_sns_down_notes_and_call_backs_still_answer_and_their_events_go_out_after_recovery() {
    let app = TestApp::new().await;
    let outage = Outage {
        sns: app.publisher(),
        down: Arc::new(AtomicBool::new(true)),
        refused: Arc::new(AtomicUsize::new(0)),
    };
    let _publishing = StreamMappingRun::events_through(&app.env, outage.clone()).await;
    let id = app.lead("c1", json!({})).await;
    let r = app
        .put_settings(json!({"callback_caller_id": "+15125550000"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let note = app
        .act(
            "POST",
            "/leads/{id}/notes",
            &id,
            r#"{"text": "Left a voicemail", "copy_to": ["customer", "location", "customer"]}"#,
        )
        .await;
    assert_eq!(
        note.status, 201,
        "SNS is down, the note is not: {}",
        note.body
    );
    let call_back = app.act("POST", "/leads/{id}/callback", &id, "{}").await;
    assert_eq!(call_back.status, 200, "{}", call_back.body);

    // The mapping keeps retrying while SNS refuses (a bound, not a timing claim).
    let refusing = eventually(20, || async { outage.refused.load(Ordering::SeqCst) >= 3 }).await;
    assert!(refusing.is_some(), "the publisher was never retried");
    assert!(app.probe.drain().await.is_empty(), "nothing got through");
    tokio::time::sleep(Duration::from_secs(1)).await;
    outage.down.store(false, Ordering::SeqCst);

    let copied = app.published("NoteCopied", 2).await;
    let requested = app.published("CallbackRequested", 1).await;
    let created = app.published("LeadCreated", 1).await;
    let mut targets: Vec<&str> = copied
        .iter()
        .map(|e| e.message["target"].as_str().unwrap())
        .collect();
    targets.sort();
    assert_eq!(targets, ["customer", "location"], "copy_to is a set");
    assert_eq!(requested.len(), 1, "{requested:?}");
    assert_eq!(created.len(), 1, "{created:?}");
    let mut ids: Vec<&str> = copied
        .iter()
        .chain(&requested)
        .chain(&created)
        .map(|e| e.event_id.as_str())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "one id per event: {ids:?}");
    assert!(ids.contains(&format!("{id}.3.0").as_str()), "{ids:?}");
}
