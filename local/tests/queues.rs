//! The SQS event source mapping (`scl_local::queues`) against a real moto (`SCL_TEST_MOTO_URL`,
//! as `make test` starts it): queues created as the stack provisions them, messages that fail
//! coming back after the visibility timeout and moved to the dead-letter queue after
//! `maxReceiveCount` receives, a FIFO queue's groups delivered in order, and batches gathered
//! over a batching window.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use scl_local::queues::QueueMapping;
use scl_local::streams::Invoke;
use scl_local::template::{QueueDef, QueueSourceDef, RedriveDef};
use serde_json::{json, Value};

fn moto_url() -> String {
    std::env::var("SCL_TEST_MOTO_URL").unwrap_or_else(|_| "http://127.0.0.1:5000".into())
}

async fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&scl_local::stack::client_config(&moto_url()).await)
}

/// A name prefix of this test's own.
fn prefix() -> String {
    format!("t{}-", ulid::Ulid::generate())
}

/// A queue whose messages come back `visibility_timeout` seconds after a receive: longer than a
/// delivery takes on a busy machine (or a message is delivered twice, as SQS may), short enough
/// for a test.
fn queue(id: &str, fifo: bool, visibility_timeout: u64, redrive: Option<RedriveDef>) -> QueueDef {
    QueueDef {
        logical_id: id.into(),
        fifo,
        content_based_deduplication: false,
        visibility_timeout,
        delay_seconds: 0,
        message_retention_period: None,
        redrive,
    }
}

/// Creates a queue as the stack provisions it; returns its URL and (moto's) ARN, which it also
/// records in `arns`.
async fn create(
    sqs: &aws_sdk_sqs::Client,
    def: &QueueDef,
    prefix: &str,
    arns: &mut BTreeMap<String, String>,
) -> (String, String) {
    let mut req = sqs.create_queue().queue_name(def.physical_name(prefix));
    for (k, v) in scl_local::provision::queue_attributes(def, arns).unwrap() {
        req = req.attributes(k, v);
    }
    let url = req.send().await.unwrap().queue_url.unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()
        .remove(&QueueAttributeName::QueueArn)
        .unwrap();
    arns.insert(def.logical_id.clone(), arn.clone());
    (url, arn)
}

fn source(batch_size: usize, window: Duration, report: bool) -> QueueSourceDef {
    QueueSourceDef {
        queue: "Q".into(),
        batch_size,
        batching_window: window,
        report_batch_item_failures: report,
        maximum_concurrency: None,
        enabled: true,
        filters: vec![],
    }
}

/// Every batch the function was invoked with.
type Seen = Arc<Mutex<Vec<Vec<Value>>>>;

/// A function that records its batches and fails the records `fail` picks from each: with
/// `report`, by naming them in `batchItemFailures`, else with a function error.
fn function(
    seen: &Seen,
    report: bool,
    fail: impl Fn(&[Value]) -> Vec<Value> + Send + Sync + 'static,
) -> Invoke {
    let (seen, fail) = (seen.clone(), Arc::new(fail));
    Arc::new(move |event: Value| {
        let (seen, fail) = (seen.clone(), fail.clone());
        Box::pin(async move {
            let records = event["Records"].as_array().cloned().unwrap_or_default();
            seen.lock().unwrap().push(records.clone());
            // Batches overlap when several are in flight.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let failed: Vec<Value> = fail(&records)
                .iter()
                .map(|r| json!({"itemIdentifier": r["messageId"]}))
                .collect();
            match (failed.is_empty(), report) {
                (true, _) => Ok(Value::Null),
                (false, true) => Ok(json!({ "batchItemFailures": failed })),
                (false, false) => {
                    Err(json!({"errorType": "Poison", "errorMessage": "no"}).to_string())
                }
            }
        })
    })
}

fn none(_: &[Value]) -> Vec<Value> {
    vec![]
}

fn bodies(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .flatten()
        .map(|r| r["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until nothing is left on the queue, visible or in flight (every message deleted or
/// moved to the dead-letter queue).
async fn wait_empty(sqs: &aws_sdk_sqs::Client, url: &str) {
    let start = Instant::now();
    loop {
        let mut a = sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        let mut count = |k| a.remove(&k).unwrap_or_default();
        let left = (
            count(QueueAttributeName::ApproximateNumberOfMessages),
            count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        );
        if left == ("0".to_owned(), "0".to_owned()) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "left on the queue: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Five messages, one of which always fails: the four are delivered once and deleted, the
/// fifth is delivered twice (`maxReceiveCount`), one visibility timeout apart, then moved to
/// the dead-letter queue.
async fn poison_goes_to_the_dead_letter_queue(report: bool) {
    let sqs = sqs().await;
    let prefix = prefix();
    let mut arns = BTreeMap::new();
    let (dlq_url, _) = create(&sqs, &queue("Dlq", false, 2, None), &prefix, &mut arns).await;
    let redrive = RedriveDef {
        dead_letter_queue: "Dlq".into(),
        max_receive_count: 2,
    };
    let (url, arn) = create(
        &sqs,
        &queue("Q", false, 2, Some(redrive)),
        &prefix,
        &mut arns,
    )
    .await;
    let seen: Seen = Arc::default();
    let mapping = QueueMapping {
        function: "Worker".into(),
        queue_url: url.clone(),
        queue_arn: arn.clone(),
        // Without partial batch responses a failure fails its whole batch: batches of one keep
        // the others' deliveries to one each.
        source: source(if report { 10 } else { 1 }, Duration::ZERO, report),
        invoke: function(&seen, report, |batch| {
            batch
                .iter()
                .filter(|r| r["body"] == "poison")
                .cloned()
                .collect()
        }),
        concurrency: 2,
        region: "us-east-1".into(),
    };
    let task = tokio::spawn(mapping.run(sqs.clone()));
    for body in ["m0", "m1", "poison", "m2", "m3"] {
        sqs.send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let dead = loop {
        let out = sqs
            .receive_message()
            .queue_url(&dlq_url)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        if let Some(m) = out.messages.unwrap_or_default().pop() {
            break m;
        }
        assert!(bodies(&seen).len() < 20, "{:?}", bodies(&seen));
    };
    wait_empty(&sqs, &url).await;
    task.abort();
    assert_eq!(dead.body(), Some("poison"));

    let mut delivered = bodies(&seen);
    delivered.sort();
    assert_eq!(delivered, ["m0", "m1", "m2", "m3", "poison", "poison"]);
    let poison: Vec<Value> = seen
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .filter(|r| r["body"] == "poison")
        .cloned()
        .collect();
    let counts: Vec<&str> = poison
        .iter()
        .map(|r| {
            r["attributes"]["ApproximateReceiveCount"]
                .as_str()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(counts, ["1", "2"]);
    let r = &poison[0];
    assert_eq!(r["eventSource"], "aws:sqs");
    assert_eq!(r["eventSourceARN"], arn.as_str());
    assert_eq!(r["awsRegion"], "us-east-1");
    // SQS's MD5 of the body ("poison").
    assert_eq!(r["md5OfBody"], "35393c24384b8862798716628f7bc6f4");
    for a in [
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    ] {
        assert!(r["attributes"][a].is_string(), "{a}: {r}");
    }
    assert!(r["receiptHandle"].is_string() && r["messageId"].is_string());
}

#[tokio::test]
async fn a_message_reported_failed_ends_in_the_dead_letter_queue() {
    poison_goes_to_the_dead_letter_queue(true).await;
}

#[tokio::test]
async fn a_message_whose_batch_fails_ends_in_the_dead_letter_queue() {
    poison_goes_to_the_dead_letter_queue(false).await;
}

/// Two groups of four messages, interleaved, sent to a FIFO queue while its mapping polls, in
/// batches of three, two batches at a time; the first delivery of `a-1` fails (the function
/// reports it and what follows it of its group in the batch, as FIFO consumers must). Each
/// group is processed in order, `a-1` and what follows it in group `a` again once the
/// visibility timeout is over, in order (`queues::held_behind`).
#[tokio::test]
async fn a_fifo_queues_groups_are_delivered_in_order() {
    let sqs = sqs().await;
    let prefix = prefix();
    let (url, arn) = create(
        &sqs,
        &queue("Q", true, 3, None),
        &prefix,
        &mut BTreeMap::new(),
    )
    .await;
    assert!(url.ends_with(".fifo") && arn.ends_with(".fifo"));
    let seen: Seen = Arc::default();
    // The first delivery of a-1 fails, with what follows it of group a in its batch.
    let fail = |batch: &[Value]| -> Vec<Value> {
        let first_a1 = batch
            .iter()
            .position(|r| r["body"] == "a-1" && r["attributes"]["ApproximateReceiveCount"] == "1");
        first_a1.map_or_else(Vec::new, |i| {
            batch[i..]
                .iter()
                .filter(|r| r["attributes"]["MessageGroupId"] == "a")
                .cloned()
                .collect()
        })
    };
    let mapping = QueueMapping {
        function: "Ordered".into(),
        queue_url: url.clone(),
        queue_arn: arn,
        source: source(3, Duration::ZERO, true),
        invoke: function(&seen, true, fail),
        concurrency: 2,
        region: "us-east-1".into(),
    };
    let task = tokio::spawn(mapping.run(sqs.clone()));
    for i in 0..4 {
        for group in ["a", "b"] {
            let body = format!("{group}-{i}");
            sqs.send_message()
                .queue_url(&url)
                .message_body(&body)
                .message_group_id(group)
                .message_deduplication_id(&body)
                .send()
                .await
                .unwrap();
        }
    }
    // a-1 and what followed it of group a in its batch are delivered twice.
    wait_until("every message delivered", || bodies(&seen).len() >= 9).await;
    wait_empty(&sqs, &url).await;
    task.abort();

    let batches = seen.lock().unwrap().clone();
    let mut per_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for batch in &batches {
        for r in batch {
            let group = r["attributes"]["MessageGroupId"]
                .as_str()
                .unwrap()
                .to_owned();
            for a in [
                "MessageDeduplicationId",
                "SequenceNumber",
                "ApproximateReceiveCount",
            ] {
                assert!(r["attributes"][a].is_string(), "{a}: {r}");
            }
            per_group
                .entry(group)
                .or_default()
                .push(r["body"].as_str().unwrap().to_owned());
        }
    }
    // Each batch's messages as body#receive count, for the failure message.
    let dump: Vec<Vec<String>> = batches
        .iter()
        .map(|b| {
            b.iter()
                .map(|r| {
                    let count = &r["attributes"]["ApproximateReceiveCount"];
                    format!(
                        "{}#{}",
                        r["body"].as_str().unwrap_or_default(),
                        count.as_str().unwrap_or_default()
                    )
                })
                .collect()
        })
        .collect();
    assert_eq!(per_group["b"], ["b-0", "b-1", "b-2", "b-3"], "{dump:?}");
    // a-1 was delivered, failed, and delivered again before anything after it.
    let a = &per_group["a"];
    assert_eq!(a.first().map(String::as_str), Some("a-0"));
    assert_eq!(a.last().map(String::as_str), Some("a-3"), "{dump:?}");
    let second_a1 = a.iter().rposition(|b| b == "a-1").unwrap();
    assert_eq!(&a[second_a1..], ["a-1", "a-2", "a-3"], "{dump:?}");
    assert_eq!(a.iter().filter(|b| *b == "a-1").count(), 2, "{dump:?}");
}

/// BatchSize 25 with a three-second window: 25 messages sent at once arrive as one batch
/// (three receives); five more as one batch when the window is over, each once although the
/// window outlasts the queue's two-second visibility timeout (they are received again while
/// the batch gathers).
#[tokio::test]
async fn a_batching_window_gathers_receives_up_to_the_batch_size() {
    let sqs = sqs().await;
    let prefix = prefix();
    let (url, arn) = create(
        &sqs,
        &queue("Q", false, 2, None),
        &prefix,
        &mut BTreeMap::new(),
    )
    .await;
    let send = |from: usize, n: usize| {
        let (sqs, url) = (sqs.clone(), url.clone());
        async move {
            for chunk in (from..from + n).collect::<Vec<_>>().chunks(10) {
                let entries = chunk.iter().map(|i| {
                    aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                        .id(format!("e{i}"))
                        .message_body(format!("m{i}"))
                        .build()
                        .unwrap()
                });
                sqs.send_message_batch()
                    .queue_url(&url)
                    .set_entries(Some(entries.collect()))
                    .send()
                    .await
                    .unwrap();
            }
        }
    };
    // Queued before the mapping starts, so that its first receives find them all.
    send(0, 25).await;
    let seen: Seen = Arc::default();
    let mapping = QueueMapping {
        function: "Gatherer".into(),
        queue_url: url.clone(),
        queue_arn: arn,
        source: source(25, Duration::from_secs(3), false),
        invoke: function(&seen, false, none),
        concurrency: 1,
        region: "us-east-1".into(),
    };
    let task = tokio::spawn(mapping.run(sqs.clone()));
    wait_until("the full batch", || !seen.lock().unwrap().is_empty()).await;
    send(25, 5).await;
    let started = Instant::now();
    wait_until("the window's batch", || seen.lock().unwrap().len() >= 2).await;
    let waited = started.elapsed();
    wait_empty(&sqs, &url).await;
    task.abort();
    let sizes: Vec<usize> = seen.lock().unwrap().iter().map(Vec::len).collect();
    assert_eq!(sizes, [25, 5], "{:?}", bodies(&seen));
    assert!(waited >= Duration::from_millis(2500), "{waited:?}");
    let mut all = bodies(&seen);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 30);
    // The window's batch carries each message as last received (its second receive).
    let counts: Vec<String> = seen.lock().unwrap()[1]
        .iter()
        .map(|r| r["attributes"]["ApproximateReceiveCount"].to_string())
        .collect();
    assert_eq!(counts, vec!["\"2\""; 5]);
}

/// The template's queues as the stack provisions them in moto: FIFO queues named with `.fifo`,
/// dead-letter queues first, every attribute as declared, and the names functions' environments
/// and policies resolve to those moto has.
#[tokio::test]
async fn queues_are_provisioned_as_the_template_declares() {
    let t = scl_local::template::Template::parse(
        r#"
Resources:
  Ordered:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true
      VisibilityTimeout: 45
      RedrivePolicy: {deadLetterTargetArn: !GetAtt OrderedDeadLetters.Arn, maxReceiveCount: 3}
  OrderedDeadLetters:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true, MessageRetentionPeriod: 1209600}
  Turns:
    Type: AWS::SQS::Queue
    Properties: {DelaySeconds: 5}
  Worker:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: worker}}
    Properties:
      Timeout: 30
      Environment:
        Variables:
          ORDERED_URL: !Ref Ordered
          ORDERED_NAME: !GetAtt Ordered.QueueName
          ORDERED_ARN: !GetAtt Ordered.Arn
      Policies:
        - SQSSendMessagePolicy: {QueueName: !GetAtt Ordered.QueueName}
      Events:
        Work:
          Type: SQS
          Properties: {Queue: !GetAtt Ordered.Arn, FunctionResponseTypes: [ReportBatchItemFailures]}
"#,
    )
    .unwrap();
    let config = scl_local::stack::client_config(&moto_url()).await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let prefix = prefix();
    // No tables, topics or senders: only moto's SQS is called.
    let resolved = scl_local::provision::provision(
        &t,
        &aws_sdk_dynamodb::Client::new(&config),
        &aws_sdk_sns::Client::new(&config),
        &sqs,
        &aws_sdk_ses::Client::new(&config),
        &prefix,
    )
    .await
    .unwrap();
    let attributes = |url: String| {
        let sqs = sqs.clone();
        async move {
            sqs.get_queue_attributes()
                .queue_url(url)
                .attribute_names(QueueAttributeName::All)
                .send()
                .await
                .unwrap()
                .attributes
                .unwrap()
                .into_iter()
                .map(|(k, v)| (k.as_str().to_owned(), v))
                .collect::<BTreeMap<String, String>>()
        }
    };
    let name = format!("{prefix}Ordered.fifo");
    let url = sqs
        .get_queue_url()
        .queue_name(&name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    assert_eq!(resolved.queue_urls["Ordered"], url);
    let ordered = attributes(url.clone()).await;
    let dead_letters = attributes(resolved.queue_urls["OrderedDeadLetters"].clone()).await;
    assert_eq!(ordered["QueueArn"], resolved.arns["Ordered"]);
    assert_eq!(ordered["FifoQueue"], "true");
    assert_eq!(ordered["ContentBasedDeduplication"], "true");
    assert_eq!(ordered["VisibilityTimeout"], "45");
    let redrive: Value = serde_json::from_str(&ordered["RedrivePolicy"]).unwrap();
    assert_eq!(
        redrive["deadLetterTargetArn"],
        dead_letters["QueueArn"].as_str()
    );
    assert_eq!(redrive["maxReceiveCount"], 3);
    assert!(dead_letters["QueueArn"].ends_with(".fifo"));
    assert_eq!(dead_letters["MessageRetentionPeriod"], "1209600");
    let turns = attributes(resolved.queue_urls["Turns"].clone()).await;
    assert_eq!(turns["DelaySeconds"], "5");
    assert_eq!(turns["VisibilityTimeout"], "30");
    assert!(!turns.contains_key("FifoQueue"));

    // What the function's environment and policy name is what moto has.
    let worker = &t.functions[0];
    let env = |k: &str| resolved.resolve(&worker.environment[k]).unwrap();
    assert_eq!(env("ORDERED_URL"), url);
    assert_eq!(env("ORDERED_NAME"), name);
    assert_eq!(env("ORDERED_ARN"), ordered["QueueArn"]);
    let names = scl_local::iam::Names::new(&t, &resolved);
    assert_eq!(names.get_att("Ordered", "QueueName").unwrap(), name);
    assert_eq!(
        names.get_att("Ordered", "Arn").unwrap(),
        ordered["QueueArn"]
    );
    let policy = scl_local::iam::Policy::for_function(worker, &names).unwrap();
    assert!(policy.allows(&scl_local::iam::Access {
        action: "sqs:SendMessage".into(),
        resource: ordered["QueueArn"].clone(),
        leading_keys: vec![],
    }));
}

/// A function's own SQS calls (the SDK's JSON protocol) through its IAM proxy: a batch passes
/// as its single-message action, a call the policy does not allow is answered `AccessDenied`
/// and an injected outage `ServiceUnavailable`, each as SQS answers them.
#[tokio::test]
async fn a_functions_sqs_calls_pass_its_iam_proxy() {
    let t = scl_local::template::Template::parse(
        r#"
Resources:
  Mine:
    Type: AWS::SQS::Queue
  Theirs:
    Type: AWS::SQS::Queue
  Sender:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: sender}}
    Properties:
      Policies:
        - Statement:
            - {Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Mine.Arn}
"#,
    )
    .unwrap();
    let config = scl_local::stack::client_config(&moto_url()).await;
    let direct = aws_sdk_sqs::Client::new(&config);
    let resolved = scl_local::provision::provision(
        &t,
        &aws_sdk_dynamodb::Client::new(&config),
        &aws_sdk_sns::Client::new(&config),
        &direct,
        &aws_sdk_ses::Client::new(&config),
        &prefix(),
    )
    .await
    .unwrap();
    let names = Arc::new(scl_local::iam::Names::new(&t, &resolved));
    let policy = scl_local::iam::Policy::for_function(&t.functions[0], &names).unwrap();
    let faults = scl_local::faults::Faults::default();
    let (proxy, task) = scl_local::iam::start_proxy(
        policy,
        names,
        scl_local::iam::Upstreams {
            dynamodb: String::new(),
            moto: moto_url(),
        },
        faults.clone(),
        Arc::default(),
        false,
        Arc::default(),
    )
    .await
    .unwrap();
    let through_proxy = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(
            &scl_local::stack::client_config(&format!("http://{proxy}")).await,
        )
        .retry_config(aws_sdk_sqs::config::retry::RetryConfig::disabled())
        .build(),
    );
    let entry = aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
        .id("e0")
        .message_body("hello")
        .build()
        .unwrap();
    let send = |queue: &str| {
        through_proxy
            .send_message_batch()
            .queue_url(&resolved.queue_urls[queue])
            .entries(entry.clone())
            .send()
    };
    let sent = send("Mine").await.unwrap();
    assert_eq!(sent.successful().len(), 1);
    let denied = send("Theirs").await.unwrap_err();
    assert_eq!(
        denied.as_service_error().and_then(|e| e.meta().code()),
        Some("AccessDenied"),
        "{denied:?}"
    );
    faults.set(serde_json::from_str(r#"{"sqs": {"down_for_seconds": 60}}"#).unwrap());
    let down = send("Mine").await.unwrap_err();
    assert_eq!(
        down.as_service_error().and_then(|e| e.meta().code()),
        Some("ServiceUnavailable"),
        "{down:?}"
    );
    task.abort();
}
