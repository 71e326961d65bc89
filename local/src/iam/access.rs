//! What an AWS request asks to do: the action(s) and resource(s) (item by item for DynamoDB
//! transactions and batches), read from its headers and body.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::*;

pub(crate) fn amz_target(headers: &http::HeaderMap) -> Option<&str> {
    headers.get("x-amz-target").and_then(|v| v.to_str().ok())
}

/// The AWS service a request is for: its SigV4 credential scope, else DynamoDB's target header.
pub(crate) fn service_of(headers: &http::HeaderMap) -> Option<String> {
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

pub(crate) fn attribute_string(v: &Json) -> Option<String> {
    v.get("S")
        .or_else(|| v.get("N"))
        .or_else(|| v.get("B"))
        .and_then(Json::as_str)
        .map(str::to_owned)
}

/// The partition key value a `KeyConditionExpression` pins, e.g. `pk = :pk AND begins_with(...)`.
pub(crate) fn query_partition_value(body: &Json, partition_key: &str) -> Option<String> {
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

pub(crate) fn dynamodb_accesses(op: &str, body: &Json, names: &Names) -> Vec<Access> {
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

pub(crate) fn query_params(body: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The IAM action an SQS operation is authorised as: a batch as its single-message operation
/// (there is no `sqs:SendMessageBatch` action; `sqs:SendMessage` allows the batch).
pub(crate) fn sqs_action(op: &str) -> &str {
    match op {
        "SendMessageBatch" => "SendMessage",
        "DeleteMessageBatch" => "DeleteMessage",
        "ChangeMessageVisibilityBatch" => "ChangeMessageVisibility",
        other => other,
    }
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
                action: format!("sqs:{}", sqs_action(&op)),
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
            let mut accesses = vec![Access {
                action: format!("{prefix}:{op}"),
                resource,
                leading_keys: vec![],
            }];
            // Email sent through a configuration set is authorised on it too.
            if let Some(set) = p.get("ConfigurationSetName").filter(|_| prefix == "ses") {
                accesses.push(Access {
                    action: format!("ses:{op}"),
                    resource: format!("arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/{set}"),
                    leading_keys: vec![],
                });
            }
            Some(accesses)
        }
        "secretsmanager" => {
            let op = target?.rsplit('.').next()?;
            let json: Json = serde_json::from_slice(body).ok()?;
            let id = json
                .get("SecretId")
                .or_else(|| json.get("Name"))
                .and_then(Json::as_str);
            // A name stands for the secret's ARN (AWS appends six random characters to it,
            // which policies cover with a trailing `*`); GetRandomPassword has no resource.
            let resource = match id {
                None => "*".to_owned(),
                Some(arn) if arn.starts_with("arn:") => arn.to_owned(),
                Some(name) => {
                    format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf")
                }
            };
            Some(vec![Access {
                action: format!("secretsmanager:{op}"),
                resource,
                leading_keys: vec![],
            }])
        }
        "events" => {
            let op = target?.rsplit('.').next()?;
            let json: Json = serde_json::from_slice(body).ok()?;
            Some(events_accesses(op, &json))
        }
        _ => None,
    }
}

/// What an EventBridge call asks IAM for: each `PutEvents` entry on its bus; a connection, API
/// destination or rule (on its bus) by name; and passing the role a target names.
fn events_accesses(op: &str, json: &Json) -> Vec<Access> {
    let text = |v: &Json, k: &str| {
        v.get(k)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let arn = |kind: &str, name: &str| format!("arn:aws:events:{REGION}:{ACCOUNT}:{kind}/{name}");
    let bus = || match text(json, "EventBusName") {
        b if b.is_empty() => "default".to_owned(),
        b => b.rsplit('/').next().unwrap_or_default().to_owned(),
    };
    let access = |resource: String| Access {
        action: format!("events:{op}"),
        resource,
        leading_keys: vec![],
    };
    match op {
        "PutEvents" => json
            .get("Entries")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(|e| match text(e, "EventBusName") {
                b if b.starts_with("arn:") => access(b),
                b if b.is_empty() => access(bus_arn("default")),
                b => access(bus_arn(&b)),
            })
            .collect(),
        "CreateConnection" | "UpdateConnection" | "DeleteConnection" | "DescribeConnection" => {
            vec![access(arn("connection", &text(json, "Name")))]
        }
        "CreateApiDestination"
        | "UpdateApiDestination"
        | "DeleteApiDestination"
        | "DescribeApiDestination" => vec![access(arn("api-destination", &text(json, "Name")))],
        "PutRule" | "DescribeRule" | "DeleteRule" => {
            vec![access(arn(
                "rule",
                &format!("{}/{}", bus(), text(json, "Name")),
            ))]
        }
        "PutTargets" | "RemoveTargets" => {
            let mut all = vec![access(arn(
                "rule",
                &format!("{}/{}", bus(), text(json, "Rule")),
            ))];
            for t in json
                .get("Targets")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(role) = t.get("RoleArn").and_then(Json::as_str) {
                    all.push(Access {
                        action: "iam:PassRole".into(),
                        resource: role.to_owned(),
                        leading_keys: vec![],
                    });
                }
            }
            all
        }
        _ => vec![access("*".to_owned())],
    }
}
