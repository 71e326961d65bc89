//! New-lead notifications against DynamoDB Local and moto: what recipients actually receive,
//! read back from moto's `/moto-api/data.json`.

use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use scl_aws::items::LeadItem;
use scl_aws::AwsNotifier;
use scl_core::ports::{ChannelError, LeadCommands, Notifier};
use scl_core::service::notify::NotifyConfig;
use scl_domain::notification::EmailContent;
use scl_domain::settings::EmailAddress;
use scl_domain::{LeadId, PhoneNumber, TenantId};
use scl_tests::*;
use serde_json::{json, Value};

const SENDER: &str = "scl-notifications@example.com";

async fn aws_notifier() -> AwsNotifier {
    let sdk = sdk_config(&moto_url()).await;
    let ses = aws_sdk_ses::Client::new(&sdk);
    ses.verify_email_identity()
        .email_address(SENDER)
        .send()
        .await
        .unwrap();
    AwsNotifier::new(ses, aws_sdk_sns::Client::new(&sdk), SENDER)
}

/// The test app with NotifyFunction's handler (on `N`'s channels) beside it.
struct Setup<N: Notifier> {
    app: TestApp,
    notify: notify::State<scl_aws::DynamoStore, N>,
}

impl<N: Notifier> std::ops::Deref for Setup<N> {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl<N: Notifier> Setup<N> {
    async fn with(notifier: N) -> Self {
        let app = TestApp::new().await;
        let notify = notify::State {
            store: app.store(),
            notifier,
            config: NotifyConfig {
                app_url: "https://scl.test".into(),
            },
        };
        Setup { app, notify }
    }

    async fn settings(&self, body: Value) {
        let r = self.put_settings(body).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    /// The sample call, delivered twice (still one lead): the lead's id.
    async fn ingest(&self, call: &str) -> String {
        let event = call_completed(self.tenant(), call, json!({}));
        let id = self.create(&event).await;
        assert_eq!(self.app.ingest(&event).await["outcome"], "duplicate");
        id
    }

    /// The stream record of the lead's creation, as the event source mapping delivers it.
    async fn creation_batch(&self, id: &str) -> Value {
        let tenant = TenantId::parse("t", &self.env.tenant).unwrap();
        let mut lead = self
            .env
            .store
            .get_lead(&tenant, &LeadId::parse("id", id).unwrap())
            .await
            .unwrap()
            .unwrap();
        lead.version = 1;
        let image: serde_dynamo::Item =
            serde_dynamo::to_item(LeadItem::new(&lead, lead.updated_at)).unwrap();
        json!({"Records": [{
            "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": {"NewImage": serde_json::to_value(image).unwrap(), "SequenceNumber": "1000", "SizeBytes": 1, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x"
        }]})
    }

    /// `GET /notifications?query` as `user`.
    async fn feed_as(&self, user: &str, query: &str) -> Resp {
        self.call("GET", "/notifications")
            .user(user)
            .query(query)
            .send()
            .await
    }

    /// `user`'s feed (must answer 200).
    async fn feed(&self, user: &str, query: &str) -> Value {
        let r = self.feed_as(user, query).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    async fn read(&self, user: &str, id: &str) -> (u16, Value) {
        let r = self
            .call("POST", "/notifications/{id}/read")
            .id(id)
            .user(user)
            .body("{}")
            .send()
            .await;
        (r.status, r.body)
    }

    async fn delivery(&self, lead: &str, user: &str, channel: &str) -> Option<String> {
        let out = self
            .env
            .client
            .get_item()
            .table_name(&self.env.table)
            .key(
                "pk",
                AttributeValue::S(format!("TENANT#{}#DELIVERY#{lead}", self.env.tenant)),
            )
            .key("sk", AttributeValue::S(format!("{user}#{channel}")))
            .send()
            .await
            .unwrap();
        out.item.map(|i| i["status"].as_s().unwrap().clone())
    }
}

#[tokio::test]
async fn one_email_and_one_sms_per_recipient_despite_redelivery_and_none_without_the_channel() {
    let s = Setup::with(aws_notifier().await).await;
    let (a_mail, a_phone, b_mail, c_mail, c_phone) = (
        unique_email("a"),
        unique_phone(),
        unique_email("b"),
        unique_email("c"),
        unique_phone(),
    );
    s.settings(json!({"timezone": "UTC", "recipients": [
        {"user_id": "u-a", "name": "Ann", "email": a_mail, "phone": a_phone, "channels": ["in_app", "email", "sms"]},
        {"user_id": "u-b", "email": b_mail, "channels": ["email"]},
        {"user_id": "u-c", "email": c_mail, "phone": c_phone, "channels": ["in_app"]},
    ]}))
    .await;
    let id = s.ingest("call-1").await;
    let batch = s.creation_batch(&id).await;
    for _ in 0..2 {
        let resp = notify::handle_payload(&s.notify, &batch).await;
        assert!(resp.batch_item_failures.is_empty());
    }

    let a = emails_to(&a_mail).await;
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["source"], SENDER);
    let subject = a[0]["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("New Second Chance Lead: Dana Reyes"),
        "{subject}"
    );
    assert!(a[0]["body"]
        .as_str()
        .unwrap()
        .contains(&format!("https://scl.test/leads/{id}")));
    assert_eq!(emails_to(&b_mail).await.len(), 1);
    assert!(
        emails_to(&c_mail).await.is_empty(),
        "no email channel, no email"
    );

    let texts = sms_to(&a_phone).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    let text = texts[0]["message"].as_str().unwrap();
    assert!(text.contains("+*******0100"), "masked number: {text}");
    assert!(
        !text.contains("5125550100") && !text.contains("555-0100"),
        "{text}"
    );
    for fragment in ["stopped cooling", "price", "think about it", "85 degrees"] {
        assert!(
            !text.to_lowercase().contains(fragment),
            "transcript text in SMS: {text}"
        );
    }
    assert!(sms_to(&c_phone).await.is_empty(), "no sms channel, no SMS");

    // In-app: only the recipients with that channel, only their own feed.
    assert_eq!(
        s.feed("u-a", "").await["items"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        s.feed("u-c", "").await["items"].as_array().unwrap().len(),
        1
    );
    assert!(s.feed("u-b", "").await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(s.feed("u-stranger", "").await["items"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_in_app_feed_marks_read_and_filters_unread() {
    let s = Setup::with(aws_notifier().await).await;
    s.settings(json!({"recipients": [{"user_id": "u-a", "channels": ["in_app"]}, {"user_id": "u-b", "channels": ["in_app"]}]})).await;
    let id = s.ingest("call-1").await;
    notify::handle_payload(&s.notify, &s.creation_batch(&id).await).await;
    let feed = s.feed("u-a", "unread_only=true").await;
    let item = feed["items"][0].clone();
    assert_eq!(item["lead_id"], id.as_str());
    assert_eq!(item["title"], "New Second Chance Lead");
    assert!(item["read_at"].is_null());
    let nid = item["id"].as_str().unwrap().to_owned();

    let (status, _) = s.read("u-stranger", &nid).await;
    assert_eq!(status, 404, "someone else's notification");
    let (status, read) = s.read("u-a", &nid).await;
    assert_eq!(status, 200, "{read}");
    let read_at = read["read_at"].clone();
    assert!(read_at.is_string());
    let (_, again) = s.read("u-a", &nid).await;
    assert_eq!(
        again["read_at"], read_at,
        "reading twice keeps the first time"
    );
    assert!(s.feed("u-a", "unread_only=true").await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        s.feed("u-a", "unread_only=false").await["items"][0]["read_at"],
        read_at
    );
    assert_eq!(
        s.feed("u-b", "unread_only=true").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "u-b's copy is separate"
    );

    s.feed_as("u-a", "unread_only=maybe")
        .await
        .assert_error(400, "validation_failed");
}

#[tokio::test]
async fn sms_is_held_through_quiet_hours_and_sent_by_the_scheduled_flush() {
    let s = Setup::with(aws_notifier().await).await;
    let (mail, phone) = (unique_email("q"), unique_phone());
    let now = chrono::Utc::now();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%H:%M").to_string();
    s.settings(json!({"timezone": "UTC",
        "quiet_hours": {"start": fmt(now - chrono::Duration::hours(1)), "end": fmt(now + chrono::Duration::hours(1))},
        "recipients": [{"user_id": "u-q", "email": mail, "phone": phone, "channels": ["email", "sms"]}]}))
    .await;
    let id = s.ingest("call-q").await;
    notify::handle_payload(&s.notify, &s.creation_batch(&id).await).await;
    assert_eq!(emails_to(&mail).await.len(), 1, "email goes out at once");
    assert!(
        sms_to(&phone).await.is_empty(),
        "SMS held inside quiet hours"
    );
    assert_eq!(s.delivery(&id, "u-q", "sms").await.as_deref(), Some("held"));

    let flush = flush_held_sms::State {
        store: s.env.store.clone(),
        notifier: aws_notifier().await,
    };
    let at = |t: chrono::DateTime<chrono::Utc>| json!({"detail-type": "Scheduled Event", "source": "aws.events", "time": t.to_rfc3339()});
    let still_quiet =
        flush_held_sms::handle_payload(&flush, &at(now + chrono::Duration::minutes(30)))
            .await
            .unwrap();
    assert!(sms_to(&phone).await.is_empty(), "{still_quiet}");
    let after = flush_held_sms::handle_payload(&flush, &at(now + chrono::Duration::hours(2)))
        .await
        .unwrap();
    assert!(after["sent"].as_u64().unwrap() >= 1, "{after}");
    assert_eq!(sms_to(&phone).await.len(), 1);
    flush_held_sms::handle_payload(&flush, &at(now + chrono::Duration::hours(3)))
        .await
        .unwrap();
    assert_eq!(sms_to(&phone).await.len(), 1, "sent once");
    assert_eq!(s.delivery(&id, "u-q", "sms").await.as_deref(), Some("sent"));
    // A redelivered stream record after the flush sends nothing more.
    notify::handle_payload(&s.notify, &s.creation_batch(&id).await).await;
    assert_eq!(sms_to(&phone).await.len(), 1);
}

/// The real notifier, except that one address always fails (as SES does for a rejected
/// address) and another is throttled twice before it works.
struct Flaky {
    inner: AwsNotifier,
    rejected: String,
    throttled: String,
    throttles: AtomicU32,
}

impl Notifier for Flaky {
    async fn send_email(
        &self,
        to: &EmailAddress,
        content: &EmailContent,
    ) -> Result<(), ChannelError> {
        if to.as_str() == self.rejected {
            return Err(ChannelError {
                channel: "email",
                retryable: false,
                detail: "MessageRejected: Email address is not verified".into(),
            });
        }
        if to.as_str() == self.throttled && self.throttles.fetch_add(1, Ordering::SeqCst) < 2 {
            return Err(ChannelError {
                channel: "email",
                retryable: true,
                detail: "Throttling: Maximum sending rate exceeded".into(),
            });
        }
        self.inner.send_email(to, content).await
    }
    async fn send_sms(&self, to: &PhoneNumber, text: &str) -> Result<(), ChannelError> {
        self.inner.send_sms(to, text).await
    }
}

#[tokio::test]
async fn a_failing_channel_is_retried_recorded_and_blocks_nobody_else() {
    let (bad, slow, good, phone) = (
        unique_email("bad"),
        unique_email("slow"),
        unique_email("good"),
        unique_phone(),
    );
    let flaky = Flaky {
        inner: aws_notifier().await,
        rejected: bad.clone(),
        throttled: slow.clone(),
        throttles: AtomicU32::new(0),
    };
    let s = Setup::with(flaky).await;
    s.settings(json!({"timezone": "UTC", "recipients": [
        {"user_id": "u-bad", "email": bad, "phone": phone, "channels": ["email", "sms"]},
        {"user_id": "u-slow", "email": slow, "channels": ["email"]},
        {"user_id": "u-good", "email": good, "channels": ["email", "in_app"]},
    ]}))
    .await;
    let id = s.ingest("call-f").await;
    let resp = notify::handle_payload(&s.notify, &s.creation_batch(&id).await).await;
    assert!(
        resp.batch_item_failures.is_empty(),
        "a channel failure does not fail the record"
    );
    assert!(emails_to(&bad).await.is_empty());
    assert_eq!(
        sms_to(&phone).await.len(),
        1,
        "the same recipient's other channel still goes out"
    );
    assert_eq!(
        emails_to(&slow).await.len(),
        1,
        "throttling is retried with backoff"
    );
    assert_eq!(s.notify.notifier.throttles.load(Ordering::SeqCst), 3);
    assert_eq!(emails_to(&good).await.len(), 1);
    assert_eq!(
        s.feed("u-good", "").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.delivery(&id, "u-bad", "email").await.as_deref(),
        Some("failed"),
        "the failure is recorded"
    );
    assert_eq!(
        s.delivery(&id, "u-good", "email").await.as_deref(),
        Some("sent")
    );
}

/// The real notifier with SES behind a switch: while it is "down" every email fails as an
/// unreachable service does (retryable).
struct SesOutage {
    inner: AwsNotifier,
    down: std::sync::atomic::AtomicBool,
}

impl Notifier for SesOutage {
    async fn send_email(
        &self,
        to: &EmailAddress,
        content: &EmailContent,
    ) -> Result<(), ChannelError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ChannelError {
                channel: "email",
                retryable: true,
                detail: "ServiceUnavailable".into(),
            });
        }
        self.inner.send_email(to, content).await
    }
    async fn send_sms(&self, to: &PhoneNumber, text: &str) -> Result<(), ChannelError> {
        self.inner.send_sms(to, text).await
    }
}

#[tokio::test]
async fn an_email_that_fails_for_now_fails_the_record_and_goes_out_once_on_redelivery() {
    let (mail, phone) = (unique_email("later"), unique_phone());
    let s = Setup::with(SesOutage {
        inner: aws_notifier().await,
        down: true.into(),
    })
    .await;
    s.settings(json!({"timezone": "UTC", "recipients": [
        {"user_id": "u-l", "email": mail, "phone": phone, "channels": ["email", "sms", "in_app"]},
    ]}))
    .await;
    let id = s.ingest("call-later").await;
    let batch = s.creation_batch(&id).await;
    let resp = notify::handle_payload(&s.notify, &batch).await;
    assert_eq!(resp.batch_item_failures.len(), 1, "retried by the mapping");
    assert!(emails_to(&mail).await.is_empty());
    assert_eq!(sms_to(&phone).await.len(), 1, "the SMS went out regardless");

    s.notify.notifier.down.store(false, Ordering::SeqCst);
    let resp = notify::handle_payload(&s.notify, &batch).await;
    assert!(resp.batch_item_failures.is_empty());
    assert_eq!(
        emails_to(&mail).await.len(),
        1,
        "sent once the service is back"
    );
    assert_eq!(sms_to(&phone).await.len(), 1, "and the SMS not again");
    assert_eq!(
        s.delivery(&id, "u-l", "email").await.as_deref(),
        Some("sent")
    );
}
