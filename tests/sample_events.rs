//! Every sample in events/ (the payloads `sam local invoke -e` and the docs use) is accepted by
//! its function's handler and gets the answer a caller would expect.

use scl_tests::*;
use serde_json::Value;

fn sample(name: &str) -> Value {
    let path = repo_root().join("events").join(name);
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

#[tokio::test]
async fn every_sample_event_is_accepted_by_its_handler() {
    let app = TestApp::new().await;
    let store = app.store();

    // Event functions.
    let out = app.ingest(&sample("call-completed.json")).await;
    assert_eq!(out["outcome"], "created", "{out}");
    assert_eq!(
        app.send_event(&sample("banner.json")).await.body["linked"],
        true,
        "the sample call's number, any spelling"
    );
    let out = app.book(&sample("job-booked.json")).await;
    assert_eq!(out["outcome"], "stored", "{out}");
    let resp = booking_stream::handle_payload(
        &booking_stream::State {
            store: store.clone(),
        },
        &sample("dynamodb-booking-insert.json"),
    )
    .await;
    assert!(resp.batch_item_failures.is_empty());
    let sdk = sdk_config(&moto_url()).await;
    let notifier = scl_aws::AwsNotifier::new(
        aws_sdk_ses::Client::new(&sdk),
        aws_sdk_sns::Client::new(&sdk),
        "scl-notifications@example.com",
    );
    let notify_state = notify::State {
        store: store.clone(),
        notifier: notifier.clone(),
        config: scl_core::service::notify::NotifyConfig {
            app_url: "https://scl.example.com".into(),
        },
    };
    let resp = notify::handle_payload(&notify_state, &sample("dynamodb-lead-insert.json")).await;
    assert!(resp.batch_item_failures.is_empty());
    let events = publish_events::State {
        publisher: app.publisher(),
    };
    let resp =
        publish_events::handle_payload(&events, &sample("dynamodb-outbox-insert.json")).await;
    assert!(resp.batch_item_failures.is_empty());
    let published = app.probe.drain().await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].event_type, "LeadCreated");
    assert_eq!(published[0].event_id, "01JDX3Q8M7V4K2N9P5R6S8T0W1.1.0");
    let flushed = flush_held_sms::handle_payload(
        &flush_held_sms::State {
            store: store.clone(),
            notifier,
        },
        &sample("schedule.json"),
    )
    .await
    .unwrap();
    assert!(flushed.get("due").is_some(), "{flushed}");
    let swept = cold_sweep::handle_payload(&store, &sample("cold-sweep.json"))
        .await
        .unwrap();
    assert!(swept["moved"].is_u64(), "{swept}");
    // The sample lead marked Not a Lead by u-7: one label counted, once.
    let learn = learn_labels::State {
        store: store.clone(),
    };
    for _ in 0..2 {
        let resp = learn_labels::handle_payload(&learn, &sample("dynamodb-lead-modify.json")).await;
        assert!(resp.batch_item_failures.is_empty());
    }
    let stats = app.send_event(&sample("detection-stats.json")).await;
    assert_eq!(stats.body["labels"]["not_a_lead"], 1, "{}", stats.body);

    // The sample tenant's reports: the lead-change sample names a lead this table does not
    // have (nothing to count); a rebuild counts the lead created above, and a check agrees.
    let counter = count_reports::State {
        store: store.clone(),
    };
    let resp = count_reports::handle_payload(&counter, &sample("dynamodb-lead-modify.json"))
        .await
        .unwrap();
    assert_eq!(resp["batchItemFailures"], serde_json::json!([]), "{resp}");
    let repairer = repair_reports::State {
        store: store.clone(),
    };
    let rebuilt = repair_reports::handle_payload(&repairer, &sample("rebuild-reports.json"))
        .await
        .unwrap();
    assert_eq!(rebuilt["leads"], 1, "{rebuilt}");
    let checked = repair_reports::handle_payload(&repairer, &sample("check-reports.json"))
        .await
        .unwrap();
    assert_eq!(checked["differences"], serde_json::json!([]), "{checked}");
    let report = app.send_event(&sample("reports-summary.json")).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(
        report.body["flagged"], 1,
        "the sample call ended in the sample period"
    );
    let csv = app.send_event(&sample("reports-summary-csv.json")).await;
    assert_eq!(csv.status, 200);
    let text = csv.body.as_str().unwrap_or_default();
    assert!(text.starts_with("row,day,user_id,name,flagged"), "{text}");

    // HTTP functions: the sample's tenant t-1 has the lead created above, not the sample id.
    assert_eq!(
        app.send_event(&sample("banner.json")).await.body["linked"],
        false,
        "the sample booking (phone match) booked the sample lead"
    );
    for (name, want, why) in [
        ("list-leads.json", 200, ""),
        ("get-lead.json", 404, ""),
        ("search-transcript.json", 404, ""),
        ("add-note.json", 404, ""),
        ("dismiss.json", 404, ""),
        ("callback.json", 404, ""),
        ("update-status.json", 404, ""),
        ("put-settings.json", 200, ""),
        ("get-settings.json", 200, ""),
        ("notifications.json", 200, ""),
        ("near-misses.json", 200, ""),
        (
            "promote-call.json",
            404,
            "the sample's call is not a near miss",
        ),
        ("detection-reset.json", 200, ""),
        ("notification-read.json", 404, ""),
    ] {
        let r = app.send_event(&sample(name)).await;
        assert_eq!(r.status, want, "{name} {why}: {}", r.body);
    }
}
