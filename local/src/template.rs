//! Reads `infra/template.yaml`: the tables, topics, functions and HTTP routes the local stack
//! must provide. The template is the single source of the schema; nothing here repeats it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_yaml_ng::Value;

/// `${AWS::StackName}` of the stack `make dev` runs.
pub const LOCAL_STACK_NAME: &str = "scl-local";

#[derive(Debug, Clone)]
pub struct Template {
    pub tables: Vec<TableDef>,
    pub topics: Vec<String>,
    pub functions: Vec<FunctionDef>,
    pub queues: Vec<QueueDef>,
    /// SES configuration sets (logical ids).
    pub email_configuration_sets: Vec<String>,
    /// EventBridge buses (logical ids).
    pub buses: Vec<String>,
    /// The buses' `Name`s, unresolved (by logical id).
    pub bus_names: BTreeMap<String, Value>,
    /// IAM roles other than the functions' (logical ids): the local stack only names them.
    pub roles: Vec<String>,
    pub parameters: BTreeMap<String, String>,
    /// `Conditions`, unevaluated (`Resolved::condition` evaluates them).
    pub conditions: BTreeMap<String, Value>,
}

#[derive(Debug, Clone)]
pub struct TableDef {
    pub logical_id: String,
    pub properties: Value,
}

#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub logical_id: String,
    /// The cargo binary (Metadata.BuildProperties.Binary).
    pub binary: String,
    /// Environment variables, unresolved (Globals merged with the function's own).
    pub environment: BTreeMap<String, Value>,
    pub routes: Vec<RouteDef>,
    pub stream_sources: Vec<StreamSourceDef>,
    /// `SQS` events: the queues Lambda polls for the function.
    pub queue_sources: Vec<QueueSourceDef>,
    /// `Timeout` in seconds (the function's, else `Globals`, else Lambda's 3); `None` when it
    /// names what the local stack cannot resolve. Lambda refuses an SQS event source whose
    /// queue's visibility timeout is shorter.
    pub timeout: Option<u64>,
    /// `Schedule` events (`rate(...)`), as intervals.
    pub schedules: Vec<std::time::Duration>,
    /// `EventBridgeRule` events: the rules on the stack's buses that invoke the function.
    pub event_rules: Vec<EventRuleDef>,
    /// `Properties.Policies`, unresolved (inline statements and SAM policy templates).
    pub policies: Vec<Value>,
    /// The template condition the function exists under, if any.
    pub condition: Option<String>,
}

/// `rate(5 minutes)` -> 300 s. Cron expressions are not run locally.
pub fn parse_rate(expr: &str) -> Option<std::time::Duration> {
    let inner = expr.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.trim().split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let secs = match unit.trim_end_matches('s') {
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(n * secs))
}

/// An `EventBridgeRule` event: which events on which bus invoke the function. Only patterns
/// on `source` and `detail-type` are modelled (the template's rules use nothing else).
#[derive(Debug, Clone, PartialEq)]
pub struct EventRuleDef {
    /// Logical id of the bus (`EventBusName: !Ref Bus`).
    pub bus: String,
    /// `Pattern.source`, unresolved: a list, or `!Ref` to a list parameter.
    pub sources: Value,
    pub detail_types: Vec<String>,
}

/// A DynamoDB stream event source mapping (`Type: DynamoDB` event).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSourceDef {
    /// Logical id of the table whose stream feeds the function.
    pub table: String,
    pub batch_size: usize,
    /// `MaximumBatchingWindowInSeconds`: how long to gather records before invoking with a
    /// batch that is not full (0: invoke with what there is).
    pub batching_window: std::time::Duration,
    /// `ParallelizationFactor` (1-10): batches of one shard processed at once, records of one
    /// item (partition key) always in the same lane, in order.
    pub parallelization_factor: usize,
    /// `None` (`-1`, Lambda's default): retried until it succeeds (on AWS, until the record is
    /// `MaximumRecordAgeInSeconds` old; the local stack keeps no record ages).
    pub maximum_retry_attempts: Option<u32>,
    pub report_batch_item_failures: bool,
    /// Parsed `FilterCriteria.Filters[].Pattern`s; a record passes if any matches.
    pub filters: Vec<serde_json::Value>,
    /// Logical id of the on-failure SQS queue.
    pub on_failure_queue: Option<String>,
}

/// An `AWS::SQS::Queue`: what the local stack creates in moto with the same attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueDef {
    pub logical_id: String,
    /// `FifoQueue`: the queue's name then ends in `.fifo`, as AWS requires (`physical_name`).
    pub fifo: bool,
    pub content_based_deduplication: bool,
    /// `VisibilityTimeout` (SQS's default 30 s): how long a received message stays hidden
    /// before it is delivered again.
    pub visibility_timeout: u64,
    /// `DelaySeconds` (default 0): how long a new message stays hidden.
    pub delay_seconds: u64,
    /// `MessageRetentionPeriod` in seconds (SQS's default, 4 days, when `None`).
    pub message_retention_period: Option<u64>,
    pub redrive: Option<RedriveDef>,
}

impl QueueDef {
    /// The queue's name in a stack whose names start with `prefix` (CloudFormation generates
    /// one from the stack and logical id, with `.fifo` for a FIFO queue).
    pub fn physical_name(&self, prefix: &str) -> String {
        let suffix = if self.fifo { ".fifo" } else { "" };
        format!("{prefix}{}{suffix}", self.logical_id)
    }
}

/// A queue's `RedrivePolicy`: SQS moves a message to the dead-letter queue once it has been
/// received `max_receive_count` times without being deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedriveDef {
    /// Logical id of the dead-letter queue (`deadLetterTargetArn: !GetAtt Dlq.Arn`).
    pub dead_letter_queue: String,
    pub max_receive_count: u64,
}

/// An SQS event source mapping (`Type: SQS` event).
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSourceDef {
    /// Logical id of the queue (`Queue: !GetAtt Queue.Arn`).
    pub queue: String,
    /// `BatchSize` (default 10; up to 10 for FIFO queues, 10,000 for standard ones).
    pub batch_size: usize,
    /// `MaximumBatchingWindowInSeconds`: how long to gather messages for a batch that is not
    /// full (0: invoke with what one receive returned). Not for FIFO queues.
    pub batching_window: std::time::Duration,
    /// `FunctionResponseTypes: [ReportBatchItemFailures]`: the function names the messages
    /// that failed (`batchItemFailures`) and only those stay on the queue.
    pub report_batch_item_failures: bool,
    /// `ScalingConfig.MaximumConcurrency` (2-1000): batches in flight at once, at most.
    pub maximum_concurrency: Option<usize>,
    /// `Enabled` (default true): a disabled mapping does not poll.
    pub enabled: bool,
    /// Parsed `FilterCriteria.Filters[].Pattern`s; Lambda deletes a message no pattern
    /// matches without invoking the function (a JSON body is matched as JSON).
    pub filters: Vec<serde_json::Value>,
}

/// The logical id named by `!GetAtt X.Attr` / `{Fn::GetAtt: [X, Attr]}` / `!Ref X`.
pub fn referenced_id(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) if t.tag == "!GetAtt" || t.tag == "!Ref" => match &t.value {
            Value::String(s) => s.split('.').next().map(str::to_owned),
            Value::Sequence(seq) => seq.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        },
        Value::Mapping(m) => m
            .get("Fn::GetAtt")
            .and_then(|g| {
                g.as_sequence()
                    .and_then(|s| s.first())
                    .and_then(Value::as_str)
            })
            .or_else(|| m.get("Ref").and_then(Value::as_str))
            .map(str::to_owned),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDef {
    pub method: String,
    /// API Gateway path, e.g. `/leads/{id}`.
    pub path: String,
    pub scopes: Vec<String>,
    /// `Auth: {Authorizer: NONE}`: no token (the function authenticates the request itself).
    pub public: bool,
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping().and_then(|m| m.get(key))
}

fn env_vars(v: Option<&Value>) -> BTreeMap<String, Value> {
    v.and_then(|e| get(e, "Variables"))
        .and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| k.as_str().map(|k| (k.to_owned(), v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// A number property: absent is `default`; a literal, a numeric string or an intrinsic the
/// parameters' defaults resolve to a number is that number; anything else is refused.
fn number(props: &Value, key: &str, default: u64, defaults: &Resolved) -> Result<u64> {
    let Some(v) = get(props, key) else {
        return Ok(default);
    };
    defaults
        .resolve(v)
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| anyhow!("{key} must be a whole number the local stack can resolve"))
}

/// A boolean property, as [`number`] reads numbers (`true`, `"true"`, `!Ref` to a parameter).
fn flag(props: &Value, key: &str, default: bool, defaults: &Resolved) -> Result<bool> {
    let Some(v) = get(props, key) else {
        return Ok(default);
    };
    match defaults.resolve(v).map(|s| s.trim().to_ascii_lowercase()) {
        Some(s) if s == "true" => Ok(true),
        Some(s) if s == "false" => Ok(false),
        _ => bail!("{key} must be true or false"),
    }
}

/// `FilterCriteria.Filters[].Pattern`s (JSON strings), parsed.
fn filter_patterns(props: &Value) -> Result<Vec<serde_json::Value>> {
    get(props, "FilterCriteria")
        .and_then(|c| get(c, "Filters"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|f| {
            let pattern = get(f, "Pattern").and_then(Value::as_str).unwrap_or("{}");
            serde_json::from_str(pattern).context("filter pattern")
        })
        .collect()
}

fn has_response_type(props: &Value, wanted: &str) -> bool {
    get(props, "FunctionResponseTypes")
        .and_then(Value::as_sequence)
        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some(wanted)))
}

fn queue_def(id: &str, props: &Value, defaults: &Resolved) -> Result<QueueDef> {
    let redrive = match get(props, "RedrivePolicy") {
        None => None,
        Some(p) => {
            let dead_letter_queue = get(p, "deadLetterTargetArn")
                .and_then(referenced_id)
                .ok_or_else(|| {
                    anyhow!("{id}: RedrivePolicy needs deadLetterTargetArn: !GetAtt Queue.Arn")
                })?;
            let max_receive_count = number(p, "maxReceiveCount", 0, defaults)
                .with_context(|| format!("{id}: RedrivePolicy"))?;
            Some(RedriveDef {
                dead_letter_queue,
                max_receive_count,
            })
        }
    };
    let retention = get(props, "MessageRetentionPeriod")
        .map(|_| number(props, "MessageRetentionPeriod", 0, defaults))
        .transpose();
    let read = || -> Result<QueueDef> {
        Ok(QueueDef {
            logical_id: id.to_owned(),
            fifo: flag(props, "FifoQueue", false, defaults)?,
            content_based_deduplication: flag(props, "ContentBasedDeduplication", false, defaults)?,
            visibility_timeout: number(props, "VisibilityTimeout", 30, defaults)?,
            delay_seconds: number(props, "DelaySeconds", 0, defaults)?,
            message_retention_period: retention?,
            redrive,
        })
    };
    read().with_context(|| format!("{id}: queue properties"))
}

fn queue_source(id: &str, props: &Value, defaults: &Resolved) -> Result<QueueSourceDef> {
    let queue = get(props, "Queue")
        .and_then(referenced_id)
        .ok_or_else(|| anyhow!("{id}: SQS event needs Queue: !GetAtt Queue.Arn"))?;
    let read = || -> Result<QueueSourceDef> {
        let maximum_concurrency = match get(props, "ScalingConfig") {
            Some(c) if get(c, "MaximumConcurrency").is_some() => {
                Some(number(c, "MaximumConcurrency", 0, defaults)? as usize)
            }
            _ => None,
        };
        Ok(QueueSourceDef {
            queue: queue.clone(),
            batch_size: number(props, "BatchSize", 10, defaults)? as usize,
            batching_window: std::time::Duration::from_secs(number(
                props,
                "MaximumBatchingWindowInSeconds",
                0,
                defaults,
            )?),
            report_batch_item_failures: has_response_type(props, "ReportBatchItemFailures"),
            maximum_concurrency,
            enabled: flag(props, "Enabled", true, defaults)?,
            filters: filter_patterns(props)?,
        })
    };
    read().with_context(|| format!("{id}: SQS event on {queue}"))
}

impl Template {
    pub fn load(path: &Path) -> Result<Template> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Template::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Template> {
        let doc: Value = serde_yaml_ng::from_str(text).context("parsing the SAM template")?;
        let resources = get(&doc, "Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| anyhow!("template has no Resources"))?;
        let globals_function = get(&doc, "Globals")
            .and_then(|g| get(g, "Function"))
            .cloned()
            .unwrap_or(Value::Null);
        let globals_env = env_vars(get(&globals_function, "Environment"));
        let mut parameters: BTreeMap<String, String> = get(&doc, "Parameters")
            .and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        let default = get(v, "Default")?;
                        let s = match default {
                            Value::String(s) => s.clone(),
                            other => serde_yaml_ng::to_string(other).ok()?.trim().to_owned(),
                        };
                        Some((k.as_str()?.to_owned(), s))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // `${AWS::StackName}`: the local stack's (provisioning names a test's stack after it).
        parameters.insert("AWS::StackName".into(), LOCAL_STACK_NAME.into());

        let conditions = get(&doc, "Conditions")
            .and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        // Route scopes name parameters (`!Sub "${ScopePrefix}scl.view"`); resolved now, with
        // the parameters' defaults.
        let defaults = Resolved {
            parameters: parameters.clone(),
            ..Resolved::default()
        };
        let mut t = Template {
            tables: vec![],
            topics: vec![],
            functions: vec![],
            queues: vec![],
            email_configuration_sets: vec![],
            buses: vec![],
            bus_names: BTreeMap::new(),
            roles: vec![],
            parameters,
            conditions,
        };
        for (id, res) in resources {
            let id = id
                .as_str()
                .ok_or_else(|| anyhow!("non-string resource id"))?
                .to_owned();
            let ty = get(res, "Type").and_then(Value::as_str).unwrap_or_default();
            let props = get(res, "Properties").cloned().unwrap_or(Value::Null);
            match ty {
                "AWS::DynamoDB::Table" => t.tables.push(TableDef {
                    logical_id: id,
                    properties: props,
                }),
                "AWS::SNS::Topic" => t.topics.push(id),
                "AWS::SQS::Queue" => t.queues.push(queue_def(&id, &props, &defaults)?),
                "AWS::SES::ConfigurationSet" => t.email_configuration_sets.push(id),
                "AWS::Events::EventBus" => {
                    if let Some(name) = get(&props, "Name") {
                        t.bus_names.insert(id.clone(), name.clone());
                    }
                    t.buses.push(id)
                }
                "AWS::IAM::Role" => t.roles.push(id),
                "AWS::Serverless::Function" => {
                    let binary = get(res, "Metadata")
                        .and_then(|m| get(m, "BuildProperties"))
                        .and_then(|b| get(b, "Binary"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            anyhow!("{id}: Metadata.BuildProperties.Binary is required")
                        })?
                        .to_owned();
                    let mut environment = globals_env.clone();
                    environment.extend(env_vars(get(&props, "Environment")));
                    let mut routes = vec![];
                    let mut stream_sources = vec![];
                    let mut queue_sources = vec![];
                    let mut schedules = vec![];
                    let mut event_rules = vec![];
                    if let Some(events) = get(&props, "Events").and_then(Value::as_mapping) {
                        for ev in events.values() {
                            if get(ev, "Type").and_then(Value::as_str) == Some("Schedule") {
                                if let Some(rate) = get(ev, "Properties")
                                    .and_then(|p| get(p, "Schedule"))
                                    .and_then(Value::as_str)
                                    .and_then(parse_rate)
                                {
                                    schedules.push(rate);
                                }
                                continue;
                            }
                            if get(ev, "Type").and_then(Value::as_str) == Some("EventBridgeRule") {
                                let p = get(ev, "Properties").cloned().unwrap_or(Value::Null);
                                let bus = get(&p, "EventBusName")
                                    .and_then(referenced_id)
                                    .ok_or_else(|| {
                                        anyhow!(
                                            "{id}: EventBridgeRule needs EventBusName: !Ref Bus"
                                        )
                                    })?;
                                let pattern = get(&p, "Pattern").cloned().unwrap_or(Value::Null);
                                event_rules.push(EventRuleDef {
                                    bus,
                                    sources: get(&pattern, "source")
                                        .cloned()
                                        .unwrap_or(Value::Null),
                                    detail_types: get(&pattern, "detail-type")
                                        .and_then(Value::as_sequence)
                                        .map(|s| {
                                            s.iter()
                                                .filter_map(|v| v.as_str().map(str::to_owned))
                                                .collect()
                                        })
                                        .unwrap_or_default(),
                                });
                                continue;
                            }
                            if get(ev, "Type").and_then(Value::as_str) == Some("SQS") {
                                let p = get(ev, "Properties").cloned().unwrap_or(Value::Null);
                                queue_sources.push(queue_source(&id, &p, &defaults)?);
                                continue;
                            }
                            if get(ev, "Type").and_then(Value::as_str) == Some("DynamoDB") {
                                let p = get(ev, "Properties").cloned().unwrap_or(Value::Null);
                                let table = get(&p, "Stream")
                                    .and_then(referenced_id)
                                    .ok_or_else(|| anyhow!("{id}: DynamoDB event needs Stream: !GetAtt Table.StreamArn"))?;
                                let num = |k: &str, d: u64| {
                                    get(&p, k).and_then(Value::as_u64).unwrap_or(d)
                                };
                                let mut filters = vec![];
                                for f in get(&p, "FilterCriteria")
                                    .and_then(|c| get(c, "Filters"))
                                    .and_then(Value::as_sequence)
                                    .cloned()
                                    .unwrap_or_default()
                                {
                                    let pattern =
                                        get(&f, "Pattern").and_then(Value::as_str).unwrap_or("{}");
                                    filters.push(
                                        serde_json::from_str(pattern)
                                            .with_context(|| format!("{id}: filter pattern"))?,
                                    );
                                }
                                stream_sources.push(StreamSourceDef {
                                    table,
                                    batch_size: num("BatchSize", 100) as usize,
                                    batching_window: std::time::Duration::from_secs(num(
                                        "MaximumBatchingWindowInSeconds",
                                        0,
                                    )),
                                    parallelization_factor: num("ParallelizationFactor", 1)
                                        .clamp(1, 10)
                                        as usize,
                                    maximum_retry_attempts: get(&p, "MaximumRetryAttempts")
                                        .and_then(Value::as_i64)
                                        .and_then(|n| u32::try_from(n).ok()),
                                    report_batch_item_failures: get(&p, "FunctionResponseTypes")
                                        .and_then(Value::as_sequence)
                                        .is_some_and(|s| {
                                            s.iter().any(|v| {
                                                v.as_str() == Some("ReportBatchItemFailures")
                                            })
                                        }),
                                    filters,
                                    on_failure_queue: get(&p, "DestinationConfig")
                                        .and_then(|d| get(d, "OnFailure"))
                                        .and_then(|o| get(o, "Destination"))
                                        .and_then(referenced_id),
                                });
                                continue;
                            }
                            if get(ev, "Type").and_then(Value::as_str) != Some("HttpApi") {
                                continue;
                            }
                            let p = get(ev, "Properties").cloned().unwrap_or(Value::Null);
                            let path = get(&p, "Path").and_then(Value::as_str);
                            let method = get(&p, "Method").and_then(Value::as_str);
                            let (Some(path), Some(method)) = (path, method) else {
                                bail!("{id}: HttpApi events need Path and Method");
                            };
                            let scopes = get(&p, "Auth")
                                .and_then(|a| get(a, "AuthorizationScopes"))
                                .and_then(Value::as_sequence)
                                .map(|s| s.iter().map(|v| defaults.resolve(v)).collect())
                                .unwrap_or(Some(vec![]))
                                .ok_or_else(|| {
                                    anyhow!(
                                        "{id}: AuthorizationScopes the local stack cannot resolve"
                                    )
                                })?;
                            let public = get(&p, "Auth")
                                .and_then(|a| get(a, "Authorizer"))
                                .and_then(Value::as_str)
                                == Some("NONE");
                            routes.push(RouteDef {
                                method: method.to_uppercase(),
                                path: path.to_owned(),
                                scopes,
                                public,
                            });
                        }
                    }
                    t.functions.push(FunctionDef {
                        logical_id: id,
                        binary,
                        environment,
                        routes,
                        stream_sources,
                        queue_sources,
                        // Lambda's default when neither the function nor Globals sets one.
                        timeout: match get(&props, "Timeout") {
                            Some(_) => number(&props, "Timeout", 3, &defaults).ok(),
                            None => number(&globals_function, "Timeout", 3, &defaults).ok(),
                        },
                        schedules,
                        event_rules,
                        policies: get(&props, "Policies")
                            .and_then(Value::as_sequence)
                            .cloned()
                            .unwrap_or_default(),
                        condition: get(res, "Condition")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    });
                }
                _ => {}
            }
        }
        t.check_queues()?;
        Ok(t)
    }

    /// A queue of the template, by logical id.
    pub fn queue(&self, id: &str) -> Option<&QueueDef> {
        self.queues.iter().find(|q| q.logical_id == id)
    }

    /// What SQS and Lambda would refuse at deploy time, refused here: a dead-letter queue that
    /// is not a queue of the template or not of its queue's kind (FIFO or standard), and SQS
    /// event sources outside Lambda's limits.
    fn check_queues(&self) -> Result<()> {
        for q in &self.queues {
            let Some(r) = &q.redrive else { continue };
            let dlq = self.queue(&r.dead_letter_queue).ok_or_else(|| {
                anyhow!(
                    "{}: its dead-letter queue {} is not a queue of the template",
                    q.logical_id,
                    r.dead_letter_queue
                )
            })?;
            ensure!(
                dlq.fifo == q.fifo,
                "{}: the dead-letter queue of a {} queue must be one too ({} is not)",
                q.logical_id,
                if q.fifo { "FIFO" } else { "standard" },
                dlq.logical_id
            );
            ensure!(
                (1..=1000).contains(&r.max_receive_count),
                "{}: RedrivePolicy maxReceiveCount must be 1 to 1000",
                q.logical_id
            );
        }
        for f in &self.functions {
            for s in &f.queue_sources {
                let id = &f.logical_id;
                let q = self.queue(&s.queue).ok_or_else(|| {
                    anyhow!(
                        "{id}: SQS event's Queue {} is not a queue of the template",
                        s.queue
                    )
                })?;
                let max = if q.fifo { 10 } else { 10_000 };
                ensure!(
                    (1..=max).contains(&s.batch_size),
                    "{id}: BatchSize on {} must be 1 to {max}",
                    q.logical_id
                );
                if q.fifo {
                    ensure!(
                        s.batching_window.is_zero(),
                        "{id}: MaximumBatchingWindowInSeconds is not supported for FIFO queues ({})",
                        q.logical_id
                    );
                } else if s.batch_size > 10 {
                    ensure!(
                        !s.batching_window.is_zero(),
                        "{id}: a BatchSize over 10 needs MaximumBatchingWindowInSeconds of at least 1"
                    );
                }
                ensure!(
                    s.batching_window.as_secs() <= 300,
                    "{id}: MaximumBatchingWindowInSeconds must be 0 to 300"
                );
                if let Some(c) = s.maximum_concurrency {
                    ensure!(
                        (2..=1000).contains(&c),
                        "{id}: ScalingConfig.MaximumConcurrency must be 2 to 1000"
                    );
                }
                if let Some(timeout) = f.timeout {
                    ensure!(
                        q.visibility_timeout >= timeout,
                        "{id}: the visibility timeout of {} ({} s) is less than the function's \
                         timeout ({timeout} s), which Lambda refuses",
                        q.logical_id,
                        q.visibility_timeout
                    );
                }
            }
        }
        Ok(())
    }
}

/// `!Sub`'s text with each `${name}` replaced by what `value` says of `name`; an unclosed
/// `${` is `unclosed`. The local stack resolves `!Sub` both for functions' environments
/// (`Resolved`) and for policies (`iam::Names`), each with its own names.
pub fn substitute<E>(
    text: &str,
    mut value: impl FnMut(&str) -> Result<String, E>,
    unclosed: impl FnOnce() -> E,
) -> Result<String, E> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}').map(|e| e + start) else {
            return Err(unclosed());
        };
        out.push_str(&value(&rest[start + 2..end])?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Physical names for the local stack's resources.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub names: BTreeMap<String, String>,
    /// SQS queue URLs by logical id.
    pub queue_urls: BTreeMap<String, String>,
    /// ARNs by logical id (`!GetAtt Id.Arn`) of the resources that have one locally.
    pub arns: BTreeMap<String, String>,
    pub parameters: BTreeMap<String, String>,
    pub conditions: BTreeMap<String, Value>,
}

impl Resolved {
    /// Resolves a value: plain strings; `!Ref` to a resource's physical name or a parameter's
    /// value; `!GetAtt Id.Arn` of a queue, bus or role, a queue's `QueueName` and `QueueUrl`;
    /// `!Sub` over those; `!If` by its condition. Anything else (an attribute of a
    /// resource the local stack does not create) has no local meaning: `None`.
    pub fn resolve(&self, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Tagged(t) => self.intrinsic(t.tag.to_string().trim_start_matches('!'), &t.value),
            Value::Mapping(m) if m.len() == 1 => {
                let (k, args) = m.iter().next()?;
                let k = k.as_str()?;
                self.intrinsic(k.strip_prefix("Fn::").unwrap_or(k), args)
            }
            _ => None,
        }
    }

    fn intrinsic(&self, name: &str, args: &Value) -> Option<String> {
        match name {
            "Ref" => self.lookup(args.as_str()?),
            "Sub" => self.substitute(args.as_str()?),
            "GetAtt" => {
                let target = match args {
                    Value::Sequence(s) => {
                        format!("{}.{}", s.first()?.as_str()?, s.get(1)?.as_str()?)
                    }
                    other => other.as_str()?.to_owned(),
                };
                let (id, attr) = target.split_once('.')?;
                self.get_att(id, attr)
            }
            "If" => {
                let a = args.as_sequence()?;
                let branch = if self.condition(a.first()?.as_str()?)? {
                    a.get(1)?
                } else {
                    a.get(2)?
                };
                self.resolve(branch)
            }
            _ => None,
        }
    }

    /// `!GetAtt id.attr`: an `Arn` of what has one locally; a queue's `QueueName` and
    /// `QueueUrl` (its URL's last part and the URL: a FIFO queue's with `.fifo`).
    fn get_att(&self, id: &str, attr: &str) -> Option<String> {
        match attr {
            "Arn" => self.arns.get(id).cloned(),
            "QueueUrl" => self.queue_urls.get(id).cloned(),
            "QueueName" => self
                .queue_urls
                .get(id)
                .and_then(|url| url.rsplit('/').next())
                .map(str::to_owned),
            _ => None,
        }
    }

    /// `${Name}` replaced by what `!Ref Name` resolves to, `${Id.Attr}` by `!GetAtt Id.Attr`.
    fn substitute(&self, text: &str) -> Option<String> {
        substitute(
            text,
            |var| {
                match var.split_once('.') {
                    Some((id, attr)) if !var.starts_with("AWS::") => self.get_att(id, attr),
                    _ => self.lookup(var),
                }
                .ok_or(())
            },
            || (),
        )
        .ok()
    }

    /// A template condition, evaluated over the parameters (`Equals`, `Not`, `And`, `Or`,
    /// `Condition`); `None` when it names what has no local value.
    pub fn condition(&self, name: &str) -> Option<bool> {
        self.evaluate(self.conditions.get(name)?)
    }

    fn evaluate(&self, v: &Value) -> Option<bool> {
        let (name, args) = match v {
            Value::Tagged(t) => (
                t.tag.to_string().trim_start_matches('!').to_owned(),
                &t.value,
            ),
            Value::Mapping(m) if m.len() == 1 => {
                let (k, a) = m.iter().next()?;
                let k = k.as_str()?;
                (k.strip_prefix("Fn::").unwrap_or(k).to_owned(), a)
            }
            _ => return None,
        };
        let list = || args.as_sequence();
        match name.as_str() {
            "Equals" => {
                let a = list()?;
                Some(self.resolve(a.first()?)? == self.resolve(a.get(1)?)?)
            }
            "Not" => Some(!self.evaluate(list()?.first()?)?),
            "And" => list()?
                .iter()
                .map(|c| self.evaluate(c))
                .try_fold(true, |all, c| Some(all && c?)),
            "Or" => list()?
                .iter()
                .map(|c| self.evaluate(c))
                .try_fold(false, |any, c| Some(any || c?)),
            "Condition" => self.condition(args.as_str()?),
            _ => None,
        }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        self.names
            .get(name)
            .or_else(|| self.parameters.get(name))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_projects_template() {
        let t =
            Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml"))
                .unwrap();
        assert!(t.tables.iter().any(|x| x.logical_id == "LeadsTable"));
        let list = t
            .functions
            .iter()
            .find(|f| f.logical_id == "ListLeadsFunction")
            .unwrap();
        assert_eq!(list.binary, "list-leads");
        assert_eq!(
            list.routes,
            vec![RouteDef {
                method: "GET".into(),
                path: "/leads".into(),
                scopes: vec!["scl-api/scl.view".into()],
                public: false,
            }]
        );
        assert!(list.environment.contains_key("TABLE_NAME"));
        // Whatever event sources the template has now, each names what the template has.
        for f in &t.functions {
            for stream in &f.stream_sources {
                assert!(t.tables.iter().any(|x| x.logical_id == stream.table));
                if let Some(q) = &stream.on_failure_queue {
                    assert!(t.queue(q).is_some(), "{}: {q}", f.logical_id);
                }
            }
            for source in &f.queue_sources {
                assert!(t.queue(&source.queue).is_some(), "{}", f.logical_id);
            }
        }
        let r = Resolved {
            names: [("LeadsTable".to_owned(), "local-leads".to_owned())].into(),
            parameters: t.parameters.clone(),
            ..Resolved::default()
        };
        assert_eq!(
            r.resolve(&list.environment["TABLE_NAME"]).as_deref(),
            Some("local-leads")
        );
        assert_eq!(
            r.resolve(&list.environment["RUST_LOG"]).as_deref(),
            Some("info")
        );
    }

    #[test]
    fn stream_events_and_schedules_are_read() {
        let t = Template::parse(
            r#"
Resources:
  LeadsTable:
    Type: AWS::DynamoDB::Table
  FailureQueue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: fn}}
    Properties:
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt LeadsTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 25
            MaximumRetryAttempts: 3
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName": ["INSERT"]}'
            DestinationConfig:
              OnFailure:
                Type: SQS
                Destination: !GetAtt FailureQueue.Arn
        Every5:
          Type: Schedule
          Properties: {Schedule: rate(5 minutes)}
"#,
        )
        .unwrap();
        let f = &t.functions[0];
        assert_eq!(
            f.stream_sources,
            vec![StreamSourceDef {
                table: "LeadsTable".into(),
                batch_size: 25,
                batching_window: std::time::Duration::ZERO,
                parallelization_factor: 1,
                maximum_retry_attempts: Some(3),
                report_batch_item_failures: true,
                filters: vec![serde_json::json!({"eventName": ["INSERT"]})],
                on_failure_queue: Some("FailureQueue".into()),
            }]
        );
        assert_eq!(f.schedules, vec![std::time::Duration::from_secs(300)]);
        assert_eq!(
            parse_rate("rate(1 hour)"),
            Some(std::time::Duration::from_secs(3600))
        );
        assert_eq!(parse_rate("cron(0 * * * ? *)"), None);
    }

    #[test]
    fn conditions_if_and_sub_resolve_over_the_parameters() {
        let t = Template::parse(
            r#"
Parameters:
  Provider: {Type: String, Default: Cognito}
  Prefix: {Type: String, Default: "scl-api/"}
  BaseUrl: {Type: String, Default: ""}
Conditions:
  UseCognito: !Equals [!Ref Provider, Cognito]
  HasBaseUrl: !Not [!Equals [!Ref BaseUrl, ""]]
  Both: {"Fn::And": [{Condition: UseCognito}, {Condition: HasBaseUrl}]}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Condition: UseCognito
    Metadata: {BuildProperties: {Binary: fn}}
    Properties:
      Environment:
        Variables:
          URL: !If [HasBaseUrl, !Ref BaseUrl, !Sub "https://${Dist.DomainName}"]
          ISSUER: !If [UseCognito, !Sub "https://idp/${Prefix}pool", plain]
      Events:
        Get:
          Type: HttpApi
          Properties: {Path: /x, Method: get, Auth: {AuthorizationScopes: [!Sub "${Prefix}scl.view"]}}
"#,
        )
        .unwrap();
        let f = &t.functions[0];
        assert_eq!(f.routes[0].scopes, vec!["scl-api/scl.view".to_owned()]);
        assert_eq!(f.condition.as_deref(), Some("UseCognito"));
        let mut r = Resolved {
            parameters: t.parameters.clone(),
            conditions: t.conditions.clone(),
            ..Resolved::default()
        };
        assert_eq!(r.condition("UseCognito"), Some(true));
        assert_eq!(r.condition("Both"), Some(false));
        assert_eq!(
            r.resolve(&f.environment["ISSUER"]).as_deref(),
            Some("https://idp/scl-api/pool")
        );
        // A resource attribute the local stack has no value for.
        assert_eq!(r.resolve(&f.environment["URL"]), None);
        r.parameters
            .insert("BaseUrl".into(), "http://127.0.0.1:3000".into());
        assert_eq!(r.condition("Both"), Some(true));
        assert_eq!(
            r.resolve(&f.environment["URL"]).as_deref(),
            Some("http://127.0.0.1:3000")
        );
    }

    const QUEUES: &str = r#"
Parameters:
  Window: {Type: Number, Default: 2}
Globals:
  Function:
    Timeout: 10
Resources:
  JobsDeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties: {MessageRetentionPeriod: 1209600}
  JobsQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      DelaySeconds: 5
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDeadLetterQueue.Arn
        maxReceiveCount: 3
  OrderedDeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true}
  OrderedQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: "true"
      FifoThroughputLimit: perMessageGroupId
      DeduplicationScope: messageGroup
      RedrivePolicy: {deadLetterTargetArn: {"Fn::GetAtt": [OrderedDeadLetterQueue, Arn]}, maxReceiveCount: 5}
  Worker:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: worker}}
    Properties:
      Timeout: 30
      Environment:
        Variables:
          JOBS_URL: !Ref JobsQueue
          ORDERED_NAME: !GetAtt OrderedQueue.QueueName
          ORDERED_ARN: !Sub "${OrderedQueue.Arn}"
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt JobsQueue.Arn
            BatchSize: 100
            MaximumBatchingWindowInSeconds: !Ref Window
            FunctionResponseTypes: [ReportBatchItemFailures]
            ScalingConfig: {MaximumConcurrency: 2}
            FilterCriteria:
              Filters:
                - Pattern: '{"body": {"kind": ["job"]}}'
        Ordered:
          Type: SQS
          Properties:
            Queue: !GetAtt OrderedQueue.Arn
            Enabled: false
  Idle:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: idle}}
"#;

    #[test]
    fn queues_and_sqs_events_are_read_with_sqs_and_lambdas_defaults() {
        let t = Template::parse(QUEUES).unwrap();
        assert_eq!(
            t.queue("JobsQueue"),
            Some(&QueueDef {
                logical_id: "JobsQueue".into(),
                fifo: false,
                content_based_deduplication: false,
                visibility_timeout: 60,
                delay_seconds: 5,
                message_retention_period: None,
                redrive: Some(RedriveDef {
                    dead_letter_queue: "JobsDeadLetterQueue".into(),
                    max_receive_count: 3,
                }),
            })
        );
        let dlq = t.queue("JobsDeadLetterQueue").unwrap();
        assert_eq!(
            (
                dlq.visibility_timeout,
                dlq.delay_seconds,
                dlq.message_retention_period
            ),
            (30, 0, Some(1_209_600))
        );
        let ordered = t.queue("OrderedQueue").unwrap();
        assert!(ordered.fifo && ordered.content_based_deduplication);
        assert_eq!(
            ordered.physical_name("scl-local-"),
            "scl-local-OrderedQueue.fifo"
        );
        assert_eq!(
            dlq.physical_name("scl-local-"),
            "scl-local-JobsDeadLetterQueue"
        );
        assert_eq!(
            ordered
                .redrive
                .as_ref()
                .map(|r| r.dead_letter_queue.as_str()),
            Some("OrderedDeadLetterQueue")
        );

        let worker = t
            .functions
            .iter()
            .find(|f| f.logical_id == "Worker")
            .unwrap();
        assert_eq!(worker.timeout, Some(30));
        let idle = t.functions.iter().find(|f| f.logical_id == "Idle").unwrap();
        assert_eq!(idle.timeout, Some(10), "Globals' timeout");
        assert!(idle.queue_sources.is_empty());
        let mut sources = worker.queue_sources.clone();
        sources.sort_by(|a, b| a.queue.cmp(&b.queue));
        assert_eq!(
            sources,
            vec![
                QueueSourceDef {
                    queue: "JobsQueue".into(),
                    batch_size: 100,
                    batching_window: std::time::Duration::from_secs(2),
                    report_batch_item_failures: true,
                    maximum_concurrency: Some(2),
                    enabled: true,
                    filters: vec![serde_json::json!({"body": {"kind": ["job"]}})],
                },
                QueueSourceDef {
                    queue: "OrderedQueue".into(),
                    batch_size: 10,
                    batching_window: std::time::Duration::ZERO,
                    report_batch_item_failures: false,
                    maximum_concurrency: None,
                    enabled: false,
                    filters: vec![],
                },
            ]
        );

        // Environments see the names moto has: a FIFO queue's with `.fifo`.
        let url = "http://127.0.0.1:5000/123456789012/x-OrderedQueue.fifo";
        let arn = "arn:aws:sqs:us-east-1:123456789012:x-OrderedQueue.fifo";
        let jobs = "http://127.0.0.1:5000/123456789012/x-JobsQueue";
        let r = Resolved {
            names: [
                ("OrderedQueue".to_owned(), url.to_owned()),
                ("JobsQueue".to_owned(), jobs.to_owned()),
            ]
            .into(),
            queue_urls: [
                ("OrderedQueue".to_owned(), url.to_owned()),
                ("JobsQueue".to_owned(), jobs.to_owned()),
            ]
            .into(),
            arns: [("OrderedQueue".to_owned(), arn.to_owned())].into(),
            ..Resolved::default()
        };
        let env = |k: &str| r.resolve(&worker.environment[k]);
        assert_eq!(env("JOBS_URL").as_deref(), Some(jobs));
        assert_eq!(env("ORDERED_NAME").as_deref(), Some("x-OrderedQueue.fifo"));
        assert_eq!(env("ORDERED_ARN").as_deref(), Some(arn));
    }

    /// The queues template with `from` replaced by `to`: the error it is refused with.
    fn refused(from: &str, to: &str) -> String {
        assert!(QUEUES.contains(from), "{from}");
        let err = Template::parse(&QUEUES.replacen(from, to, 1)).unwrap_err();
        format!("{err:#}")
    }

    #[test]
    fn what_sqs_and_lambda_refuse_is_refused() {
        let ordered = "            Queue: !GetAtt OrderedQueue.Arn\n";
        let jobs_window = "            MaximumBatchingWindowInSeconds: !Ref Window\n";
        for (from, to, says) in [
            (ordered, "            Queue: !GetAtt OrderedQueue.Arn\n            BatchSize: 11\n", "BatchSize"),
            (
                ordered,
                "            Queue: !GetAtt OrderedQueue.Arn\n            MaximumBatchingWindowInSeconds: 1\n",
                "not supported for FIFO",
            ),
            (jobs_window, "", "at least 1"),
            (jobs_window, "            MaximumBatchingWindowInSeconds: 301\n", "0 to 300"),
            ("BatchSize: 100", "BatchSize: 10001", "BatchSize"),
            ("MaximumConcurrency: 2", "MaximumConcurrency: 1", "MaximumConcurrency"),
            ("      Timeout: 30\n", "      Timeout: 61\n", "visibility timeout of JobsQueue"),
            ("Queue: !GetAtt JobsQueue.Arn", "Queue: !GetAtt Worker.Arn", "not a queue"),
            ("Queue: !GetAtt JobsQueue.Arn", "Enabled: true", "Queue: !GetAtt"),
            (
                "[OrderedDeadLetterQueue, Arn]",
                "[JobsDeadLetterQueue, Arn]",
                "must be one too",
            ),
            (
                "deadLetterTargetArn: !GetAtt JobsDeadLetterQueue.Arn",
                "deadLetterTargetArn: !GetAtt OrderedDeadLetterQueue.Arn",
                "must be one too",
            ),
            (
                "deadLetterTargetArn: !GetAtt JobsDeadLetterQueue.Arn",
                "deadLetterTargetArn: !GetAtt Elsewhere.Arn",
                "not a queue of the template",
            ),
            ("maxReceiveCount: 3", "maxReceiveCount: 0", "maxReceiveCount"),
            ("VisibilityTimeout: 60", "VisibilityTimeout: soon", "VisibilityTimeout"),
            ("FifoQueue: true}", "FifoQueue: yes please}", "FifoQueue"),
        ] {
            let err = refused(from, to);
            assert!(err.contains(says), "{from:?} -> {to:?}: {err}");
        }
        // Globals' timeout applies to a function that sets none.
        let globals = QUEUES.replacen("      Timeout: 30\n", "", 1).replacen(
            "    Timeout: 10\n",
            "    Timeout: 45\n",
            1,
        );
        let err = format!("{:#}", Template::parse(&globals).unwrap_err());
        assert!(
            err.contains("visibility timeout of OrderedQueue (30 s)"),
            "{err}"
        );
    }
}
