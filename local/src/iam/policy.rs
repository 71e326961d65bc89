//! The policy model: statements, effects, wildcards and the `dynamodb:LeadingKeys` condition, read
//! from the template.

use anyhow::{anyhow, bail, Context, Result};
use serde_yaml_ng::Value;

use crate::template::FunctionDef;

use super::*;

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
pub(crate) enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
pub(crate) enum LeadingKeysCondition {
    Like(Vec<String>),
    Equals(Vec<String>),
}

/// What a statement covers: `Resource` (these patterns) or `NotResource` (anything but them,
/// including a request that names no resource, like an SMS to a phone number, whose resource
/// is `*`).
#[derive(Debug, Clone)]
pub(crate) enum Resources {
    Listed(Vec<String>),
    AllBut(Vec<String>),
}

impl Resources {
    fn cover(&self, resource: &str) -> bool {
        match self {
            Resources::Listed(ps) => ps.iter().any(|p| wildcard_match(p, resource)),
            Resources::AllBut(ps) => !ps.iter().any(|p| wildcard_match(p, resource)),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) effect: Effect,
    pub(crate) actions: Vec<String>,
    pub(crate) resources: Resources,
    pub(crate) leading_keys: Option<LeadingKeysCondition>,
}

impl Statement {
    pub(crate) fn matches(&self, a: &Access) -> bool {
        let action = self
            .actions
            .iter()
            .any(|p| wildcard_match(&p.to_ascii_lowercase(), &a.action.to_ascii_lowercase()));
        let resource = self.resources.cover(&a.resource);
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
    pub(crate) statements: Vec<Statement>,
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

pub(crate) fn strings(v: &Value, names: &Names) -> Result<Vec<String>> {
    match v {
        Value::Sequence(s) => s.iter().map(|x| names.resolve(x)).collect(),
        other => Ok(vec![names.resolve(other)?]),
    }
}

pub(crate) fn policy_statements(p: &Value, names: &Names) -> Result<Vec<Statement>> {
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
        resources: Resources::Listed(vec![resource]),
        leading_keys: None,
    };
    // SAM policy templates, as SAM expands them (policy_templates.json).
    match template_name.as_str().unwrap_or_default() {
        "SQSSendMessagePolicy" => Ok(vec![allow(
            &["sqs:SendMessage*"],
            format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{}", arg("QueueName")?),
        )]),
        "SQSPollerPolicy" => Ok(vec![allow(
            &[
                "sqs:ChangeMessageVisibility",
                "sqs:ChangeMessageVisibilityBatch",
                "sqs:DeleteMessage",
                "sqs:DeleteMessageBatch",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{}", arg("QueueName")?),
        )]),
        "SNSPublishMessagePolicy" => Ok(vec![allow(
            &["sns:Publish"],
            format!("arn:aws:sns:{REGION}:{ACCOUNT}:{}", arg("TopicName")?),
        )]),
        other => bail!("SAM policy template {other} is not modelled by the local IAM check"),
    }
}

pub(crate) fn statement(s: &Value, names: &Names) -> Result<Statement> {
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
    let resources = match (field("Resource"), field("NotResource")) {
        (Some(r), None) => Resources::Listed(strings(r, names)?),
        (None, Some(r)) => Resources::AllBut(strings(r, names)?),
        _ => bail!("a statement needs exactly one of Resource and NotResource"),
    };
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
