use super::*;
use crate::template::{Resolved, Template};
use std::path::Path;

fn project() -> (Template, Names) {
    let t = Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml"))
        .unwrap();
    let mut resolved = Resolved {
        parameters: t.parameters.clone(),
        ..Resolved::default()
    };
    for table in &t.tables {
        resolved
            .names
            .insert(table.logical_id.clone(), format!("x-{}", table.logical_id));
    }
    for topic in &t.topics {
        resolved.names.insert(
            topic.clone(),
            format!("arn:aws:sns:{REGION}:{ACCOUNT}:x-{topic}"),
        );
    }
    for q in &t.queues {
        resolved.names.insert(
            q.logical_id.clone(),
            format!("http://localhost/{ACCOUNT}/{}", q.physical_name("x-")),
        );
    }
    for set in &t.email_configuration_sets {
        resolved.names.insert(set.clone(), format!("x-{set}"));
    }
    for bus in &t.buses {
        resolved.names.insert(bus.clone(), format!("x-{bus}"));
    }
    for role in &t.roles {
        let arn = format!("arn:aws:iam::{ACCOUNT}:role/x-{role}");
        resolved.arns.insert(role.clone(), arn);
    }
    let names = Names::new(&t, &resolved);
    (t, names)
}

fn policy(t: &Template, names: &Names, f: &str) -> Policy {
    let def = t.functions.iter().find(|d| d.logical_id == f).unwrap();
    Policy::for_function(def, names).unwrap()
}

fn ddb(action: &str, resource_suffix: &str, keys: &[&str]) -> Access {
    Access {
        action: format!("dynamodb:{action}"),
        resource: format!("{}{resource_suffix}", table_arn("x-LeadsTable")),
        leading_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
    }
}

#[test]
fn wildcards_behave_like_iam() {
    assert!(wildcard_match("TENANT#*", "TENANT#t-1#LEAD#01H"));
    assert!(wildcard_match(
        "TENANT#*#USER#*#NOTIF",
        "TENANT#t#USER#u-7#NOTIF"
    ));
    assert!(!wildcard_match(
        "TENANT#*#USER#*#NOTIF",
        "TENANT#t#LEAD#01H"
    ));
    assert!(wildcard_match("a?c", "abc"));
    assert!(!wildcard_match("a?c", "ac"));
    assert!(wildcard_match("*", "anything"));
}

#[test]
fn every_function_policy_is_understood() {
    let (t, names) = project();
    for f in &t.functions {
        Policy::for_function(f, &names).unwrap();
    }
}

#[test]
fn the_templates_policies_are_least_privilege() {
    let (t, names) = project();
    let list = policy(&t, &names, "ListLeadsFunction");
    assert!(list.allows(&ddb("Query", "/index/ByTab", &["TENANT#t#TAB#open"])));
    assert!(!list.allows(&ddb("PutItem", "", &["TENANT#t#LEAD#1"])));
    assert!(!list.allows(&ddb("Query", "", &["TENANT#t#LEAD#1"])));

    let feed = policy(&t, &names, "NotificationsFunction");
    assert!(feed.allows(&ddb("Query", "", &["TENANT#t#USER#u-7#NOTIF"])));
    assert!(!feed.allows(&ddb("Query", "", &["TENANT#t#LEAD#01H"])));

    let detail = policy(&t, &names, "GetLeadFunction");
    assert!(detail.allows(&ddb("Query", "", &["TENANT#t#LEAD#01H"])));
    assert!(!detail.allows(&ddb("Query", "", &["REJECTED#2026-11-24"])));

    // A note writes its lead, its events into the outbox and its idempotency key; only the
    // outbox's publisher reaches the events topic.
    let note = policy(&t, &names, "AddNoteFunction");
    assert!(note.allows(&ddb(
        "PutItem",
        "",
        &["TENANT#t#LEAD#1", "TENANT#t#OUTBOX#1"]
    )));
    assert!(note.allows(&ddb("DeleteItem", "", &["TENANT#t#USER#u-7#IDEMPOTENCY"])));
    assert!(!note.allows(&ddb("DeleteItem", "", &["TENANT#t#LEAD#1"])));
    assert!(!note.allows(&ddb("PutItem", "", &["TENANT#t#BOOKING#j"])));
    let events = Access {
        action: "sns:Publish".into(),
        resource: format!("arn:aws:sns:{REGION}:{ACCOUNT}:x-EventsTopic"),
        leading_keys: vec![],
    };
    assert!(
        !note.allows(&events),
        "the change's events go through the outbox"
    );
    let publisher = policy(&t, &names, "PublishEventsFunction");
    assert!(publisher.allows(&events));
    assert!(!publisher.allows(&ddb("GetItem", "", &["TENANT#t#LEAD#1"])));
    let sms = Access {
        resource: "*".into(),
        ..events.clone()
    };
    assert!(!publisher.allows(&sms), "only the notifier texts phones");
    let notifier = policy(&t, &names, "NotifyFunction");
    assert!(notifier.allows(&sms));
    // Texting a phone does not open every topic: the notifier publishes to none.
    assert!(!notifier.allows(&events));
    let alarms = Access {
        resource: format!("arn:aws:sns:{REGION}:{ACCOUNT}:x-AlarmTopic"),
        ..events.clone()
    };
    assert!(!notifier.allows(&alarms));
    assert!(!policy(&t, &names, "FlushHeldSmsFunction").allows(&events));
}

fn headers(service: &str, target: Option<&str>) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert(
        http::header::AUTHORIZATION,
        format!("AWS4-HMAC-SHA256 Credential=local/20261124/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00").parse().unwrap(),
    );
    if let Some(t) = target {
        h.insert("x-amz-target", t.parse().unwrap());
    }
    h
}

#[test]
fn requests_become_the_accesses_iam_checks() {
    let (_, names) = project();
    let body = serde_json::json!({
        "TransactItems": [
            {"Put": {"TableName": "x-LeadsTable", "Item": {"pk": {"S": "TENANT#t#LEAD#1"}, "sk": {"S": "LEAD"}}}},
            {"ConditionCheck": {"TableName": "x-LeadsTable", "Key": {"pk": {"S": "TENANT#t#CALL#c"}, "sk": {"S": "CALL"}}}}
        ]
    });
    let got = accesses(
        &headers("dynamodb", Some("DynamoDB_20120810.TransactWriteItems")),
        body.to_string().as_bytes(),
        &names,
    )
    .unwrap();
    assert_eq!(
        got,
        vec![
            ddb("PutItem", "", &["TENANT#t#LEAD#1"]),
            ddb("ConditionCheckItem", "", &["TENANT#t#CALL#c"])
        ]
    );

    let q = serde_json::json!({
        "TableName": "x-LeadsTable", "IndexName": "ByPhone",
        "KeyConditionExpression": "#p = :pk AND gsi3sk >= :from",
        "ExpressionAttributeNames": {"#p": "gsi3pk"},
        "ExpressionAttributeValues": {":pk": {"S": "TENANT#t#PHONE#+15125550100"}, ":from": {"S": "2026"}}
    });
    let got = accesses(
        &headers("dynamodb", Some("DynamoDB_20120810.Query")),
        q.to_string().as_bytes(),
        &names,
    )
    .unwrap();
    assert_eq!(
        got,
        vec![ddb(
            "Query",
            "/index/ByPhone",
            &["TENANT#t#PHONE#+15125550100"]
        )]
    );

    let sms = accesses(
        &headers("sns", None),
        b"Action=Publish&Version=2010-03-31&PhoneNumber=%2B15125550100&Message=hi",
        &names,
    )
    .unwrap();
    assert_eq!(sms[0].resource, "*");
    let email = accesses(
        &headers("email", None),
        b"Action=SendEmail&Source=SCL%20%3Cscl%40example.com%3E",
        &names,
    )
    .unwrap();
    assert_eq!(
        email[0],
        Access {
            action: "ses:SendEmail".into(),
            resource: format!("arn:aws:ses:{REGION}:{ACCOUNT}:identity/scl@example.com"),
            leading_keys: vec![]
        }
    );
    assert_eq!(email.len(), 1);
    // Through a configuration set, the set is authorised too, and the notifier may use its own.
    let through_set = accesses(
        &headers("email", None),
        b"Action=SendEmail&Source=scl%40example.com&ConfigurationSetName=x-EmailConfigurationSet",
        &names,
    )
    .unwrap();
    assert_eq!(
        through_set[1].resource,
        format!("arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/x-EmailConfigurationSet")
    );
    let (t, names) = project();
    let notifier = policy(&t, &names, "NotifyFunction");
    assert!(through_set.iter().all(|a| notifier.allows(a)));
    let other_set = Access {
        resource: format!("arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/marketing"),
        ..through_set[1].clone()
    };
    assert!(!notifier.allows(&other_set));
}

#[test]
fn sqs_batches_are_authorised_as_their_single_message_actions() {
    let t = Template::parse(
        r#"
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true}
  Other:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: fn}}
    Properties:
      Policies:
        - SQSSendMessagePolicy: {QueueName: !GetAtt Jobs.QueueName}
        - SQSPollerPolicy: {QueueName: !GetAtt Jobs.QueueName}
        - Statement:
            - Effect: Allow
              Action: sqs:SendMessage
              Resource: !GetAtt Other.Arn
"#,
    )
    .unwrap();
    let url = |name: &str| format!("http://127.0.0.1:5000/{ACCOUNT}/{name}");
    let resolved = Resolved {
        names: t
            .queues
            .iter()
            .map(|q| (q.logical_id.clone(), url(&q.physical_name("x-"))))
            .collect(),
        ..Resolved::default()
    };
    let names = Names::new(&t, &resolved);
    assert_eq!(names.get_att("Jobs", "QueueName").unwrap(), "x-Jobs.fifo");
    assert_eq!(
        names.get_att("Jobs", "Arn").unwrap(),
        format!("arn:aws:sqs:{REGION}:{ACCOUNT}:x-Jobs.fifo")
    );
    let policy = policy(&t, &names, "Fn");
    let call = |op: &str, queue: &str| {
        let body = serde_json::json!({"QueueUrl": url(queue), "Entries": []});
        accesses(
            &headers("sqs", Some(&format!("AmazonSQS.{op}"))),
            body.to_string().as_bytes(),
            &names,
        )
        .unwrap()
    };
    let send = call("SendMessageBatch", "x-Jobs.fifo");
    assert_eq!(
        send,
        vec![Access {
            action: "sqs:SendMessage".into(),
            resource: format!("arn:aws:sqs:{REGION}:{ACCOUNT}:x-Jobs.fifo"),
            leading_keys: vec![],
        }]
    );
    assert!(policy.allows(&send[0]));
    // `sqs:SendMessage` alone allows a batch, as on AWS.
    assert!(policy.allows(&call("SendMessageBatch", "x-Other")[0]));
    assert!(!policy.allows(&call("DeleteMessageBatch", "x-Other")[0]));
    let delete = call("DeleteMessageBatch", "x-Jobs.fifo");
    assert_eq!(delete[0].action, "sqs:DeleteMessage");
    assert!(policy.allows(&delete[0]));
    let visibility = call("ChangeMessageVisibilityBatch", "x-Jobs.fifo");
    assert_eq!(visibility[0].action, "sqs:ChangeMessageVisibility");
    assert!(policy.allows(&visibility[0]));
    assert!(policy.allows(&call("ReceiveMessage", "x-Jobs.fifo")[0]));
    assert!(!policy.allows(&call("PurgeQueue", "x-Jobs.fifo")[0]));
    // The query protocol names the operation in `Action`.
    let query = accesses(
        &headers("sqs", None),
        format!(
            "Action=DeleteMessageBatch&QueueUrl={}",
            url("x-Jobs.fifo").replace(':', "%3A").replace('/', "%2F")
        )
        .as_bytes(),
        &names,
    )
    .unwrap();
    assert_eq!(query[0].action, "sqs:DeleteMessage");
}
