//! EventBridge, played locally for the stack's own buses. `PutEvents` from a function (through
//! its IAM proxy) is matched against the template's `EventBridgeRule` events (on `source` and
//! `detail-type`, the only fields the template's patterns use), each match invoking its function
//! asynchronously with the event as EventBridge delivers it; and against the rules made through
//! the API (`PutRule`/`PutTargets`, with patterns of exact values, nested as the event is), whose
//! API-destination targets are called over HTTP as EventBridge calls them: the event as the
//! body, the connection's API key as a header, retried on a 429, a 5xx or no answer, then sent
//! to the target's dead-letter queue. Connections, API destinations and rules live in memory
//! for the stack's life. Entries for a bus nothing listens on are accepted and dropped, as
//! EventBridge does. The retries are fewer and quicker than EventBridge's (which keeps trying
//! for up to a day): `DELIVERY_ATTEMPTS`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Result};
use serde_json::{json, Value as Json};
use serde_yaml_ng::Value;

use crate::iam::{ACCOUNT, REGION};
use crate::runtime::FunctionPool;
use crate::template::{Resolved, Template};

/// Tries per delivery to an API destination before its dead-letter queue.
pub const DELIVERY_ATTEMPTS: u32 = 4;

struct Rule {
    function: Arc<FunctionPool>,
    bus: String,
    sources: Vec<String>,
    detail_types: Vec<String>,
}

#[derive(Clone)]
struct Connection {
    api_key: Option<(String, String)>,
}

#[derive(Clone)]
struct Destination {
    connection: String,
    endpoint: String,
}

#[derive(Clone)]
struct Target {
    id: String,
    arn: String,
    dead_letter: Option<String>,
}

#[derive(Clone)]
struct ApiRule {
    pattern: Json,
    description: Option<String>,
    targets: Vec<Target>,
}

#[derive(Default)]
struct Made {
    connections: BTreeMap<String, Connection>,
    destinations: BTreeMap<String, Destination>,
    /// By (bus, rule name).
    rules: BTreeMap<(String, String), ApiRule>,
}

pub struct LocalBus {
    rules: Vec<Rule>,
    made: Arc<Mutex<Made>>,
    http: reqwest::Client,
    sqs: aws_sdk_sqs::Client,
    /// Queue URLs by ARN, for dead letters.
    queues: BTreeMap<String, String>,
}

/// A pattern's `source`: a list of strings, or `!Ref` to a list parameter.
fn sources(v: &Value, resolved: &Resolved) -> Result<Vec<String>> {
    let unresolvable = || anyhow!("a rule's source the local stack cannot resolve");
    if let Some(list) = v.as_sequence() {
        return list
            .iter()
            .map(|s| resolved.resolve(s).ok_or_else(unresolvable))
            .collect();
    }
    let joined = resolved.resolve(v).ok_or_else(unresolvable)?;
    Ok(joined.split(',').map(|s| s.trim().to_owned()).collect())
}

/// An EventBridge pattern of exact values: every field it names is one of its listed values,
/// an object field matching the event's object field by field.
pub fn pattern_matches(pattern: &Json, event: &Json) -> bool {
    let Some(fields) = pattern.as_object() else {
        return false;
    };
    fields.iter().all(|(k, want)| match want {
        Json::Array(values) => values.contains(&event[k]),
        Json::Object(_) => pattern_matches(want, &event[k]),
        _ => false,
    })
}

fn error(code: &str, message: impl Into<String>) -> (u16, Json) {
    (400, json!({"__type": code, "message": message.into()}))
}

/// What EventBridge answers a `Create…` of a resource that exists, or an `Update…` of one that
/// does not; `None` when the call may go ahead.
fn create_or_update(operation: &str, exists: bool, what: &str, name: &str) -> Option<(u16, Json)> {
    if operation.starts_with("Create") && exists {
        return Some(error(
            "ResourceAlreadyExistsException",
            format!("{what} {name} already exists."),
        ));
    }
    (operation.starts_with("Update") && !exists).then(|| {
        error(
            "ResourceNotFoundException",
            format!("{what} {name} does not exist."),
        )
    })
}

/// A name as its ARN or its last part (`…:event-bus/name`, `…:connection/name/id`).
fn name_of(s: &str) -> String {
    match s
        .split_once(":connection/")
        .or_else(|| s.split_once(":api-destination/"))
    {
        Some((_, rest)) => rest.split('/').next().unwrap_or_default().to_owned(),
        None => s.rsplit('/').next().unwrap_or_default().to_owned(),
    }
}

fn text(v: &Json, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_owned()
}

impl LocalBus {
    pub fn new(
        template: &Template,
        resolved: &Resolved,
        functions: &BTreeMap<String, Arc<FunctionPool>>,
        sqs: aws_sdk_sqs::Client,
    ) -> Result<LocalBus> {
        let mut rules = vec![];
        for def in &template.functions {
            let Some(function) = functions.get(&def.logical_id) else {
                continue; // not created under the parameters
            };
            for rule in &def.event_rules {
                rules.push(Rule {
                    function: function.clone(),
                    bus: resolved
                        .names
                        .get(&rule.bus)
                        .cloned()
                        .ok_or_else(|| anyhow!("{}: bus {} unknown", def.logical_id, rule.bus))?,
                    sources: sources(&rule.sources, resolved)?,
                    detail_types: rule.detail_types.clone(),
                });
            }
        }
        let queues = resolved
            .queue_urls
            .iter()
            .filter_map(|(id, url)| Some((resolved.arns.get(id)?.clone(), url.clone())))
            .collect();
        Ok(LocalBus {
            rules,
            made: Arc::default(),
            // EventBridge gives an API destination 5 seconds to answer.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()?,
            sqs,
            queues,
        })
    }

    /// One EventBridge API call (`AWSEvents.<operation>`): its status and JSON answer.
    pub fn handle(&self, operation: &str, request: &Json) -> (u16, Json) {
        if operation == "PutEvents" {
            return (200, self.put_events(request));
        }
        let Ok(mut made) = self.made.lock() else {
            return (
                500,
                json!({"__type": "InternalException", "message": "poisoned"}),
            );
        };
        let name = text(request, "Name");
        let bus = || match text(request, "EventBusName") {
            b if b.is_empty() => "default".to_owned(),
            b => name_of(&b),
        };
        let arn =
            |kind: &str, name: &str| format!("arn:aws:events:{REGION}:{ACCOUNT}:{kind}/{name}");
        let missing = |what: &str| {
            error(
                "ResourceNotFoundException",
                format!("{what} does not exist."),
            )
        };
        match operation {
            "CreateConnection" | "UpdateConnection" => {
                let exists = made.connections.contains_key(&name);
                if let Some(refused) = create_or_update(operation, exists, "Connection", &name) {
                    return refused;
                }
                let key = &request["AuthParameters"]["ApiKeyAuthParameters"];
                let api_key = key["ApiKeyName"]
                    .as_str()
                    .map(|k| (k.to_owned(), text(key, "ApiKeyValue")));
                made.connections
                    .insert(name.clone(), Connection { api_key });
                (
                    200,
                    json!({"ConnectionArn": arn("connection", &format!("{name}/local")), "ConnectionState": "AUTHORIZED"}),
                )
            }
            "DeleteConnection" => match made.connections.remove(&name) {
                Some(_) => (
                    200,
                    json!({"ConnectionArn": arn("connection", &format!("{name}/local"))}),
                ),
                None => missing(&format!("Connection {name}")),
            },
            "CreateApiDestination" | "UpdateApiDestination" => {
                let exists = made.destinations.contains_key(&name);
                if let Some(refused) = create_or_update(operation, exists, "Api destination", &name)
                {
                    return refused;
                }
                let connection = name_of(&text(request, "ConnectionArn"));
                if !made.connections.contains_key(&connection) {
                    return missing(&format!("Connection {connection}"));
                }
                let endpoint = text(request, "InvocationEndpoint");
                made.destinations.insert(
                    name.clone(),
                    Destination {
                        connection,
                        endpoint,
                    },
                );
                (
                    200,
                    json!({"ApiDestinationArn": arn("api-destination", &format!("{name}/local")), "ApiDestinationState": "ACTIVE"}),
                )
            }
            "DescribeApiDestination" => match made.destinations.get(&name) {
                Some(d) => (
                    200,
                    json!({
                        "Name": name, "ApiDestinationArn": arn("api-destination", &format!("{name}/local")),
                        "ConnectionArn": arn("connection", &format!("{}/local", d.connection)),
                        "InvocationEndpoint": d.endpoint, "HttpMethod": "POST", "ApiDestinationState": "ACTIVE",
                    }),
                ),
                None => missing(&format!("Api destination {name}")),
            },
            "DeleteApiDestination" => match made.destinations.remove(&name) {
                Some(_) => (200, json!({})),
                None => missing(&format!("Api destination {name}")),
            },
            "PutRule" => {
                let Ok(pattern) = serde_json::from_str::<Json>(&text(request, "EventPattern"))
                else {
                    return error(
                        "InvalidEventPatternException",
                        "Event pattern is not valid.",
                    );
                };
                let key = (bus(), name.clone());
                let targets = made
                    .rules
                    .get(&key)
                    .map(|r| r.targets.clone())
                    .unwrap_or_default();
                let description = request["Description"].as_str().map(str::to_owned);
                made.rules.insert(
                    key.clone(),
                    ApiRule {
                        pattern,
                        description,
                        targets,
                    },
                );
                (
                    200,
                    json!({"RuleArn": arn("rule", &format!("{}/{name}", key.0))}),
                )
            }
            "DescribeRule" => match made.rules.get(&(bus(), name.clone())) {
                Some(r) => (
                    200,
                    json!({
                        "Name": name, "Arn": arn("rule", &format!("{}/{name}", bus())),
                        "EventPattern": r.pattern.to_string(), "State": "ENABLED",
                        "Description": r.description, "EventBusName": bus(),
                    }),
                ),
                None => missing(&format!("Rule {name}")),
            },
            "DeleteRule" => {
                made.rules.remove(&(bus(), name));
                (200, json!({}))
            }
            "PutTargets" | "RemoveTargets" => {
                let rule = text(request, "Rule");
                let Some(r) = made.rules.get_mut(&(bus(), rule.clone())) else {
                    return missing(&format!("Rule {rule}"));
                };
                if operation == "RemoveTargets" {
                    let ids: Vec<&str> = request["Ids"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_str)
                        .collect();
                    r.targets.retain(|t| !ids.contains(&t.id.as_str()));
                } else {
                    for t in request["Targets"].as_array().into_iter().flatten() {
                        let target = Target {
                            id: text(t, "Id"),
                            arn: text(t, "Arn"),
                            dead_letter: t["DeadLetterConfig"]["Arn"].as_str().map(str::to_owned),
                        };
                        r.targets.retain(|old| old.id != target.id);
                        r.targets.push(target);
                    }
                }
                (200, json!({"FailedEntryCount": 0, "FailedEntries": []}))
            }
            other => error(
                "UnknownOperationException",
                format!("{other} is not played by the local stack"),
            ),
        }
    }

    /// `PutEvents`' answer; each entry's matching functions and API destinations are invoked in
    /// the background.
    fn put_events(&self, request: &Json) -> Json {
        let entries = request["Entries"].as_array().cloned().unwrap_or_default();
        let mut answers = vec![];
        let mut failed = 0;
        for entry in entries {
            let detail: Option<Json> = serde_json::from_str(&text(&entry, "Detail")).ok();
            let (source, detail_type) = (text(&entry, "Source"), text(&entry, "DetailType"));
            let Some(detail) =
                detail.filter(|d| d.is_object() && !source.is_empty() && !detail_type.is_empty())
            else {
                failed += 1;
                answers.push(json!({"ErrorCode": "MalformedDetail",
                    "ErrorMessage": "Source, DetailType and a JSON object Detail are required"}));
                continue;
            };
            let bus = match text(&entry, "EventBusName") {
                b if b.is_empty() => "default".to_owned(),
                b => name_of(&b),
            };
            let id = ulid::Ulid::generate().to_string();
            let event = json!({
                "version": "0", "id": id, "detail-type": detail_type, "source": source,
                "account": ACCOUNT,
                "time": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "region": REGION, "resources": [], "detail": detail,
            });
            for rule in self.rules.iter().filter(|r| {
                r.bus == bus && r.sources.contains(&source) && r.detail_types.contains(&detail_type)
            }) {
                let (function, payload) = (rule.function.clone(), event.to_string());
                tokio::spawn(async move {
                    let failure = match function.invoke(payload.into_bytes()).await {
                        Ok((_, false)) => return,
                        Ok((answer, true)) => String::from_utf8_lossy(&answer).into_owned(),
                        Err(e) => e.to_string(),
                    };
                    tracing::warn!(function = %function.logical_id, error = %failure, "event delivery failed");
                });
            }
            self.deliver_to_destinations(&bus, &event);
            answers.push(json!({"EventId": id}));
        }
        json!({"FailedEntryCount": failed, "Entries": answers})
    }

    /// Calls every API destination whose rule on `bus` matches `event`.
    fn deliver_to_destinations(&self, bus: &str, event: &Json) {
        let Ok(made) = self.made.lock() else { return };
        for ((rule_bus, rule), r) in &made.rules {
            if rule_bus != bus || !pattern_matches(&r.pattern, event) {
                continue;
            }
            for target in &r.targets {
                let Some(destination) = made.destinations.get(&name_of(&target.arn)).cloned()
                else {
                    tracing::warn!(%rule, target = %target.arn, "a rule's target is not an API destination the local bus knows");
                    continue;
                };
                let api_key = made
                    .connections
                    .get(&destination.connection)
                    .and_then(|c| c.api_key.clone());
                let dead_letter = target
                    .dead_letter
                    .as_ref()
                    .and_then(|arn| self.queues.get(arn).cloned());
                let (http, sqs, event) = (self.http.clone(), self.sqs.clone(), event.clone());
                tokio::spawn(deliver(
                    http,
                    sqs,
                    destination.endpoint,
                    api_key,
                    event,
                    dead_letter,
                ));
            }
        }
    }
}

/// One event to one API destination, as EventBridge calls it; to the dead-letter queue when
/// every attempt failed.
async fn deliver(
    http: reqwest::Client,
    sqs: aws_sdk_sqs::Client,
    endpoint: String,
    api_key: Option<(String, String)>,
    event: Json,
    dead_letter: Option<String>,
) {
    let mut last = String::new();
    for attempt in 1..=DELIVERY_ATTEMPTS {
        let mut req = http
            .post(&endpoint)
            .header("content-type", "application/json; charset=utf-8")
            .header("user-agent", "Amazon/EventBridge/ApiDestinations")
            .body(event.to_string());
        if let Some((name, value)) = &api_key {
            req = req.header(name.as_str(), value.as_str());
        }
        match req.send().await {
            Ok(resp) if resp.status().is_success() => return,
            // EventBridge retries only what may succeed later.
            Ok(resp) if !(resp.status().as_u16() == 429 || resp.status().is_server_error()) => {
                last = format!("answered {}", resp.status());
                break;
            }
            Ok(resp) => last = format!("answered {}", resp.status()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
    }
    tracing::warn!(%endpoint, error = %last, "API destination delivery failed");
    if let Some(queue) = dead_letter {
        let sent = sqs
            .send_message()
            .queue_url(&queue)
            .message_body(event.to_string())
            .send()
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "dead letter not kept");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::bus_arn;

    #[test]
    fn a_pattern_of_exact_values_matches_field_by_field() {
        let event = json!({"source": "second-chance-leads", "detail-type": "LeadCreated",
                           "detail": {"tenant_id": "t-1", "lead_id": "l-1"}});
        let pattern = json!({"source": ["second-chance-leads"],
                             "detail-type": ["LeadCreated", "NoteCopied"],
                             "detail": {"tenant_id": ["t-1"]}});
        assert!(pattern_matches(&pattern, &event));
        let other = json!({"source": ["second-chance-leads"], "detail": {"tenant_id": ["t-2"]}});
        assert!(!pattern_matches(&other, &event));
        let types = json!({"detail-type": ["NoteCopied"]});
        assert!(!pattern_matches(&types, &event));
    }

    #[test]
    fn names_are_read_from_arns() {
        assert_eq!(
            name_of("arn:aws:events:us-east-1:1:connection/scl-1/local"),
            "scl-1"
        );
        assert_eq!(
            name_of("arn:aws:events:us-east-1:1:api-destination/scl-2/x"),
            "scl-2"
        );
        assert_eq!(name_of(&bus_arn("b")), "b");
        assert_eq!(name_of("b"), "b");
    }
}
