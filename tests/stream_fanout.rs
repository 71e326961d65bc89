//! The table's stream has one reader, which fans each change out to the queue of every function
//! that reads it (docs/data-model.md, The table's stream and its readers), through the local
//! stack with the real binaries: a record that can never succeed is dead-lettered after its
//! queue's bounded receives, while the changes behind it go on.

use std::time::{Duration, Instant};

use scl_local::jwt::{self, DevClaims};
use scl_local::template::Template;
use scl_tests::*;
use serde_json::{json, Value};

/// DynamoDB throttles a stream shard's readers beyond two (AWS's advice: at most two).
#[test]
fn the_tables_stream_has_at_most_two_readers() {
    let root = repo_root();
    let template = Template::load(&root.join("infra/template.yaml")).unwrap();
    let readers: Vec<&str> = template
        .functions
        .iter()
        .filter(|f| f.stream_sources.iter().any(|s| s.table == "LeadsTable"))
        .map(|f| f.logical_id.as_str())
        .collect();
    assert_eq!(readers, ["StreamDispatchFunction"]);
    let text = std::fs::read_to_string(root.join("infra/template.yaml")).unwrap();
    let mentions = text.matches("LeadsTable.StreamArn").count();
    assert!(
        mentions <= 2,
        "every use of the stream is a reader (mappings, pipes): {mentions}"
    );
}

fn s(v: String) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(v)
}

#[tokio::test]
async fn a_poison_record_is_dead_lettered_after_bounded_receives_while_the_changes_behind_it_go_on()
{
    let stack = start_stack("fanout-poison", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let tenant = unique("t-poison");
    let admin = jwt::mint(
        &DevClaims::new("admin-1", &tenant, "scl.view scl.admin", 900),
        "test-secret",
    )
    .unwrap();
    let resp = http
        .put(format!("{api}/settings"))
        .bearer_auth(&admin)
        .json(&json!({"after_call_work_minutes": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // An item that claims to be a booking but is not one, written straight to the table: the
    // dispatcher passes it to BookingStreamFunction's queue, where it fails on every delivery.
    let table = stack.resolved.names["LeadsTable"].clone();
    let ddb = aws_sdk_dynamodb::Client::new(&stack.sdk_config(&dynamodb_url()).await);
    let poison_pk = format!("TENANT#{tenant}#BOOKING#broken");
    ddb.put_item()
        .table_name(&table)
        .item("pk", s(poison_pk.clone()))
        .item("sk", s("BOOKING".into()))
        .item("entity", s("booking".into()))
        .item("booking", s("not a booking".into()))
        .send()
        .await
        .unwrap();
    let poisoned = Instant::now();

    // Behind it: a lead, and a job booked for its caller.
    let phone = unique_phone();
    let ingest = invoke_url(&stack, "IngestCallFunction");
    let call = call_completed(&tenant, "call-1", json!({"from_number": phone}));
    let out = invoke_json(&http, &ingest, &call).await;
    assert_eq!(out["outcome"], "created", "{out}");
    let lead_id = out["lead_id"].as_str().unwrap().to_owned();
    let booking = invoke_url(&stack, "IngestBookingFunction");
    let out = invoke_json(&http, &booking, &job_booked(&tenant, "job-1", &phone, None)).await;
    assert_eq!(out["outcome"], "stored", "{out}");
    let lead_url = format!("{api}/leads/{lead_id}");
    let applied = eventually(30, || async {
        get_json(&http, &lead_url, &admin).await["status"] == "booked_elsewhere"
    })
    .await;
    let lead = get_json(&http, &lead_url, &admin).await;
    assert!(
        applied.is_some(),
        "the booking behind the poison reached its lead: {lead}"
    );
    println!(
        "fan-out: the booking behind a poison record reached its lead {:.1} s after the poison was written",
        poisoned.elapsed().as_secs_f64()
    );

    // The poison ends in BookingStreamFailureQueue after the queue's receives (5, 30 s apart).
    let sqs = aws_sdk_sqs::Client::new(&stack.sdk_config(&moto_url()).await);
    let dlq = stack.resolved.queue_urls["BookingStreamFailureQueue"].clone();
    let deadline = Instant::now() + Duration::from_secs(5 * 30 + 90);
    let dead = loop {
        let got = sqs
            .receive_message()
            .queue_url(&dlq)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        let found = got.messages().iter().find_map(|m| {
            let record: Value = serde_json::from_str(m.body().unwrap_or_default()).ok()?;
            (record.pointer("/dynamodb/Keys/pk/S")? == poison_pk.as_str()).then_some(record)
        });
        if let Some(record) = found {
            break record;
        }
        assert!(
            Instant::now() < deadline,
            "the poison record never reached the dead-letter queue"
        );
    };
    let after = poisoned.elapsed();
    println!(
        "fan-out: the poison record reached BookingStreamFailureQueue {:.0} s after it was written",
        after.as_secs_f64()
    );
    assert_eq!(
        dead["eventName"], "INSERT",
        "the stream record itself: {dead}"
    );
    // Retried, not dropped at once: five receives 30 s apart.
    assert!(after >= Duration::from_secs(4 * 30), "{after:?}");
}
