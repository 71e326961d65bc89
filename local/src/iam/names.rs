//! The names a policy refers to (tables, topics, queues, SES identities and configuration sets),
//! resolved for this stack.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use serde_yaml_ng::Value;

use crate::template::{Resolved, Template};

use super::*;

/// The local stack's physical names and ARNs, for resolving `!Ref`, `!GetAtt` and `!Sub`.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub(crate) tables: BTreeMap<String, String>,
    pub(crate) topics: BTreeMap<String, String>,
    pub(crate) queues: BTreeMap<String, String>,
    /// SES configuration sets' names.
    pub(crate) email_configuration_sets: BTreeMap<String, String>,
    /// EventBridge buses' names.
    pub(crate) buses: BTreeMap<String, String>,
    /// Roles' ARNs (other than the functions').
    pub(crate) role_arns: BTreeMap<String, String>,
    pub(crate) parameters: BTreeMap<String, String>,
    /// Partition key attribute per physical table name, and per `table/index`.
    pub(crate) partition_keys: BTreeMap<String, String>,
}

pub fn table_arn(name: &str) -> String {
    format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}")
}

pub fn bus_arn(name: &str) -> String {
    format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}")
}

pub(crate) fn queue_name_of_url(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

pub(crate) fn hash_key(key_schema: Option<&Value>) -> Option<String> {
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
            queues: pick(&mut template.queues.iter().map(|q| &q.logical_id)),
            email_configuration_sets: pick(&mut template.email_configuration_sets.iter()),
            buses: pick(&mut template.buses.iter()),
            role_arns: template
                .roles
                .iter()
                .filter_map(|id| Some((id.clone(), resolved.arns.get(id)?.clone())))
                .collect(),
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

    pub(crate) fn reference(&self, id: &str) -> Result<String> {
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
                .or_else(|| self.email_configuration_sets.get(id))
                .or_else(|| self.buses.get(id))
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
        if let (Some(name), "Arn") = (self.buses.get(id), attr) {
            return Ok(bus_arn(name));
        }
        if let (Some(arn), "Arn") = (self.role_arns.get(id), attr) {
            return Ok(arn.clone());
        }
        bail!("!GetAtt {id}.{attr}: unknown locally")
    }

    pub(crate) fn sub(&self, text: &str) -> Result<String> {
        crate::template::substitute(
            text,
            |var| match var.split_once('.') {
                Some((id, attr)) if !var.starts_with("AWS::") => self.get_att(id, attr),
                _ => self.reference(var),
            },
            || anyhow!("unclosed ${{ in !Sub {text:?}"),
        )
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

    pub(crate) fn partition_key(&self, table: &str, index: Option<&str>) -> Option<&str> {
        match index {
            Some(i) => self.partition_keys.get(&format!("{table}/{i}")),
            None => self.partition_keys.get(table),
        }
        .map(String::as_str)
    }
}
