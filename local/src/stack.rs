//! Starting the whole local stack: provision from the template, start every function under
//! the runtime emulator, serve the HTTP API and the Invoke API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use aws_config::BehaviorVersion;

use crate::gateway::{self, Gateway, Route};
use crate::iam;
use crate::provision;
use crate::queues::QueueMapping;
use crate::runtime::{concurrency_from_env, FunctionPool, RuntimeConfig};
use crate::streams::{Invoke, StreamMapping};
use crate::template::{Resolved, Template};

/// Invokes a function under the runtime emulator as an event source mapping (stream or queue)
/// does.
pub fn runtime_invoker(rt: Arc<FunctionPool>) -> Invoke {
    Arc::new(move |event: serde_json::Value| {
        let rt = rt.clone();
        Box::pin(async move {
            match rt.invoke(event.to_string().into_bytes()).await {
                Ok((payload, false)) => serde_json::from_slice(&payload).map_err(|e| e.to_string()),
                Ok((payload, true)) => Err(String::from_utf8_lossy(&payload).into_owned()),
                Err(e) => Err(e.to_string()),
            }
        })
    })
}

pub struct StackConfig {
    pub template: PathBuf,
    pub runtime: RuntimeConfig,
    /// Prefix for physical table and topic names (isolates test stacks).
    pub name_prefix: String,
    pub api_addr: SocketAddr,
    pub invoke_addr: SocketAddr,
    pub jwt_secret: String,
    /// The built CSR console (`web/dist`) to serve at `/`, with the dev sign-in.
    pub console_dir: Option<PathBuf>,
}

pub struct Stack {
    pub api_addr: SocketAddr,
    pub invoke_addr: SocketAddr,
    pub resolved: Resolved,
    /// The access key its functions sign with (`RuntimeConfig::access_key`).
    pub access_key: String,
    _gateway: Arc<Gateway>,
    usage: BTreeMap<String, Arc<iam::AwsUsage>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The access key of `make dev`'s stack (and of clients that look at its tables).
pub const LOCAL_ACCESS_KEY: &str = "local";

/// An access key no other stack signs with: a database of its own in DynamoDB Local, whatever
/// the stacks before it wrote (`RuntimeConfig::access_key` says why). `purpose` names whose it
/// is (letters only).
pub fn fresh_access_key(purpose: &str) -> String {
    format!(
        "{purpose}{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    )
}

/// The SDK configuration of `make dev`'s stack: see `client_config_as`.
pub async fn client_config(endpoint: &str) -> aws_config::SdkConfig {
    client_config_as(endpoint, LOCAL_ACCESS_KEY).await
}

/// The SDK configuration a stack (and its functions) use: the same credentials, so DynamoDB
/// Local shows the same tables. Plain HTTP to the emulators (the workspace's aws-config has no
/// default HTTPS client; Cargo.toml says why).
pub async fn client_config_as(endpoint: &str, access_key: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            access_key,
            access_key,
            None,
            None,
            "scl-local",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

impl Stack {
    /// A client configuration that sees this stack's tables (its access key).
    pub async fn sdk_config(&self, endpoint: &str) -> aws_config::SdkConfig {
        client_config_as(endpoint, &self.access_key).await
    }

    pub async fn start(cfg: StackConfig) -> Result<Stack> {
        let template = Template::load(&cfg.template)?;
        let key = &cfg.runtime.access_key;
        let ddb =
            aws_sdk_dynamodb::Client::new(&client_config_as(&cfg.runtime.dynamodb_url, key).await);
        let moto = client_config_as(&cfg.runtime.moto_url, key).await;
        let sns = aws_sdk_sns::Client::new(&moto);
        let sqs = aws_sdk_sqs::Client::new(&moto);
        let streams = aws_sdk_dynamodbstreams::Client::new(
            &client_config_as(&cfg.runtime.dynamodb_url, key).await,
        );
        let ses = aws_sdk_ses::Client::new(&moto);
        let mut resolved =
            provision::provision(&template, &ddb, &sns, &sqs, &ses, &cfg.name_prefix)
                .await
                .context("provisioning DynamoDB Local and moto from the template")?;
        // Bound first: the console's address is where notifications link (the template's
        // AppBaseUrl, which on AWS defaults to the console's CloudFront URL).
        let api = tokio::net::TcpListener::bind(cfg.api_addr)
            .await
            .context("binding the HTTP API port")?;
        let invoke = tokio::net::TcpListener::bind(cfg.invoke_addr)
            .await
            .context("binding the Invoke API port")?;
        let (api_addr, invoke_addr) = (api.local_addr()?, invoke.local_addr()?);
        resolved
            .parameters
            .insert("AppBaseUrl".into(), format!("http://{api_addr}"));

        let mut functions = BTreeMap::new();
        let mut routes = Vec::new();
        let mut tasks = Vec::new();
        let mut usage_by_function = BTreeMap::new();
        // `make bench` has every DynamoDB request ask for its consumed capacity (its cost table).
        let meter_capacity = std::env::var("SCL_METER_CAPACITY").is_ok_and(|v| v == "1");
        let names = Arc::new(iam::Names::new(&template, &resolved));
        let concurrency = concurrency_from_env();
        let faults = crate::faults::Faults::from_env().context("SCL_FAULTS is not a fault plan")?;
        let bus = iam::BusCell::default();
        let upstreams = iam::Upstreams {
            dynamodb: cfg.runtime.dynamodb_url.clone(),
            moto: cfg.runtime.moto_url.clone(),
        };
        // Functions the template creates only under a condition that does not hold (with the
        // parameters' defaults) are not started, as CloudFormation would not create them.
        for def in template.functions.iter().filter(|d| {
            d.condition
                .as_deref()
                .is_none_or(|c| resolved.condition(c) != Some(false))
        }) {
            // Every AWS call the function makes passes its template policy first, as on AWS.
            let policy = iam::Policy::for_function(def, &names)?;
            check_on_failure_permissions(def, &policy, &names)?;
            let usage = Arc::new(iam::AwsUsage::default());
            usage_by_function.insert(def.logical_id.clone(), usage.clone());
            let (proxy, proxy_task) = iam::start_proxy(
                policy,
                names.clone(),
                upstreams.clone(),
                faults.clone(),
                usage,
                meter_capacity,
                bus.clone(),
            )
            .await?;
            tasks.push(proxy_task);
            let rt = Arc::new(
                FunctionPool::start(
                    def,
                    &resolved,
                    &cfg.runtime,
                    &format!("http://{proxy}"),
                    concurrency,
                )
                .await?,
            );
            for every in &def.schedules {
                tasks.push(tokio::spawn(run_schedule(rt.clone(), *every)));
            }
            for source in &def.stream_sources {
                let mapping = StreamMapping {
                    function: def.logical_id.clone(),
                    table_name: resolved
                        .names
                        .get(&source.table)
                        .cloned()
                        .unwrap_or_default(),
                    source: source.clone(),
                    invoke: runtime_invoker(rt.clone()),
                    on_failure_queue_url: source
                        .on_failure_queue
                        .as_ref()
                        .and_then(|q| resolved.queue_urls.get(q).cloned()),
                    region: "us-east-1".into(),
                };
                tasks.push(tokio::spawn(mapping.run(
                    ddb.clone(),
                    streams.clone(),
                    sqs.clone(),
                )));
            }
            for source in &def.queue_sources {
                let queue = &source.queue;
                let (Some(queue_url), Some(queue_arn)) = (
                    resolved.queue_urls.get(queue).cloned(),
                    resolved.arns.get(queue).cloned(),
                ) else {
                    anyhow::bail!(
                        "{}: its SQS event's queue {queue} was not created",
                        def.logical_id
                    );
                };
                let mapping = QueueMapping {
                    function: def.logical_id.clone(),
                    queue_url,
                    queue_arn,
                    source: source.clone(),
                    invoke: runtime_invoker(rt.clone()),
                    concurrency,
                    region: "us-east-1".into(),
                };
                tasks.push(tokio::spawn(mapping.run(sqs.clone())));
            }
            for r in &def.routes {
                routes.push(Route {
                    def: r.clone(),
                    function: rt.clone(),
                });
            }
            functions.insert(def.logical_id.clone(), rt);
        }
        // EventBridge's rules, now that the functions they invoke run.
        let local_bus = crate::bus::LocalBus::new(&template, &resolved, &functions, sqs.clone())?;
        let _ = bus.set(local_bus);
        let gw = Arc::new(Gateway {
            routes,
            functions,
            jwt_secret: cfg.jwt_secret.clone(),
            faults,
            console: cfg
                .console_dir
                .clone()
                .map(|dir| crate::console::Console::new(dir, cfg.jwt_secret.clone())),
        });
        let api_router = gateway::http_api_router(gw.clone());
        let invoke_router = gateway::invoke_api_router(gw.clone());
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(api, api_router).await;
        }));
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(invoke, invoke_router).await;
        }));
        Ok(Stack {
            api_addr,
            invoke_addr,
            resolved,
            access_key: cfg.runtime.access_key.clone(),
            _gateway: gw,
            usage: usage_by_function,
            tasks,
        })
    }
}

impl Stack {
    /// Every function's runtime, by logical id.
    pub fn functions(&self) -> &BTreeMap<String, Arc<FunctionPool>> {
        &self._gateway.functions
    }

    /// What a function's DynamoDB calls have cost so far (requests, capacity units).
    pub fn dynamodb_usage(&self, function: &str) -> (u64, f64) {
        self.usage.get(function).map_or((0, 0.0), |u| u.totals())
    }

    /// Every AWS call `function` made, counted at its proxy.
    pub fn aws_usage(&self, function: &str) -> Option<&iam::AwsUsage> {
        self.usage.get(function).map(|u| &**u)
    }

    /// The fault plan every function's AWS calls meet (`crate::faults`).
    pub fn faults(&self) -> &crate::faults::Faults {
        &self._gateway.faults
    }
}

/// Lambda sends a stream batch that exhausted its retries to the on-failure queue with the
/// function's own role; a template that forgets that permission fails here, not after deploy.
fn check_on_failure_permissions(
    def: &crate::template::FunctionDef,
    policy: &iam::Policy,
    names: &iam::Names,
) -> Result<()> {
    for source in &def.stream_sources {
        let Some(queue) = &source.on_failure_queue else {
            continue;
        };
        let send = iam::Access {
            action: "sqs:SendMessage".into(),
            resource: names.get_att(queue, "Arn")?,
            leading_keys: vec![],
        };
        anyhow::ensure!(
            policy.allows(&send),
            "{}: its role cannot send to its stream on-failure queue {queue}",
            def.logical_id
        );
    }
    Ok(())
}

/// EventBridge Scheduler, played locally: a `Scheduled Event` every `every`.
async fn run_schedule(rt: Arc<FunctionPool>, every: std::time::Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let event = serde_json::json!({
            "version": "0", "id": ulid::Ulid::generate().to_string(), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "123456789012",
            "time": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "region": "us-east-1", "resources": [], "detail": {},
        });
        if let Err(e) = rt.invoke(event.to_string().into_bytes()).await {
            tracing::warn!(function = %rt.logical_id, error = %e, "scheduled invocation failed");
        }
    }
}
