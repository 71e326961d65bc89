//! Shared test harness: an isolated table per test in DynamoDB Local (created from
//! infra/template.yaml) with a DynamoDB client that counts requests, the project's topic in moto
//! read through an SQS queue, `TestApp` (app.rs) through which tests call every function's
//! handler, sample `CallCompleted`/`JobBooked` events, and helpers for the running local stack.
//!
//! A business receives only the events of the sources its settings bind (`event_sources`), so
//! the harness binds, as an administrator would when connecting the phone platform and booking
//! system, every business it sends a sample event for to the samples' sources
//! (`bind_sample_sources`): `TestApp::ingest`/`book`, and `invoke_json` to a local stack's
//! ingest functions. Tests of the binding itself send events the harness does not bind.

pub mod app;
pub use app::{assert_error, Resp, TestApp};

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use lambda_http::{Body, Response};
use scl_aws::fanout::Reader;
use scl_aws::DynamoStore;
use scl_local::template::Template;
use serde_json::{json, Map, Value};
use std::sync::Arc as StdArc;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn dynamodb_url() -> String {
    std::env::var("SCL_TEST_DYNAMODB_URL").unwrap_or_else(|_| "http://127.0.0.1:8000".into())
}

pub fn moto_url() -> String {
    std::env::var("SCL_TEST_MOTO_URL").unwrap_or_else(|_| "http://127.0.0.1:5000".into())
}

/// Plain HTTP to the emulators (the workspace's aws-config has no default HTTPS client).
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// Counts every request the client actually sends (retries included).
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<AtomicUsize>);

impl RequestCounter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
    pub fn reset(&self) {
        self.0.store(0, Ordering::SeqCst)
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }
    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// One isolated table and a unique tenant.
pub struct TestEnv {
    pub table: String,
    pub tenant: String,
    pub store: DynamoStore,
    pub client: aws_sdk_dynamodb::Client,
    pub requests: RequestCounter,
}

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    )
}

impl TestEnv {
    pub async fn new() -> TestEnv {
        let sdk = sdk_config(&dynamodb_url()).await;
        let requests = RequestCounter::default();
        let client = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&sdk)
                .interceptor(requests.clone())
                .build(),
        );
        let template = Template::load(&repo_root().join("infra/template.yaml")).expect("template");
        let table_def = template
            .tables
            .iter()
            .find(|t| t.logical_id == "LeadsTable")
            .expect("LeadsTable in template");
        let table = unique("leads");
        scl_local::provision::create_table(&client, table_def, &table)
            .await
            .expect("create table in DynamoDB Local (is it running? `make test` starts it)");
        requests.reset();
        TestEnv {
            store: DynamoStore::new(client.clone(), table.clone()),
            table,
            tenant: unique("t"),
            client,
            requests,
        }
    }
}

/// A caller's claims as the JWT authorizer passes them.
pub fn claims(tenant: &str, sub: &str, scope: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("sub".into(), json!(sub));
    m.insert("tenant_id".into(), json!(tenant));
    m.insert("scope".into(), json!(scope));
    m.insert("name".into(), json!("Test User"));
    m
}

pub fn body_json(resp: &Response<Body>) -> Value {
    match resp.body() {
        Body::Text(t) => serde_json::from_str(t).expect("JSON body"),
        Body::Binary(b) => serde_json::from_slice(b).expect("JSON body"),
        Body::Empty => Value::Null,
        _ => Value::Null,
    }
}

/// A `CallCompleted` EventBridge event for a qualifying call; `patch` overrides detail fields.
pub fn call_completed(tenant: &str, call_id: &str, patch: Value) -> Value {
    let mut detail = json!({
        "tenant_id": tenant,
        "call_id": call_id,
        "direction": "inbound",
        "answered": true,
        "outcome": "unbooked",
        "from_number": "(512) 555-0100",
        "to_number": "+15125550000",
        // Two hours ago, so the lead is Open whatever the date (default cold-after: 3 days).
        "started_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::hours(2)),
        "ended_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::hours(2) + chrono::Duration::seconds(252)),
        "duration_seconds": 252,
        "agent_id": "u-7",
        "agent_name": "Sam",
        "customer_id": "c-881",
        "location_id": "l-42",
        "customer_name": "Dana Reyes",
        "call_reason": "AC not cooling",
        "csr_notes": "Customer will think about it",
        "recording_url": "https://recordings.example/call-123.mp3",
        "summary": null,
        "transcript": [
            {"speaker": "agent", "start_ms": 0, "text": "Thanks for calling Cool Air, this is Sam."},
            {"speaker": "customer", "start_ms": 3000, "text": "Hi, my AC stopped cooling last night and the house is 85 degrees."},
            {"speaker": "agent", "start_ms": 9000, "text": "Sorry to hear that. We can get a technician out."},
            {"speaker": "customer", "start_ms": 12000, "text": "What's the price for a diagnostic visit?"},
            {"speaker": "agent", "start_ms": 15000, "text": "It's $89, waived if you do the repair."},
            {"speaker": "customer", "start_ms": 19000, "text": "Okay, let me think about it and call you back. The price seems fair."}
        ]
    });
    if let (Some(d), Some(p)) = (detail.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            d.insert(k.clone(), v.clone());
        }
    }
    json!({
        "version": "0",
        "id": ulid::Ulid::generate().to_string(),
        "detail-type": "CallCompleted",
        "source": "phone.platform",
        "account": "123456789012",
        "time": "2026-11-24T15:05:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail
    })
}

/// A gated, answered, unbooked call that is clearly not a sale (an existing job).
pub fn near_miss_call(tenant: &str, call_id: &str, started_at: &str, ended_at: &str) -> Value {
    call_completed(
        tenant,
        call_id,
        json!({
            "from_number": unique_phone(),
            "started_at": started_at,
            "ended_at": ended_at,
            "call_reason": null,
            "csr_notes": null,
            "transcript": [
                {"speaker": "agent", "start_ms": 0, "text": "Thanks for calling."},
                {"speaker": "customer", "start_ms": 2000, "text": "Hi, I'm just checking when my technician is coming, the appointment was at two."},
                {"speaker": "agent", "start_ms": 6000, "text": "He's running a little late, about twenty minutes."},
                {"speaker": "customer", "start_ms": 9000, "text": "Okay. Also, while he's here, could he look at the noise our dryer makes?"}
            ]
        }),
    )
}

/// `t` as an RFC 3339 time to the second (`2026-11-24T15:04:12Z`), as events carry it.
pub fn rfc3339_seconds(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An RFC 3339 time `days` days before now.
pub fn days_ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The project's SNS topic in moto with an SQS queue subscribed to it, so tests observe
/// published events the way a real consumer would.
pub struct TopicProbe {
    pub topic_arn: String,
    pub queue_url: String,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
}

impl TopicProbe {
    /// A new topic of its own, observed.
    pub async fn new() -> TopicProbe {
        let sns = aws_sdk_sns::Client::new(&sdk_config(&moto_url()).await);
        let topic_arn = sns
            .create_topic()
            .name(unique("events"))
            .send()
            .await
            .expect("moto running")
            .topic_arn
            .unwrap();
        TopicProbe::subscribed_to(&topic_arn).await
    }

    /// An existing topic (a running stack's), observed through a new SQS queue.
    pub async fn subscribed_to(topic_arn: &str) -> TopicProbe {
        let sdk = sdk_config(&moto_url()).await;
        let sns = aws_sdk_sns::Client::new(&sdk);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let topic_arn = topic_arn.to_owned();
        let name = unique("events");
        let queue_url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let queue_arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .send()
            .await
            .unwrap();
        TopicProbe {
            topic_arn,
            queue_url,
            sqs,
            sns,
        }
    }

    pub fn publisher(&self) -> scl_aws::SnsPublisher {
        scl_aws::SnsPublisher::new(self.sns.clone(), self.topic_arn.clone())
    }

    /// Every event delivered so far.
    pub async fn drain(&self) -> Vec<Published> {
        let mut out = vec![];
        loop {
            let msgs = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .send()
                .await
                .unwrap()
                .messages
                .unwrap_or_default();
            if msgs.is_empty() {
                return out;
            }
            for m in msgs {
                // SNS wraps the message in its JSON envelope, with the message attributes.
                let envelope: Value = serde_json::from_str(m.body().unwrap()).unwrap();
                let attribute = |name: &str| {
                    envelope["MessageAttributes"][name]["Value"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                };
                out.push(Published {
                    event_type: attribute("event_type"),
                    event_id: attribute("event_id"),
                    message: serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap(),
                });
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
}

/// One message on the project's topic: its attributes and its JSON body.
#[derive(Debug, Clone)]
pub struct Published {
    pub event_type: String,
    pub event_id: String,
    pub message: Value,
}

/// A `JobBooked` EventBridge event.
pub fn job_booked(tenant: &str, job_id: &str, phone: &str, scl_lead_id: Option<&str>) -> Value {
    let mut detail = json!({
        "tenant_id": tenant, "job_id": job_id, "customer_phone": phone,
        "customer_id": "c-881", "booked_at": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "booked_by": "u-9",
    });
    if let Some(id) = scl_lead_id {
        detail["scl_lead_id"] = json!(id);
    }
    json!({"version": "0", "id": ulid::Ulid::generate().to_string(), "detail-type": "JobBooked",
           "source": "booking.system", "account": "123456789012", "time": "2026-11-24T16:00:00Z",
           "region": "us-east-1", "resources": [], "detail": detail})
}

/// One of the table's stream mappings, exactly as the local stack runs it (template settings,
/// filter criteria, retries, on-failure queue), invoking the function's handler in-process.
/// Stops when dropped.
pub struct StreamMappingRun {
    task: tokio::task::JoinHandle<()>,
    /// The dispatcher mapping's `MaximumRetryAttempts`, as the template says.
    pub maximum_retry_attempts: u32,
    pub failure_queue_url: String,
    pub sqs: aws_sdk_sqs::Client,
}

/// The mapping to BookingStreamFunction.
pub type BookingMapping = StreamMappingRun;

impl Drop for StreamMappingRun {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StreamMappingRun {
    /// The table's stream -> BookingStreamFunction's handler.
    pub async fn start(env: &TestEnv) -> StreamMappingRun {
        let invoke = Self::handler(env, |store, event| async move {
            let state = booking_stream::State { store };
            serde_json::to_value(booking_stream::handle_payload(&state, &event).await)
        });
        Self::run(env, Reader::Bookings, invoke).await
    }

    /// The table's stream -> PublishEventsFunction's handler, publishing to `probe`'s topic.
    pub async fn events(env: &TestEnv, probe: &TopicProbe) -> StreamMappingRun {
        Self::events_through(env, probe.publisher()).await
    }

    /// The table's stream -> PublishEventsFunction's handler, publishing through `publisher`.
    pub async fn events_through<P>(env: &TestEnv, publisher: P) -> StreamMappingRun
    where
        P: scl_core::ports::EventPublisher + Clone + 'static,
    {
        let invoke = Self::handler(env, move |_, event| {
            let publisher = publisher.clone();
            async move {
                let state = publish_events::State { publisher };
                serde_json::to_value(publish_events::handle_payload(&state, &event).await)
            }
        });
        Self::run(env, Reader::Publish, invoke).await
    }

    /// The table's stream -> LearnLabelsFunction's handler.
    pub async fn labels(env: &TestEnv) -> StreamMappingRun {
        let invoke = Self::handler(env, |store, event| async move {
            let state = learn_labels::State { store };
            serde_json::to_value(learn_labels::handle_payload(&state, &event).await)
        });
        Self::run(env, Reader::Learning, invoke).await
    }

    /// The table's stream -> CountReportsFunction's handler.
    pub async fn reports(env: &TestEnv) -> StreamMappingRun {
        let invoke = Self::handler(env, |store, event| async move {
            let state = count_reports::State { store };
            count_reports::handle_payload(&state, &event)
                .await
                .map_err(|e| serde::ser::Error::custom(e.to_string()))
        });
        Self::run(env, Reader::Reports, invoke).await
    }

    /// A stream handler called in-process with the test's store, as the mapping's invoke.
    fn handler<F, Fut>(env: &TestEnv, handle: F) -> scl_local::streams::Invoke
    where
        F: Fn(DynamoStore, Value) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = serde_json::Result<Value>> + Send + 'static,
    {
        let store = env.store.clone();
        StdArc::new(move |event: Value| {
            let answer = handle(store.clone(), event);
            Box::pin(async move { Ok(answer.await.expect("the handler's answer is JSON")) })
        })
    }

    /// The table's stream, as the dispatcher's mapping reads it, with what `reader`'s queue
    /// would get (`scl_aws::fanout::route`) handed to `invoke` in the stream's own shape: the
    /// reader's handler over real stream records, without the queue in between.
    async fn run(
        env: &TestEnv,
        reader: Reader,
        invoke: scl_local::streams::Invoke,
    ) -> StreamMappingRun {
        let function = "StreamDispatchFunction";
        let template = Template::load(&repo_root().join("infra/template.yaml")).unwrap();
        let source = template
            .functions
            .iter()
            .find(|f| f.logical_id == function)
            .unwrap()
            .stream_sources[0]
            .clone();
        let invoke: scl_local::streams::Invoke = StdArc::new(move |mut event: Value| {
            let invoke = invoke.clone();
            Box::pin(async move {
                let records = event["Records"].as_array_mut().expect("a batch");
                records.retain(|r| scl_aws::fanout::route(r).readers.contains(&reader));
                if records.is_empty() {
                    return Ok(json!({"batchItemFailures": []}));
                }
                invoke(event).await
            })
        });
        let moto = sdk_config(&moto_url()).await;
        let sqs = aws_sdk_sqs::Client::new(&moto);
        let failure_queue_url = sqs
            .create_queue()
            .queue_name(unique("stream-failures"))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let maximum_retry_attempts = source
            .maximum_retry_attempts
            .expect("the dispatcher's mapping bounds its retries");
        let mapping = scl_local::streams::StreamMapping {
            function: function.into(),
            table_name: env.table.clone(),
            source,
            invoke,
            on_failure_queue_url: Some(failure_queue_url.clone()),
            region: "us-east-1".into(),
        };
        let ddb_sdk = sdk_config(&dynamodb_url()).await;
        let task = tokio::spawn(mapping.run(
            aws_sdk_dynamodb::Client::new(&ddb_sdk),
            aws_sdk_dynamodbstreams::Client::new(&ddb_sdk),
            sqs.clone(),
        ));
        StreamMappingRun {
            task,
            maximum_retry_attempts,
            failure_queue_url,
            sqs,
        }
    }

    /// Messages in the on-failure queue (waits up to `secs`).
    pub async fn failures(&self, secs: u64) -> Vec<Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let msgs = self
                .sqs
                .receive_message()
                .queue_url(&self.failure_queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap()
                .messages
                .unwrap_or_default();
            if !msgs.is_empty() || std::time::Instant::now() > deadline {
                return msgs
                    .iter()
                    .map(|m| serde_json::from_str(m.body().unwrap()).unwrap())
                    .collect();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// Polls `check` every 50 ms until it returns true or `secs` pass; returns the elapsed time.
pub async fn eventually<F, Fut>(secs: u64, mut check: F) -> Option<std::time::Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(secs) {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

/// The whole local stack on ephemeral ports with its own table/topic/queue names, running the
/// real built binaries under the RIE (`SCL_RIE_BIN`, or .local/bin/aws-lambda-rie).
pub async fn start_stack(name: &str, jwt_secret: &str) -> scl_local::stack::Stack {
    start_stack_from(name, jwt_secret, &repo_root().join("infra/template.yaml")).await
}

/// [`start_stack`] from another template (e.g. one with a permission taken away).
pub async fn start_stack_from(
    name: &str,
    jwt_secret: &str,
    template: &std::path::Path,
) -> scl_local::stack::Stack {
    let root = repo_root();
    let rie = std::env::var("SCL_RIE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(".local/bin/aws-lambda-rie"));
    assert!(
        rie.exists(),
        "aws-lambda-rie missing at {} (run scripts/tools.sh)",
        rie.display()
    );
    // SCL_LOCAL_LOG=debug shows the stack's own logs (stream polls, IAM denials) in a test run.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("SCL_LOCAL_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
    }
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    scl_local::stack::Stack::start(scl_local::stack::StackConfig {
        template: template.to_path_buf(),
        runtime: scl_local::runtime::RuntimeConfig {
            rie,
            bin_dir: scl_local::runtime::default_bin_dir(&root),
            dynamodb_url: dynamodb_url(),
            moto_url: moto_url(),
            access_key: scl_local::stack::fresh_access_key("stack"),
            log_dir: Some(root.join("target/scl-local-test-logs").join(name)),
        },
        name_prefix: format!("{}-", unique(name)),
        api_addr: any,
        invoke_addr: any,
        jwt_secret: jwt_secret.into(),
        console_dir: Some(root.join("web/dist")),
    })
    .await
    .expect("stack starts (binaries built? `cargo build --bins`)")
}

/// The local Invoke API URL of `function` on `stack`.
pub fn invoke_url(stack: &scl_local::stack::Stack, function: &str) -> String {
    let addr = stack.invoke_addr.to_string();
    let mut tables = STACK_TABLES.lock().unwrap();
    if !tables.iter().any(|t| t.invoke_addr == addr) {
        let table = stack.resolved.names.get("LeadsTable").cloned();
        tables.push(StackTable {
            invoke_addr: addr,
            table: table.expect("the template's LeadsTable"),
            access_key: stack.access_key.clone(),
        });
    }
    drop(tables);
    format!(
        "http://{}/2015-03-31/functions/{function}/invocations",
        stack.invoke_addr
    )
}

/// A token for CSR `u-1` of `tenant` (`scl.view`), for a stack started with `test-secret`.
pub fn csr_token(tenant: &str) -> String {
    use scl_local::jwt::{mint, DevClaims};
    mint(
        &DevClaims::new("u-1", tenant, "scl.view", 300),
        "test-secret",
    )
    .expect("a dev token")
}

/// A token for administrator `admin-1` of `tenant` (`scl.view scl.admin`), for a stack started
/// with `test-secret`.
pub fn admin_token(tenant: &str) -> String {
    use scl_local::jwt::{mint, DevClaims};
    mint(
        &DevClaims::new("admin-1", tenant, "scl.view scl.admin", 600),
        "test-secret",
    )
    .expect("a dev token")
}

/// A phone number no other test uses.
pub fn unique_phone() -> String {
    let n = ulid::Ulid::generate().random() % 1_000_000;
    format!("+15127{n:06}")
}

/// An email address no other test uses.
pub fn unique_email(who: &str) -> String {
    format!(
        "{who}-{}@example.com",
        ulid::Ulid::generate().to_string().to_lowercase()
    )
}

/// moto's record of everything it was asked to send.
pub async fn moto_data() -> Value {
    reqwest::get(format!("{}/moto-api/data.json", moto_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every email moto's SES accepted for `addr`.
pub async fn emails_to(addr: &str) -> Vec<Value> {
    let d = moto_data().await;
    d["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == addr))
        })
        .collect()
}

/// Every SMS moto's SNS accepted for `phone`.
pub async fn sms_to(phone: &str) -> Vec<Value> {
    let d = moto_data().await;
    d["sns"]["SMS"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["phone_number"] == phone)
        .collect()
}

/// Whose access keys a table was made with (`bind_sample_sources`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableOwner {
    /// `TestEnv`'s tables.
    Tests,
    /// A local stack's, under its access key.
    LocalStack(String),
}

/// Binds `tenant` to the samples' sources, as an administrator's `PUT /settings` would, once
/// per table and business. Through a client of its own (the apps' count the functions'
/// requests), made only when there is something to write, with the keys of the table's owner:
/// DynamoDB Local keeps each access key's tables apart, and a local stack's are under its own.
pub async fn bind_sample_sources(table: &str, tenant: &str, owner: TableOwner) {
    static BOUND: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    let key = (table.to_owned(), tenant.to_owned());
    if BOUND.lock().unwrap().contains(&key) {
        return;
    }
    if scl_domain::TenantId::parse("tenant_id", tenant).is_err() {
        return; // an event naming no valid business: rejected whatever the bindings
    }
    let sdk = match owner {
        TableOwner::Tests => sdk_config(&dynamodb_url()).await,
        TableOwner::LocalStack(key) => {
            scl_local::stack::client_config_as(&dynamodb_url(), &key).await
        }
    };
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table.to_owned());
    scl_local::seed::bind_sample_sources(&store, tenant)
        .await
        .unwrap_or_else(|e| panic!("binding {tenant}'s sources: {e}"));
    BOUND.lock().unwrap().push(key);
}

/// The table behind each local stack's Invoke API this process started (by the API's address),
/// with the stack's access key, so that `invoke_json` can bind the businesses it sends events
/// for.
static STACK_TABLES: std::sync::Mutex<Vec<StackTable>> = std::sync::Mutex::new(Vec::new());

struct StackTable {
    invoke_addr: String,
    table: String,
    access_key: String,
}

/// Before `body` goes to a stack's ingest function: binds the business it names.
pub async fn bind_for_invoke(url: &str, body: &Value) {
    let is_ingest = ["/IngestCallFunction/", "/IngestBookingFunction/"]
        .iter()
        .any(|f| url.contains(f));
    let Some(tenant) = body["detail"]["tenant_id"].as_str().filter(|_| is_ingest) else {
        return;
    };
    let table = STACK_TABLES
        .lock()
        .unwrap()
        .iter()
        .find(|t| url.contains(t.invoke_addr.as_str()))
        .map(|t| (t.table.clone(), t.access_key.clone()));
    if let Some((table, key)) = table {
        bind_sample_sources(&table, tenant, TableOwner::LocalStack(key)).await;
    }
}

/// POSTs `body` as JSON and reads the JSON answer (binding the business of an event sent to a
/// local stack's ingest function first).
pub async fn invoke_json(http: &reqwest::Client, url: &str, body: &Value) -> Value {
    bind_for_invoke(url, body).await;
    http.post(url)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// GETs `url` with the bearer `token` and reads the JSON answer.
pub async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `GET /detection/stats` for `tenant`, through DetectionFunction's handler.
/// POSTs a JSON body with a bearer token: (status, ETag, JSON body).
pub async fn post_json(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> (u16, Option<String>, Value) {
    let resp = http
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, etag, resp.json().await.unwrap_or(Value::Null))
}
