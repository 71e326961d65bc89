//! Creates the template's tables in DynamoDB Local and its topics and queues in moto.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_yaml_ng::Value;

use crate::template::{QueueDef, Resolved, TableDef, Template};

fn list<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v.get(key)
        .and_then(Value::as_sequence)
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

fn str_of<'a>(v: &'a Value, key: &str) -> Result<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("missing {key}"))
}

fn key_schema(v: &Value) -> Result<Vec<KeySchemaElement>> {
    list(v, "KeySchema")
        .into_iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(str_of(k, "AttributeName")?)
                .key_type(KeyType::from(str_of(k, "KeyType")?))
                .build()?)
        })
        .collect()
}

/// Creates one table from its template definition under `name`.
pub async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    def: &TableDef,
    name: &str,
) -> Result<()> {
    let p = &def.properties;
    let mut req = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(p)?));
    for a in list(p, "AttributeDefinitions") {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(str_of(a, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(str_of(a, "AttributeType")?))
                .build()?,
        );
    }
    for g in list(p, "GlobalSecondaryIndexes") {
        let projection = g
            .get("Projection")
            .and_then(|p| p.get("ProjectionType"))
            .and_then(Value::as_str)
            .unwrap_or("ALL");
        req = req.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(str_of(g, "IndexName")?)
                .set_key_schema(Some(key_schema(g)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(projection))
                        .build(),
                )
                .build()?,
        );
    }
    if let Some(view) = p
        .get("StreamSpecification")
        .and_then(|s| s.get("StreamViewType"))
        .and_then(Value::as_str)
    {
        req = req.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view))
                .build()?,
        );
    }
    req.send().await.map_err(|e| {
        anyhow!(
            "creating table {name}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        )
    })?;
    Ok(())
}

/// The queues in an order that creates each dead-letter queue before the queues that name it.
pub fn creation_order(queues: &[QueueDef]) -> Result<Vec<&QueueDef>> {
    let mut ordered: Vec<&QueueDef> = Vec::with_capacity(queues.len());
    let mut rest: Vec<&QueueDef> = queues.iter().collect();
    while !rest.is_empty() {
        let before = rest.len();
        let (ready, waiting): (Vec<&QueueDef>, Vec<&QueueDef>) = rest.into_iter().partition(|q| {
            q.redrive
                .as_ref()
                .is_none_or(|r| ordered.iter().any(|o| o.logical_id == r.dead_letter_queue))
        });
        ordered.extend(ready);
        rest = waiting;
        if rest.len() == before {
            let ids: Vec<&str> = rest.iter().map(|q| q.logical_id.as_str()).collect();
            bail!("these queues' dead-letter queues are missing or name each other: {ids:?}");
        }
    }
    Ok(ordered)
}

/// A queue's attributes as CreateQueue takes them, its redrive policy naming the dead-letter
/// queue's ARN (from `arns`, by logical id). The FIFO attributes only for a FIFO queue: SQS
/// refuses them on a standard one.
pub fn queue_attributes(
    queue: &QueueDef,
    arns: &BTreeMap<String, String>,
) -> Result<Vec<(QueueAttributeName, String)>> {
    let mut attributes = vec![
        (
            QueueAttributeName::VisibilityTimeout,
            queue.visibility_timeout.to_string(),
        ),
        (
            QueueAttributeName::DelaySeconds,
            queue.delay_seconds.to_string(),
        ),
    ];
    if queue.fifo {
        attributes.push((QueueAttributeName::FifoQueue, "true".into()));
        attributes.push((
            QueueAttributeName::ContentBasedDeduplication,
            queue.content_based_deduplication.to_string(),
        ));
    }
    if let Some(period) = queue.message_retention_period {
        attributes.push((
            QueueAttributeName::MessageRetentionPeriod,
            period.to_string(),
        ));
    }
    if let Some(r) = &queue.redrive {
        let dlq = arns.get(&r.dead_letter_queue).ok_or_else(|| {
            anyhow!(
                "{}: its dead-letter queue {} is not created yet",
                queue.logical_id,
                r.dead_letter_queue
            )
        })?;
        let policy = serde_json::json!({
            "deadLetterTargetArn": dlq,
            "maxReceiveCount": r.max_receive_count,
        });
        attributes.push((QueueAttributeName::RedrivePolicy, policy.to_string()));
    }
    Ok(attributes)
}

/// Creates every table, topic and queue; returns the physical names (`prefix` + logical id for
/// tables, the topic ARN for topics, the URL for queues, whose names end in `.fifo` for FIFO
/// queues) for resolving `!Ref`, and the queues' URLs and ARNs.
pub async fn provision(
    template: &Template,
    dynamodb: &aws_sdk_dynamodb::Client,
    sns: &aws_sdk_sns::Client,
    sqs: &aws_sdk_sqs::Client,
    ses: &aws_sdk_ses::Client,
    prefix: &str,
) -> Result<Resolved> {
    let mut resolved = Resolved {
        parameters: template.parameters.clone(),
        conditions: template.conditions.clone(),
        ..Resolved::default()
    };
    // The stack's name, as `${AWS::StackName}` reads: the prefix that sets this stack's names
    // apart (a test's), or `scl-local`.
    let stack_name = match prefix.trim_end_matches('-') {
        "" => crate::template::LOCAL_STACK_NAME,
        named => named,
    };
    resolved
        .parameters
        .insert("AWS::StackName".into(), stack_name.into());
    for table in &template.tables {
        let name = format!("{prefix}{}", table.logical_id);
        create_table(dynamodb, table, &name).await?;
        resolved.names.insert(table.logical_id.clone(), name);
    }
    for topic in &template.topics {
        let out = sns
            .create_topic()
            .name(format!("{prefix}{topic}"))
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "creating topic {topic}: {}",
                    aws_sdk_sns::error::DisplayErrorContext(e)
                )
            })?;
        resolved
            .names
            .insert(topic.clone(), out.topic_arn.unwrap_or_default());
    }
    // Configuration sets by the name CloudFormation would generate's stand-in: prefix + id.
    for set in &template.email_configuration_sets {
        let name = format!("{prefix}{set}");
        let config = aws_sdk_ses::types::ConfigurationSet::builder()
            .name(&name)
            .build()
            .map_err(|e| anyhow!("configuration set {set}: {e}"))?;
        ses.create_configuration_set()
            .configuration_set(config)
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "creating SES configuration set {set}: {}",
                    aws_sdk_ses::error::DisplayErrorContext(e)
                )
            })?;
        resolved.names.insert(set.clone(), name);
    }
    // Buses are the local stack's own (`bus::LocalBus`), and roles only named (what a role
    // allows is the template's business; the functions' own are checked by `iam`).
    for bus in &template.buses {
        // Its `Name` (`${AWS::StackName}-events`, which policies name), else prefix + id.
        let name = template
            .bus_names
            .get(bus)
            .and_then(|n| resolved.resolve(n))
            .unwrap_or_else(|| format!("{prefix}{bus}"));
        resolved
            .arns
            .insert(bus.clone(), crate::iam::bus_arn(&name));
        resolved.names.insert(bus.clone(), name);
    }
    for role in &template.roles {
        let name = format!("{prefix}{role}");
        let arn = format!("arn:aws:iam::{}:role/{name}", crate::iam::ACCOUNT);
        resolved.arns.insert(role.clone(), arn);
        resolved.names.insert(role.clone(), name);
    }
    // SES only sends from verified identities: verify every sender a function uses.
    for f in &template.functions {
        if let Some(sender) = f
            .environment
            .get("SES_SENDER")
            .and_then(|v| resolved.resolve(v))
        {
            ses.verify_email_identity()
                .email_address(&sender)
                .send()
                .await
                .map_err(|e| {
                    anyhow!(
                        "verifying SES sender: {}",
                        aws_sdk_ses::error::DisplayErrorContext(e)
                    )
                })?;
        }
    }
    // Dead-letter queues before the queues that name them (a redrive policy names an ARN
    // that must exist).
    for queue in creation_order(&template.queues)? {
        let id = &queue.logical_id;
        let name = queue.physical_name(prefix);
        let arn = format!(
            "arn:aws:sqs:{}:{}:{name}",
            crate::iam::REGION,
            crate::iam::ACCOUNT
        );
        let mut req = sqs.create_queue().queue_name(&name);
        for (attribute, value) in queue_attributes(queue, &resolved.arns)? {
            req = req.attributes(attribute, value);
        }
        let url = req
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "creating queue {id}: {}",
                    aws_sdk_sqs::error::DisplayErrorContext(e)
                )
            })?
            .queue_url
            .ok_or_else(|| anyhow!("creating queue {id}: moto answered no URL"))?;
        resolved.queue_urls.insert(id.clone(), url.clone());
        resolved.arns.insert(id.clone(), arn);
        resolved.names.insert(id.clone(), url);
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::RedriveDef;

    fn queue(id: &str, fifo: bool, dlq: Option<&str>) -> QueueDef {
        QueueDef {
            logical_id: id.into(),
            fifo,
            content_based_deduplication: fifo,
            visibility_timeout: 180,
            delay_seconds: 0,
            message_retention_period: None,
            redrive: dlq.map(|d| RedriveDef {
                dead_letter_queue: d.into(),
                max_receive_count: 5,
            }),
        }
    }

    #[test]
    fn dead_letter_queues_are_created_first() {
        let queues = vec![
            queue("A", false, Some("B")),
            queue("B", false, Some("C")),
            queue("C", false, None),
            queue("D", false, None),
        ];
        let ids: Vec<&str> = creation_order(&queues)
            .unwrap()
            .iter()
            .map(|q| q.logical_id.as_str())
            .collect();
        assert_eq!(ids, ["C", "D", "B", "A"]);
        let looped = vec![queue("A", false, Some("B")), queue("B", false, Some("A"))];
        assert!(creation_order(&looped).is_err());
        assert!(creation_order(&[queue("A", false, Some("Gone"))]).is_err());
        // The project's queues, whatever they are now, can be created.
        let t = Template::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml"),
        )
        .unwrap();
        assert_eq!(creation_order(&t.queues).unwrap().len(), t.queues.len());
    }

    #[test]
    fn queues_are_created_with_their_attributes() {
        let arn = "arn:aws:sqs:us-east-1:123456789012:x-Dlq.fifo";
        let arns = [("Dlq".to_owned(), arn.to_owned())].into();
        let attributes: BTreeMap<String, String> =
            queue_attributes(&queue("Q", true, Some("Dlq")), &arns)
                .unwrap()
                .into_iter()
                .map(|(k, v)| (k.as_str().to_owned(), v))
                .collect();
        let policy: serde_json::Value = serde_json::from_str(&attributes["RedrivePolicy"]).unwrap();
        assert_eq!(
            policy,
            serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": 5})
        );
        assert_eq!(attributes["FifoQueue"], "true");
        assert_eq!(attributes["ContentBasedDeduplication"], "true");
        assert_eq!(attributes["VisibilityTimeout"], "180");
        assert_eq!(attributes["DelaySeconds"], "0");
        assert!(!attributes.contains_key("MessageRetentionPeriod"));
        // A standard queue gets no FIFO attributes (SQS refuses them).
        let standard = queue_attributes(&queue("S", false, None), &arns).unwrap();
        assert!(standard.iter().all(|(k, _)| !matches!(
            k,
            QueueAttributeName::FifoQueue | QueueAttributeName::ContentBasedDeduplication
        )));
        assert!(queue_attributes(&queue("Q", true, Some("Missing")), &arns).is_err());
    }
}
