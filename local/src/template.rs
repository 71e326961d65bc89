//! Reads `infra/template.yaml`: the tables, topics, functions and HTTP routes the local stack
//! must provide. The template is the single source of the schema; nothing here repeats it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde_yaml_ng::Value;

/// `${AWS::StackName}` of the stack `make dev` runs.
pub const LOCAL_STACK_NAME: &str = "scl-local";

#[derive(Debug, Clone)]
pub struct Template {
    pub tables: Vec<TableDef>,
    pub topics: Vec<String>,
    pub functions: Vec<FunctionDef>,
    pub queues: Vec<String>,
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
        let globals_env = env_vars(
            get(&doc, "Globals")
                .and_then(|g| get(g, "Function"))
                .and_then(|f| get(f, "Environment")),
        );
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
                "AWS::SQS::Queue" => t.queues.push(id),
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
        Ok(t)
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
    /// value; `!GetAtt Id.Arn` of a queue, bus or role; `!Sub` over those; `!If` by its
    /// condition. Anything else (an attribute of a
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
                match target.split_once('.')? {
                    (id, "Arn") => self.arns.get(id).cloned(),
                    _ => None,
                }
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

    /// `${Name}` replaced by what `!Ref Name` resolves to.
    fn substitute(&self, text: &str) -> Option<String> {
        substitute(text, |var| self.lookup(var).ok_or(()), || ()).ok()
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
        let stream = &t
            .functions
            .iter()
            .find(|f| f.logical_id == "BookingStreamFunction")
            .unwrap()
            .stream_sources[0];
        assert_eq!(stream.table, "LeadsTable");
        assert_eq!(
            stream.on_failure_queue.as_deref(),
            Some("BookingStreamFailureQueue")
        );
        assert!(stream.report_batch_item_failures);
        let flush = t
            .functions
            .iter()
            .find(|f| f.logical_id == "FlushHeldSmsFunction")
            .unwrap();
        assert_eq!(flush.schedules, vec![std::time::Duration::from_secs(300)]);
        assert_eq!(
            parse_rate("rate(1 hour)"),
            Some(std::time::Duration::from_secs(3600))
        );
        assert_eq!(parse_rate("cron(0 * * * ? *)"), None);
        assert_eq!(
            stream.filters[0]["eventName"],
            serde_json::json!(["INSERT"])
        );
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
}
