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

fn request(name: &str) -> lambda_http::Request {
    lambda_http::request::from_str(&sample(name).to_string())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[tokio::test]
async fn every_sample_event_is_accepted_by_its_handler() {
    let env = TestEnv::new().await;
    let probe = TopicProbe::new().await;
    let store = env.store.clone();
    let status = |r: lambda_http::Response<lambda_http::Body>| r.status().as_u16();

    // Event functions.
    let out = ingest_call::handle_payload(
        &ingest_call::State {
            store: store.clone(),
        },
        &sample("call-completed.json"),
    )
    .await
    .unwrap();
    assert_eq!(out["outcome"], "created", "{out}");
    let banner = banner::handle(
        &banner::State {
            store: store.clone(),
        },
        request("banner.json"),
    )
    .await
    .unwrap();
    assert_eq!(
        body_json(&banner)["linked"],
        true,
        "the sample call's number, any spelling"
    );
    let out = ingest_booking::handle_payload(
        &ingest_booking::State {
            store: store.clone(),
        },
        &sample("job-booked.json"),
    )
    .await
    .unwrap();
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
    let notifier = scl_shared::adapters::AwsNotifier::new(
        aws_sdk_ses::Client::new(&sdk),
        aws_sdk_sns::Client::new(&sdk),
        "scl-notifications@example.com",
    );
    let notify_state = notify::State {
        store: store.clone(),
        notifier: notifier.clone(),
        publisher: probe.publisher(),
        config: scl_shared::service::notify::NotifyConfig {
            app_url: "https://scl.example.com".into(),
        },
    };
    let resp = notify::handle_payload(&notify_state, &sample("dynamodb-lead-insert.json")).await;
    assert!(resp.batch_item_failures.is_empty());
    assert!(probe.drain().await.iter().any(|(t, _)| t == "LeadCreated"));
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
    // The sample lead marked Not a Lead by u-7: one label counted, once.
    let learn = learn_labels::State {
        store: store.clone(),
    };
    for _ in 0..2 {
        let resp = learn_labels::handle_payload(&learn, &sample("dynamodb-lead-modify.json")).await;
        assert!(resp.batch_item_failures.is_empty());
    }
    let stats = detection::handle(
        &detection::State {
            store: store.clone(),
        },
        request("detection-stats.json"),
    )
    .await
    .unwrap();
    assert_eq!(
        body_json(&stats)["labels"]["not_a_lead"],
        1,
        "{}",
        body_json(&stats)
    );

    // HTTP functions: the sample's tenant t-1 has the lead created above, not the sample id.
    let s = || store.clone();
    assert_eq!(
        status(
            list_leads::handle(
                &list_leads::State { store: s() },
                request("list-leads.json")
            )
            .await
            .unwrap()
        ),
        200
    );
    assert_eq!(
        status(
            get_lead::handle(&get_lead::State { store: s() }, request("get-lead.json"))
                .await
                .unwrap()
        ),
        404
    );
    assert_eq!(
        status(
            search_transcript::handle(
                &search_transcript::State { store: s() },
                request("search-transcript.json")
            )
            .await
            .unwrap()
        ),
        404
    );
    assert_eq!(
        status(
            add_note::handle(
                &add_note::State {
                    store: s(),
                    publisher: probe.publisher()
                },
                request("add-note.json")
            )
            .await
            .unwrap()
        ),
        404
    );
    assert_eq!(
        status(
            dismiss_lead::handle(
                &dismiss_lead::State {
                    store: s(),
                    publisher: ()
                },
                request("dismiss.json")
            )
            .await
            .unwrap()
        ),
        404
    );
    assert_eq!(
        status(
            callback::handle(
                &callback::State {
                    store: s(),
                    publisher: probe.publisher()
                },
                request("callback.json")
            )
            .await
            .unwrap()
        ),
        404
    );
    assert_eq!(
        status(
            update_status::handle(
                &update_status::State {
                    store: s(),
                    publisher: ()
                },
                request("update-status.json")
            )
            .await
            .unwrap()
        ),
        404
    );
    let banner = banner::handle(&banner::State { store: s() }, request("banner.json"))
        .await
        .unwrap();
    assert_eq!(
        body_json(&banner)["linked"],
        false,
        "the sample booking (phone match) booked the sample lead"
    );
    assert_eq!(
        status(
            settings::handle(
                &settings::State { store: s() },
                request("put-settings.json")
            )
            .await
            .unwrap()
        ),
        200
    );
    assert_eq!(
        status(
            settings::handle(
                &settings::State { store: s() },
                request("get-settings.json")
            )
            .await
            .unwrap()
        ),
        200
    );
    assert_eq!(
        status(
            notifications::handle(
                &notifications::State { store: s() },
                request("notifications.json")
            )
            .await
            .unwrap()
        ),
        200
    );
    assert_eq!(
        status(
            near_misses::handle(
                &near_misses::State { store: s() },
                request("near-misses.json")
            )
            .await
            .unwrap()
        ),
        200
    );
    assert_eq!(
        status(
            promote_call::handle(
                &promote_call::State { store: s() },
                request("promote-call.json")
            )
            .await
            .unwrap()
        ),
        404,
        "the sample's call is not a near miss"
    );
    assert_eq!(
        status(
            detection::handle(
                &detection::State { store: s() },
                request("detection-reset.json")
            )
            .await
            .unwrap()
        ),
        200
    );
    assert_eq!(
        status(
            notification_read::handle(
                &notification_read::State { store: s() },
                request("notification-read.json")
            )
            .await
            .unwrap()
        ),
        404
    );
}
