//! EventBridge, played locally for the stack's own buses: `PutEvents` from a function (through
//! its IAM proxy) is matched against the template's `EventBridgeRule` events (on `source` and
//! `detail-type`, the only fields the template's patterns use) and each match invokes its
//! function asynchronously with the event as EventBridge delivers it (stamped with the id,
//! account, region and time). Entries for another bus, or that no rule matches, are accepted
//! and dropped, as EventBridge does.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{anyhow, Result};
use serde_json::{json, Value as Json};
use serde_yaml_ng::Value;

use crate::iam::{ACCOUNT, REGION};
use crate::runtime::FunctionPool;
use crate::template::{Resolved, Template};

struct Rule {
    function: Arc<FunctionPool>,
    bus: String,
    sources: Vec<String>,
    detail_types: Vec<String>,
}

pub struct LocalBus {
    rules: Vec<Rule>,
}

/// A pattern's `source`: a list of strings, or `!Ref` to a list parameter.
fn sources(v: &Value, resolved: &Resolved) -> Result<Vec<String>> {
    if let Some(list) = v.as_sequence() {
        return list
            .iter()
            .map(|s| {
                resolved
                    .resolve(s)
                    .ok_or_else(|| anyhow!("a rule's source the local stack cannot resolve"))
            })
            .collect();
    }
    let joined = resolved
        .resolve(v)
        .ok_or_else(|| anyhow!("a rule's source the local stack cannot resolve"))?;
    Ok(joined.split(',').map(|s| s.trim().to_owned()).collect())
}

impl LocalBus {
    pub fn new(
        template: &Template,
        resolved: &Resolved,
        functions: &BTreeMap<String, Arc<FunctionPool>>,
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
        Ok(LocalBus { rules })
    }

    /// `PutEvents`' answer for `request` (its JSON body); each entry's matching functions are
    /// invoked in the background.
    pub fn put_events(&self, request: &Json) -> Json {
        let entries = request["Entries"].as_array().cloned().unwrap_or_default();
        let mut answers = vec![];
        let mut failed = 0;
        for entry in entries {
            let text = |k: &str| entry[k].as_str().unwrap_or_default().to_owned();
            let detail: Option<Json> = serde_json::from_str(&text("Detail")).ok();
            let (Some(detail), false, false) = (
                detail.filter(Json::is_object),
                text("Source").is_empty(),
                text("DetailType").is_empty(),
            ) else {
                failed += 1;
                answers.push(json!({"ErrorCode": "MalformedDetail",
                    "ErrorMessage": "Source, DetailType and a JSON object Detail are required"}));
                continue;
            };
            let bus = text("EventBusName");
            let bus = bus.rsplit('/').next().unwrap_or_default().to_owned();
            let id = ulid::Ulid::generate().to_string();
            let event = json!({
                "version": "0", "id": id, "detail-type": text("DetailType"),
                "source": text("Source"), "account": ACCOUNT,
                "time": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "region": REGION, "resources": [], "detail": detail,
            });
            for rule in self.rules.iter().filter(|r| {
                r.bus == bus
                    && r.sources.contains(&text("Source"))
                    && r.detail_types.contains(&text("DetailType"))
            }) {
                let (function, payload) = (rule.function.clone(), event.to_string());
                tokio::spawn(async move {
                    match function.invoke(payload.into_bytes()).await {
                        Ok((_, false)) => {}
                        Ok((answer, true)) => tracing::warn!(
                            function = %function.logical_id,
                            error = %String::from_utf8_lossy(&answer),
                            "event delivery failed"
                        ),
                        Err(e) => tracing::warn!(
                            function = %function.logical_id, error = %e, "event delivery failed"
                        ),
                    }
                });
            }
            answers.push(json!({"EventId": id}));
        }
        json!({"FailedEntryCount": failed, "Entries": answers})
    }
}
