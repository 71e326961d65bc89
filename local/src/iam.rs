//! IAM, played locally: every AWS call a function makes goes through a proxy that evaluates the
//! function's template policies (`Policies:` inline statements and the SAM policy templates we
//! use) the way IAM would, and answers `AccessDenied` in the service's own error format when
//! nothing allows the call. DynamoDB Local and moto accept anything; without this, a missing
//! permission or a too-narrow `dynamodb:LeadingKeys` condition would only show up after deploy.
//!
//! Modelled: Allow/Deny statements, `*`/`?` wildcards in actions and resources, and the
//! `ForAllValues:StringLike|StringEquals` `dynamodb:LeadingKeys` condition, evaluated per item
//! for transactions and batches (as IAM authorises each item of a `TransactWriteItems` as its
//! own `PutItem`/`UpdateItem`/`ConditionCheckItem`). Anything else in a policy is refused at
//! start-up rather than silently ignored.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::Value as Json;
use serde_yaml::Value;

use crate::template::{FunctionDef, Resolved, Template};

pub const REGION: &str = "us-east-1";
/// moto's default account, which the topic ARNs it hands out carry.
pub const ACCOUNT: &str = "123456789012";

/// IAM's wildcard match: `*` any run of characters, `?` exactly one.
pub fn wildcard_match(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// One thing a request asks IAM for: an action on a resource, with the partition key values
/// it touches (DynamoDB's `dynamodb:LeadingKeys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub action: String,
    pub resource: String,
    pub leading_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
enum LeadingKeysCondition {
    Like(Vec<String>),
    Equals(Vec<String>),
}

#[derive(Debug, Clone)]
struct Statement {
    effect: Effect,
    actions: Vec<String>,
    resources: Vec<String>,
    leading_keys: Option<LeadingKeysCondition>,
}

impl Statement {
    fn matches(&self, a: &Access) -> bool {
        let action = self
            .actions
            .iter()
            .any(|p| wildcard_match(&p.to_ascii_lowercase(), &a.action.to_ascii_lowercase()));
        let resource = self
            .resources
            .iter()
            .any(|p| wildcard_match(p, &a.resource));
        // ForAllValues over an empty set is true, as in IAM.
        let condition = match &self.leading_keys {
            None => true,
            Some(LeadingKeysCondition::Like(ps)) => a
                .leading_keys
                .iter()
                .all(|k| ps.iter().any(|p| wildcard_match(p, k))),
            Some(LeadingKeysCondition::Equals(vs)) => {
                a.leading_keys.iter().all(|k| vs.iter().any(|v| v == k))
            }
        };
        action && resource && condition
    }
}

/// A function's effective permissions.
#[derive(Debug, Clone)]
pub struct Policy {
    pub function: String,
    statements: Vec<Statement>,
}

impl Policy {
    pub fn allows(&self, a: &Access) -> bool {
        let matching = |e: Effect| {
            self.statements
                .iter()
                .any(|s| s.effect == e && s.matches(a))
        };
        !matching(Effect::Deny) && matching(Effect::Allow)
    }

    /// The first access nothing allows, if any.
    pub fn first_denied<'a>(&self, accesses: &'a [Access]) -> Option<&'a Access> {
        accesses.iter().find(|a| !self.allows(a))
    }

    /// The policy of `def`, with every intrinsic resolved to the local stack's names.
    pub fn for_function(def: &FunctionDef, names: &Names) -> Result<Policy> {
        let mut statements = vec![];
        for p in &def.policies {
            statements.extend(
                policy_statements(p, names)
                    .with_context(|| format!("{}: Policies", def.logical_id))?,
            );
        }
        Ok(Policy {
            function: def.logical_id.clone(),
            statements,
        })
    }
}

fn strings(v: &Value, names: &Names) -> Result<Vec<String>> {
    match v {
        Value::Sequence(s) => s.iter().map(|x| names.resolve(x)).collect(),
        other => Ok(vec![names.resolve(other)?]),
    }
}

fn policy_statements(p: &Value, names: &Names) -> Result<Vec<Statement>> {
    if let Some(name) = p.as_str() {
        // Managed policies that grant nothing the functions' code calls.
        return match name {
            "AWSLambdaBasicExecutionRole" | "AWSXrayWriteOnlyAccess" => Ok(vec![]),
            other => bail!("managed policy {other} is not modelled by the local IAM check"),
        };
    }
    let m = p
        .as_mapping()
        .ok_or_else(|| anyhow!("a policy must be a name or a mapping"))?;
    let get = |k: &str| m.get(k);
    if let Some(stmts) = get("Statement") {
        let list = match stmts {
            Value::Sequence(s) => s.clone(),
            other => vec![other.clone()],
        };
        return list.iter().map(|s| statement(s, names)).collect();
    }
    let (template_name, args) = m.iter().next().ok_or_else(|| anyhow!("empty policy"))?;
    let arg = |k: &str| -> Result<String> {
        names.resolve(
            args.as_mapping()
                .and_then(|a| a.get(k))
                .ok_or_else(|| anyhow!("{template_name:?} needs {k}"))?,
        )
    };
    let allow = |actions: &[&str], resource: String| Statement {
        effect: Effect::Allow,
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        resources: vec![resource],
        leading_keys: None,
    };
    // SAM policy templates, as SAM expands them (policy_templates.json).
    match template_name.as_str().unwrap_or_default() {
        "SQSSendMessagePolicy" => Ok(vec![allow(
            &["sqs:SendMessage*"],
            format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{}", arg("QueueName")?),
        )]),
        "SNSPublishMessagePolicy" => Ok(vec![allow(
            &["sns:Publish"],
            format!("arn:aws:sns:{REGION}:{ACCOUNT}:{}", arg("TopicName")?),
        )]),
        other => bail!("SAM policy template {other} is not modelled by the local IAM check"),
    }
}

fn statement(s: &Value, names: &Names) -> Result<Statement> {
    let field = |k: &str| s.as_mapping().and_then(|m| m.get(k));
    let effect = match field("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => bail!("statement Effect {other:?}"),
    };
    let actions = strings(
        field("Action").ok_or_else(|| anyhow!("statement without Action"))?,
        names,
    )?;
    let resources = strings(
        field("Resource").ok_or_else(|| anyhow!("statement without Resource"))?,
        names,
    )?;
    let mut leading_keys = None;
    if let Some(cond) = field("Condition").and_then(Value::as_mapping) {
        for (op, body) in cond {
            let op = op.as_str().unwrap_or_default();
            let body = body
                .as_mapping()
                .ok_or_else(|| anyhow!("condition {op} must be a mapping"))?;
            for (key, values) in body {
                if key.as_str() != Some("dynamodb:LeadingKeys") {
                    bail!("condition key {key:?} is not modelled by the local IAM check");
                }
                let values = strings(values, names)?;
                leading_keys = Some(match op {
                    "ForAllValues:StringLike" => LeadingKeysCondition::Like(values),
                    "ForAllValues:StringEquals" => LeadingKeysCondition::Equals(values),
                    other => bail!("condition operator {other} is not modelled"),
                });
            }
        }
    }
    Ok(Statement {
        effect,
        actions,
        resources,
        leading_keys,
    })
}

/// The local stack's physical names and ARNs, for resolving `!Ref`, `!GetAtt` and `!Sub`.
#[derive(Debug, Clone, Default)]
pub struct Names {
    tables: BTreeMap<String, String>,
    topics: BTreeMap<String, String>,
    queues: BTreeMap<String, String>,
    parameters: BTreeMap<String, String>,
    /// Partition key attribute per physical table name, and per `table/index`.
    partition_keys: BTreeMap<String, String>,
}

pub fn table_arn(name: &str) -> String {
    format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}")
}

fn queue_name_of_url(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

fn hash_key(key_schema: Option<&Value>) -> Option<String> {
    key_schema?.as_sequence()?.iter().find_map(|k| {
        let m = k.as_mapping()?;
        (m.get("KeyType")?.as_str()? == "HASH")
            .then(|| m.get("AttributeName")?.as_str().map(str::to_owned))
            .flatten()
    })
}

impl Names {
    pub fn new(template: &Template, resolved: &Resolved) -> Names {
        let pick = |ids: &mut dyn Iterator<Item = &String>| -> BTreeMap<String, String> {
            ids.filter_map(|id| Some((id.clone(), resolved.names.get(id)?.clone())))
                .collect()
        };
        let mut n = Names {
            tables: pick(&mut template.tables.iter().map(|t| &t.logical_id)),
            topics: pick(&mut template.topics.iter()),
            queues: pick(&mut template.queues.iter()),
            parameters: resolved.parameters.clone(),
            partition_keys: BTreeMap::new(),
        };
        for t in &template.tables {
            let Some(name) = n.tables.get(&t.logical_id).cloned() else {
                continue;
            };
            let props = t.properties.as_mapping();
            if let Some(h) = hash_key(props.and_then(|p| p.get("KeySchema"))) {
                n.partition_keys.insert(name.clone(), h);
            }
            for idx in props
                .and_then(|p| p.get("GlobalSecondaryIndexes"))
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let m = idx.as_mapping();
                if let (Some(i), Some(h)) = (
                    m.and_then(|m| m.get("IndexName")).and_then(Value::as_str),
                    hash_key(m.and_then(|m| m.get("KeySchema"))),
                ) {
                    n.partition_keys.insert(format!("{name}/{i}"), h);
                }
            }
        }
        n
    }

    fn reference(&self, id: &str) -> Result<String> {
        Ok(match id {
            "AWS::Region" => REGION.into(),
            "AWS::AccountId" => ACCOUNT.into(),
            "AWS::Partition" => "aws".into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            _ => self
                .tables
                .get(id)
                .or_else(|| self.topics.get(id))
                .or_else(|| self.queues.get(id))
                .or_else(|| self.parameters.get(id))
                .cloned()
                .ok_or_else(|| anyhow!("!Ref {id}: unknown locally"))?,
        })
    }

    /// `!GetAtt id.attr`.
    pub fn get_att(&self, id: &str, attr: &str) -> Result<String> {
        if let Some(t) = self.tables.get(id) {
            match attr {
                "Arn" => return Ok(table_arn(t)),
                "StreamArn" => return Ok(format!("{}/stream/*", table_arn(t))),
                _ => {}
            }
        }
        if let Some(arn) = self.topics.get(id) {
            match attr {
                "TopicArn" => return Ok(arn.clone()),
                "TopicName" => return Ok(arn.rsplit(':').next().unwrap_or(arn).to_owned()),
                _ => {}
            }
        }
        if let Some(url) = self.queues.get(id) {
            let name = queue_name_of_url(url);
            match attr {
                "Arn" => return Ok(format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")),
                "QueueName" => return Ok(name.to_owned()),
                "QueueUrl" => return Ok(url.clone()),
                _ => {}
            }
        }
        bail!("!GetAtt {id}.{attr}: unknown locally")
    }

    fn sub(&self, text: &str) -> Result<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| anyhow!("unclosed ${{ in !Sub {text:?}"))?
                + start;
            let var = &rest[start + 2..end];
            out.push_str(&match var.split_once('.') {
                Some((id, attr)) if !var.starts_with("AWS::") => self.get_att(id, attr)?,
                _ => self.reference(var)?,
            });
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A template value as the string CloudFormation would make of it here.
    pub fn resolve(&self, v: &Value) -> Result<String> {
        let get_att = |target: &Value| -> Result<String> {
            match target {
                Value::String(s) => {
                    let (id, attr) = s
                        .split_once('.')
                        .ok_or_else(|| anyhow!("!GetAtt {s}: expected Resource.Attribute"))?;
                    self.get_att(id, attr)
                }
                Value::Sequence(s) => self.get_att(
                    s.first().and_then(Value::as_str).unwrap_or_default(),
                    s.get(1).and_then(Value::as_str).unwrap_or_default(),
                ),
                _ => bail!("unsupported !GetAtt form"),
            }
        };
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Tagged(t) if t.tag == "!GetAtt" => get_att(&t.value),
            Value::Tagged(t) if t.tag == "!Ref" => {
                self.reference(t.value.as_str().unwrap_or_default())
            }
            Value::Tagged(t) if t.tag == "!Sub" => match &t.value {
                Value::String(s) => self.sub(s),
                _ => bail!("only the one-argument !Sub is modelled"),
            },
            Value::Mapping(m) if m.len() == 1 => {
                let (k, inner) = m.iter().next().ok_or_else(|| anyhow!("empty mapping"))?;
                match k.as_str() {
                    Some("Fn::GetAtt") => get_att(inner),
                    Some("Ref") => self.reference(inner.as_str().unwrap_or_default()),
                    Some("Fn::Sub") => self.sub(inner.as_str().unwrap_or_default()),
                    _ => bail!("unsupported intrinsic {k:?}"),
                }
            }
            other => bail!("cannot resolve {other:?} locally"),
        }
    }

    fn partition_key(&self, table: &str, index: Option<&str>) -> Option<&str> {
        match index {
            Some(i) => self.partition_keys.get(&format!("{table}/{i}")),
            None => self.partition_keys.get(table),
        }
        .map(String::as_str)
    }
}

fn amz_target(headers: &http::HeaderMap) -> Option<&str> {
    headers.get("x-amz-target").and_then(|v| v.to_str().ok())
}

/// The AWS service a request is for: its SigV4 credential scope, else DynamoDB's target header.
fn service_of(headers: &http::HeaderMap) -> Option<String> {
    let from_scope = || {
        let auth = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
        let scope = auth.split("Credential=").nth(1)?.split(',').next()?;
        scope.split('/').nth(3).map(str::to_owned)
    };
    from_scope().or_else(|| {
        amz_target(headers)
            .filter(|t| t.starts_with("DynamoDB_"))
            .map(|_| "dynamodb".to_owned())
    })
}

fn attribute_string(v: &Json) -> Option<String> {
    v.get("S")
        .or_else(|| v.get("N"))
        .or_else(|| v.get("B"))
        .and_then(Json::as_str)
        .map(str::to_owned)
}

/// The partition key value a `KeyConditionExpression` pins, e.g. `pk = :pk AND begins_with(...)`.
fn query_partition_value(body: &Json, partition_key: &str) -> Option<String> {
    let names = body.get("ExpressionAttributeNames");
    let values = body.get("ExpressionAttributeValues");
    if let Some(expr) = body.get("KeyConditionExpression").and_then(Json::as_str) {
        for clause in expr.split(" AND ").flat_map(|c| c.split(" and ")) {
            let Some((lhs, rhs)) = clause.split_once('=') else {
                continue;
            };
            let (lhs, rhs) = (lhs.trim(), rhs.trim());
            if lhs.ends_with(['<', '>']) {
                continue;
            }
            let attr = if lhs.starts_with('#') {
                names.and_then(|n| n.get(lhs)).and_then(Json::as_str)?
            } else {
                lhs
            };
            if attr == partition_key {
                return values.and_then(|v| v.get(rhs)).and_then(attribute_string);
            }
        }
        return None;
    }
    body.get("KeyConditions")
        .and_then(|k| k.get(partition_key))
        .and_then(|c| c.get("AttributeValueList"))
        .and_then(|l| l.get(0))
        .and_then(attribute_string)
}

fn dynamodb_accesses(op: &str, body: &Json, names: &Names) -> Vec<Access> {
    let key_of = |table: &str, item: Option<&Json>| -> Vec<String> {
        names
            .partition_key(table, None)
            .and_then(|pk| item?.get(pk))
            .and_then(attribute_string)
            .into_iter()
            .collect()
    };
    let one = |action: &str, table: &str, leading_keys: Vec<String>| Access {
        action: format!("dynamodb:{action}"),
        resource: table_arn(table),
        leading_keys,
    };
    let table = body.get("TableName").and_then(Json::as_str).unwrap_or("*");
    match op {
        "GetItem" | "UpdateItem" | "DeleteItem" => {
            vec![one(op, table, key_of(table, body.get("Key")))]
        }
        "PutItem" => vec![one(op, table, key_of(table, body.get("Item")))],
        "Query" | "Scan" => {
            let index = body.get("IndexName").and_then(Json::as_str);
            let resource = match index {
                Some(i) => format!("{}/index/{i}", table_arn(table)),
                None => table_arn(table),
            };
            let leading_keys = match (op, names.partition_key(table, index)) {
                ("Query", Some(pk)) => query_partition_value(body, pk).into_iter().collect(),
                _ => vec![],
            };
            vec![Access {
                action: format!("dynamodb:{op}"),
                resource,
                leading_keys,
            }]
        }
        "TransactWriteItems" | "TransactGetItems" => body
            .get("TransactItems")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|item| {
                let (kind, inner) = item.as_object()?.iter().next()?;
                let table = inner.get("TableName").and_then(Json::as_str).unwrap_or("*");
                let (action, key) = match kind.as_str() {
                    "Put" => ("PutItem", inner.get("Item")),
                    "Update" => ("UpdateItem", inner.get("Key")),
                    "Delete" => ("DeleteItem", inner.get("Key")),
                    "ConditionCheck" => ("ConditionCheckItem", inner.get("Key")),
                    "Get" => ("GetItem", inner.get("Key")),
                    _ => return None,
                };
                Some(one(action, table, key_of(table, key)))
            })
            .collect(),
        "BatchGetItem" | "BatchWriteItem" => body
            .get("RequestItems")
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
            .map(|(table, req)| {
                let keys: Vec<&Json> = if op == "BatchGetItem" {
                    req.get("Keys")
                        .and_then(Json::as_array)
                        .map(|a| a.iter().collect())
                        .unwrap_or_default()
                } else {
                    req.as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|w| {
                            w.pointer("/PutRequest/Item")
                                .or_else(|| w.pointer("/DeleteRequest/Key"))
                        })
                        .collect()
                };
                let leading = keys
                    .into_iter()
                    .flat_map(|k| key_of(table, Some(k)))
                    .collect();
                one(op, table, leading)
            })
            .collect(),
        _ => vec![one(op, table, vec![])],
    }
}

fn query_params(body: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// What a request asks IAM for. `None`: not an AWS API call this check understands.
pub fn accesses(headers: &http::HeaderMap, body: &[u8], names: &Names) -> Option<Vec<Access>> {
    let target = amz_target(headers);
    let service = service_of(headers)?;
    match service.as_str() {
        "dynamodb" => {
            let op = target?.rsplit('.').next()?;
            let json: Json = serde_json::from_slice(body).ok()?;
            Some(dynamodb_accesses(op, &json, names))
        }
        "sqs" => {
            let (op, queue_url) = match target {
                Some(t) => {
                    let json: Json = serde_json::from_slice(body).ok()?;
                    (
                        t.rsplit('.').next()?.to_owned(),
                        json.get("QueueUrl")
                            .and_then(Json::as_str)
                            .map(str::to_owned),
                    )
                }
                None => {
                    let p = query_params(body);
                    (p.get("Action")?.clone(), p.get("QueueUrl").cloned())
                }
            };
            let resource = queue_url.map_or_else(
                || "*".to_owned(),
                |u| format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{}", queue_name_of_url(&u)),
            );
            Some(vec![Access {
                action: format!("sqs:{op}"),
                resource,
                leading_keys: vec![],
            }])
        }
        "sns" | "ses" | "email" => {
            let p = query_params(body);
            let op = p.get("Action")?.clone();
            let resource = match (service.as_str(), op.as_str()) {
                ("sns", "Publish" | "PublishBatch") => p
                    .get("TopicArn")
                    .or_else(|| p.get("TargetArn"))
                    .cloned()
                    // A direct SMS has no resource: only `"*"` covers it.
                    .unwrap_or_else(|| "*".to_owned()),
                (_, "SendEmail" | "SendRawEmail" | "SendTemplatedEmail") => {
                    let source = p.get("Source").cloned().unwrap_or_default();
                    let address = source
                        .rsplit_once('<')
                        .map(|(_, a)| a.trim_end_matches('>').to_owned())
                        .unwrap_or(source);
                    format!("arn:aws:ses:{REGION}:{ACCOUNT}:identity/{address}")
                }
                _ => "*".to_owned(),
            };
            let prefix = if service == "sns" { "sns" } else { "ses" };
            Some(vec![Access {
                action: format!("{prefix}:{op}"),
                resource,
                leading_keys: vec![],
            }])
        }
        _ => None,
    }
}

/// The error the service itself would answer, in its protocol.
fn denied_response(policy: &Policy, a: &Access) -> Response {
    let message = format!(
        "User: arn:aws:sts::{ACCOUNT}:assumed-role/{f}Role/{f} is not authorized to perform: {} on resource: {} because no identity-based policy allows the {} action",
        a.action,
        a.resource,
        a.action,
        f = policy.function
    );
    let (status, content_type, body) = if a.action.starts_with("dynamodb:") {
        (
            400,
            "application/x-amz-json-1.0",
            serde_json::json!({
                "__type": "com.amazon.coral.service#AccessDeniedException",
                "Message": message,
            })
            .to_string(),
        )
    } else {
        let code = if a.action.starts_with("sns:") {
            "AuthorizationError"
        } else {
            "AccessDenied"
        };
        (
            403,
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
                ulid::Ulid::generate()
            ),
        )
    };
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap_or_default()
}

/// Where allowed calls go.
#[derive(Debug, Clone)]
pub struct Upstreams {
    pub dynamodb: String,
    pub moto: String,
}

struct ProxyState {
    policy: Policy,
    names: Arc<Names>,
    upstreams: Upstreams,
    http: reqwest::Client,
}

/// Serves the IAM-checking proxy for one function; returns its address.
pub async fn start_proxy(
    policy: Policy,
    names: Arc<Names>,
    upstreams: Upstreams,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(ProxyState {
        policy,
        names,
        upstreams,
        http: reqwest::Client::new(),
    });
    let app = axum::Router::new()
        .fallback(proxy)
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, task))
}

async fn proxy(State(st): State<Arc<ProxyState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => return plain(400, format!("reading the request: {e}")),
    };
    let accesses = accesses(&parts.headers, &bytes, &st.names);
    if let Some(denied) = accesses.as_deref().and_then(|a| st.policy.first_denied(a)) {
        tracing::warn!(
            function = %st.policy.function,
            action = %denied.action,
            resource = %denied.resource,
            leading_keys = ?denied.leading_keys,
            "IAM: access denied by the function's template policy"
        );
        return denied_response(&st.policy, denied);
    }
    let upstream = if service_of(&parts.headers).as_deref() == Some("dynamodb") {
        &st.upstreams.dynamodb
    } else {
        &st.upstreams.moto
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut out = st.http.request(
        parts.method.clone(),
        format!("{}{path}", upstream.trim_end_matches('/')),
    );
    for (k, v) in &parts.headers {
        if k != http::header::HOST && k != http::header::CONTENT_LENGTH {
            out = out.header(k, v);
        }
    }
    match out.body(bytes).send().await {
        Ok(resp) => {
            let mut builder = Response::builder().status(resp.status());
            for (k, v) in resp.headers() {
                if k != http::header::TRANSFER_ENCODING
                    && k != http::header::CONNECTION
                    && k != http::header::CONTENT_LENGTH
                {
                    builder = builder.header(k, v);
                }
            }
            match resp.bytes().await {
                Ok(b) => builder.body(Body::from(b)).unwrap_or_default(),
                Err(e) => plain(502, format!("reading {upstream}: {e}")),
            }
        }
        Err(e) => plain(502, format!("forwarding to {upstream}: {e}")),
    }
}

fn plain(status: u16, text: String) -> Response {
    Response::builder()
        .status(status)
        .body(Body::from(text))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn project() -> (Template, Names) {
        let t =
            Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml"))
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
            resolved
                .names
                .insert(q.clone(), format!("http://localhost/{ACCOUNT}/x-{q}"));
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

        let note = policy(&t, &names, "AddNoteFunction");
        let events = Access {
            action: "sns:Publish".into(),
            resource: format!("arn:aws:sns:{REGION}:{ACCOUNT}:x-EventsTopic"),
            leading_keys: vec![],
        };
        assert!(note.allows(&events));
        let sms = Access {
            resource: "*".into(),
            ..events.clone()
        };
        assert!(!note.allows(&sms), "only the notifier texts phones");
        assert!(policy(&t, &names, "NotifyFunction").allows(&sms));
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
    }
}
