//! Creates the template's tables in DynamoDB Local and its topics in moto.

use anyhow::{anyhow, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use serde_yaml_ng::Value;

use crate::template::{Resolved, TableDef, Template};

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

/// Creates every table and topic; returns the physical names (`prefix` + logical id for
/// tables, the topic ARN for topics) for resolving `!Ref`.
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
    for queue in &template.queues {
        let name = format!("{prefix}{queue}");
        let url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "creating queue {queue}: {}",
                    aws_sdk_sqs::error::DisplayErrorContext(e)
                )
            })?
            .queue_url
            .unwrap_or_default();
        resolved.queue_urls.insert(queue.clone(), url.clone());
        let arn = format!(
            "arn:aws:sqs:{}:{}:{name}",
            crate::iam::REGION,
            crate::iam::ACCOUNT
        );
        resolved.arns.insert(queue.clone(), arn);
        resolved.names.insert(queue.clone(), url);
    }
    Ok(resolved)
}
