//! Call ingestion against DynamoDB Local: what a CSR would see in the queue afterwards.

use scl_tests::*;
use serde_json::json;

/// How many leads the queue shows across its three tabs.
async fn all_tabs_count(app: &TestApp) -> usize {
    let mut n = 0;
    for tab in ["open", "cold", "done"] {
        n += app.list(&format!("tab={tab}")).await["items"]
            .as_array()
            .unwrap()
            .len();
    }
    n
}

#[tokio::test]
async fn a_qualifying_call_becomes_a_new_lead_with_reasons_and_a_generated_summary() {
    let app = TestApp::new().await;
    let out = app
        .ingest(&call_completed(app.tenant(), "call-1", json!({})))
        .await;
    assert_eq!(out["outcome"], "created", "{out}");

    let page = app.list("tab=open&status=new").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let lead = &items[0];
    assert_eq!(lead["id"], out["lead_id"]);
    assert_eq!(lead["status"], "new");
    assert_eq!(lead["status_label"], "New");
    assert_eq!(lead["tab"], "open");
    assert_eq!(lead["version"], 1);
    assert_eq!(lead["customer"]["phone"], "+15125550100");
    assert_eq!(lead["calls_count"], 1);
    assert_eq!(lead["summary_is_generated"], true);
    let summary = lead["summary"].as_str().unwrap();
    assert!(summary.contains("AC stopped cooling"), "{summary}");
    let reasons: Vec<&str> = lead["detection"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    // The strongest contributions, in words: this call's price talk is among them.
    assert!(reasons.iter().any(|r| r.contains("price")), "{reasons:?}");
    assert!(
        lead["detection"]["model_version"]
            .as_str()
            .is_some_and(|v| v.starts_with("lr-")),
        "{lead}"
    );
    assert!(reasons.contains(&"no job booked"), "{reasons:?}");
    assert!(reasons.contains(&"call lasted 4m 12s"), "{reasons:?}");
    let score = lead["detection"]["score"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&score), "{score}");
    assert!(
        lead.get("transcript").is_none(),
        "lists never carry transcripts"
    );
}

#[tokio::test]
async fn a_platform_summary_is_kept_and_not_marked_generated() {
    let app = TestApp::new().await;
    app.ingest(&call_completed(
        app.tenant(),
        "call-1",
        json!({"summary": "Wants AC price."}),
    ))
    .await;
    let lead = &app.list("").await["items"][0];
    assert_eq!(lead["summary"], "Wants AC price.");
    assert_eq!(lead["summary_is_generated"], false);
}

#[tokio::test]
async fn redelivery_creates_nothing_new() {
    let app = TestApp::new().await;
    let event = call_completed(app.tenant(), "call-1", json!({}));
    assert_eq!(app.ingest(&event).await["outcome"], "created");
    assert_eq!(app.ingest(&event).await["outcome"], "duplicate");
    // A different EventBridge id for the same call is still the same call.
    let again = call_completed(app.tenant(), "call-1", json!({}));
    assert_eq!(app.ingest(&again).await["outcome"], "duplicate");
    let items = app.list("").await["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["calls_count"], 1);
}

#[tokio::test]
async fn a_second_call_from_the_same_number_written_differently_is_attached() {
    let app = TestApp::new().await;
    let first = app
        .ingest(&call_completed(app.tenant(), "call-1", json!({})))
        .await;
    let second = app
        .ingest(&call_completed(
            app.tenant(),
            "call-2",
            json!({"from_number": "+1 512 555 0100",
                   "started_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::hours(1)),
                   "ended_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::minutes(57)),
                   "duration_seconds": 180}),
        ))
        .await;
    assert_eq!(second["outcome"], "attached", "{second}");
    assert_eq!(second["lead_id"], first["lead_id"]);
    let items = app.list("").await["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["calls_count"], 2);
    assert_eq!(items[0]["version"], 2);
    assert_eq!(
        items[0]["call"]["call_id"], "call-2",
        "the lead shows its most recent call"
    );

    // And the same number spelled a third way from another customer of another tenant is not.
    let other = unique("t");
    let out = app
        .ingest(&call_completed(
            &other,
            "call-3",
            json!({"from_number": "512.555.0100"}),
        ))
        .await;
    assert_eq!(out["outcome"], "created");
}

#[tokio::test]
async fn calls_that_are_not_leads_create_nothing() {
    let app = TestApp::new().await;
    let not_a_lead_transcript = json!([
        {"speaker": "agent", "start_ms": 0, "text": "Thanks for calling, how can I help?"},
        {"speaker": "customer", "start_ms": 2000, "text": "Hi, when is my technician coming? My appointment was at 2 and he is running late."}
    ]);
    let cases = [
        json!({"outcome": "booked"}),
        json!({"outcome": "excused"}),
        json!({"outcome": "abandoned", "answered": false}),
        json!({"direction": "outbound"}),
        json!({"duration_seconds": 45,
               "started_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::minutes(10)),
               "ended_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::minutes(10) + chrono::Duration::seconds(45))}),
    ];
    for (i, patch) in cases.iter().enumerate() {
        let out = app
            .ingest(&call_completed(
                app.tenant(),
                &format!("c-{i}"),
                patch.clone(),
            ))
            .await;
        assert_eq!(out["outcome"], "not_a_lead", "{patch} -> {out}");
        assert!(!out["reasons"].as_array().unwrap().is_empty());
    }
    // Past every gate but clearly about an existing job: scored, kept as a near miss.
    let patch =
        json!({"transcript": not_a_lead_transcript, "call_reason": null, "csr_notes": null});
    let out = app
        .ingest(&call_completed(app.tenant(), "c-scored", patch))
        .await;
    assert_eq!(out["outcome"], "near_miss", "{out}");
    assert!(out["score"].as_f64().unwrap() < 0.2, "{out}");
    assert!(
        out["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("caller asked about work already booked or done")),
        "{out}"
    );
    assert_eq!(all_tabs_count(&app).await, 0);
}

#[tokio::test]
async fn malformed_events_are_rejected_naming_the_field_and_filed_for_replay() {
    let app = TestApp::new().await;
    let cases = [
        (
            call_completed(app.tenant(), "c-1", json!({"from_number": "not a phone"})),
            "detail.from_number",
        ),
        (
            call_completed(app.tenant(), "c-2", json!({"started_at": "yesterday"})),
            "detail.started_at",
        ),
        (
            call_completed(app.tenant(), "c-3", json!({"surprise": true})),
            "detail.surprise",
        ),
        (
            call_completed(app.tenant(), "c-4", json!({"csr_notes": "x".repeat(5001)})),
            "detail.csr_notes",
        ),
        (
            call_completed(app.tenant(), "c-5", json!({"duration_seconds": "long"})),
            "detail.duration_seconds",
        ),
        (json!({"detail-type": "CallCompleted"}), "detail"),
        (json!("not even an object"), "event"),
    ];
    for (event, field) in &cases {
        let out = app.ingest(event).await;
        assert_eq!(out["outcome"], "rejected", "{out}");
        assert_eq!(out["error"]["code"], "validation_failed");
        assert_eq!(out["error"]["field"], *field, "{out}");
    }
    assert_eq!(
        all_tabs_count(&app).await,
        0,
        "nothing written for invalid events"
    );

    // Every rejected event is filed under the day's REJECTED partition, with the raw event.
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let filed = app
        .env
        .client
        .query()
        .table_name(&app.env.table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("REJECTED#{day}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(filed.count(), cases.len() as i32);
    let fields: Vec<String> = filed
        .items()
        .iter()
        .map(|i| i["error_field"].as_s().unwrap().clone())
        .collect();
    assert!(fields.contains(&"detail.from_number".to_owned()));

    // A valid event after the bad ones is processed normally.
    let ok = app
        .ingest(&call_completed(app.tenant(), "c-ok", json!({})))
        .await;
    assert_eq!(ok["outcome"], "created");
}

#[tokio::test]
async fn an_oversized_transcript_is_stored_capped_with_a_flag_not_a_failed_write() {
    let app = TestApp::new().await;
    let mut segments = vec![
        json!({"speaker": "customer", "start_ms": 0, "text": "My water heater is leaking, how much to replace it?"}),
    ];
    for i in 1..120 {
        segments.push(json!({"speaker": if i % 2 == 0 { "customer" } else { "agent" }, "start_ms": i * 1000, "text": "blah ".repeat(1990)}));
    }
    let out = app
        .ingest(&call_completed(
            app.tenant(),
            "big",
            json!({"transcript": segments}),
        ))
        .await;
    assert_eq!(out["outcome"], "created", "{out}");
    let id = out["lead_id"].as_str().unwrap();
    let body = app.detail(id).await;
    assert_eq!(body["transcript_truncated"], true);
    let n = body["transcript"].as_array().unwrap().len();
    assert!(n > 10 && n < 120, "{n}");
}

#[tokio::test]
async fn the_platforms_own_classification_is_recorded_beside_ours() {
    let app = TestApp::new().await;
    let out = app.ingest(&call_completed(app.tenant(), "c-1", json!({"classification": {"is_lead": true, "score": 0.8, "label": "sales_opportunity"}})),
    )
    .await;
    assert_eq!(out["outcome"], "created");
    let lead = &app.list("").await["items"][0];
    assert_eq!(
        lead["detection"]["platform"],
        json!({"is_lead": true, "score": 0.8, "label": "sales_opportunity"})
    );
    assert!(
        lead["detection"]["score"].as_f64().unwrap() > 0.5,
        "our own score is kept too"
    );
    let bad = app
        .ingest(&call_completed(
            app.tenant(),
            "c-2",
            json!({"classification": {"is_lead": true, "score": 7}}),
        ))
        .await;
    assert_eq!(bad["error"]["field"], "detail.classification.score");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_calls_from_a_new_number_make_one_lead_with_both_calls() {
    let app = std::sync::Arc::new(TestApp::new().await);
    // Ten new numbers, two calls each, all twenty processed at the same moment.
    let tasks: Vec<_> = (0..10)
        .flat_map(|n| (0..2).map(move |c| (n, c)))
        .map(|(n, c)| {
            let app = app.clone();
            tokio::spawn(async move {
                let patch = json!({"from_number": format!("+1512555{:04}", 7000 + n)});
                let event = call_completed(app.tenant(), &format!("race-{n}-{c}"), patch);
                app.ingest(&event).await
            })
        })
        .collect();
    let outcomes: Vec<String> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.unwrap()["outcome"].as_str().unwrap().to_owned())
        .collect();
    let created = outcomes.iter().filter(|o| *o == "created").count();
    let attached = outcomes.iter().filter(|o| *o == "attached").count();
    assert_eq!((created, attached), (10, 10), "{outcomes:?}");
    let leads = app.list("tab=open&limit=100").await["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(leads.len(), 10, "one lead per number");
    for lead in &leads {
        assert_eq!(lead["calls_count"], 2, "{lead}");
    }
}

#[tokio::test]
async fn a_business_with_second_chance_leads_turned_off_gets_no_leads_and_none_later() {
    let app = TestApp::new().await;
    let off = app.put_settings(json!({"enabled": false})).await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.body["enabled"], false);
    let call = call_completed(app.tenant(), "call-off", json!({}));
    let out = app.ingest(&call).await;
    assert_eq!(out["outcome"], "disabled", "{out}");
    assert_eq!(all_tabs_count(&app).await, 0);

    // Turning it on does not bring the call back: its redelivery is a duplicate.
    let on = app.put_settings(json!({"enabled": true})).await;
    assert_eq!(on.body["enabled"], true);
    assert_eq!(app.ingest(&call).await["outcome"], "duplicate");
    assert_eq!(all_tabs_count(&app).await, 0);
    // New calls are decided again.
    let out = app
        .ingest(&call_completed(app.tenant(), "call-on", json!({})))
        .await;
    assert_eq!(out["outcome"], "created", "{out}");

    // Bad values change nothing and name the field.
    for (body, field) in [
        (json!({"enabled": "no"}), "enabled"),
        (
            json!({"after_call_work_minutes": 61}),
            "after_call_work_minutes",
        ),
        (
            json!({"after_call_work_minutes": 1.5}),
            "after_call_work_minutes",
        ),
    ] {
        let r = app.put_settings(body).await;
        r.assert_error(400, "validation_failed");
        assert_eq!(r.body["error"]["field"], field);
    }
    let settings = app.call("GET", "/settings").admin().send().await;
    assert_eq!(settings.body["enabled"], true);
    assert_eq!(settings.body["after_call_work_minutes"], 5);
}
