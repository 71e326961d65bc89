//! What each function's AWS calls amount to, counted at its proxy: requests per service and
//! operation, the messages they carry (a batch's entries, an email's recipients) and, for
//! DynamoDB, the capacity units DynamoDB Local reported. `make bench` turns these into its
//! cost table and uses the time of a function's last change to say when it caught up.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value as Json;

use super::{amz_target, query_params};

/// One service operation's count for one function.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct OperationCount {
    pub requests: u64,
    /// What the requests carried: a batch's entries, an email's recipients, else one each.
    pub messages: u64,
    /// Capacity units DynamoDB reported (DynamoDB only; with metering on, every request asks
    /// for them).
    pub capacity_units: f64,
}

/// `(service, operation)`, e.g. `("dynamodb", "Query")`, `("sns", "Publish (SMS)")`.
pub type OperationKey = (String, String);

/// One function's AWS calls since its stack started.
#[derive(Debug, Default)]
pub struct AwsUsage {
    dynamodb_requests: AtomicU64,
    /// Capacity units × 1000 (DynamoDB reports halves, so nothing is lost).
    dynamodb_milli_units: AtomicU64,
    operations: Mutex<BTreeMap<OperationKey, OperationCount>>,
    /// Capacity units by DynamoDB operation and where they were spent: `table`, or an index's
    /// name (what a GSI's projection costs).
    units_by_index: Mutex<BTreeMap<(String, String), f64>>,
    /// When the function last asked for a change (a write, a send), not a read: the schedules'
    /// empty sweeps do not make a function look busy.
    last_change: Mutex<Option<Instant>>,
}

/// A request as the proxy saw it, before it is forwarded.
pub(crate) struct Metered {
    service: String,
    pub(crate) operation: String,
    messages: u64,
}

impl AwsUsage {
    /// DynamoDB (requests, capacity units) since the stack started.
    pub fn totals(&self) -> (u64, f64) {
        (
            self.dynamodb_requests.load(Relaxed),
            self.dynamodb_milli_units.load(Relaxed) as f64 / 1000.0,
        )
    }

    /// Every operation the function called, with its counts.
    pub fn by_operation(&self) -> BTreeMap<OperationKey, OperationCount> {
        self.operations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Capacity units by (operation, `table` or index name).
    pub fn units_by_index(&self) -> BTreeMap<(String, String), f64> {
        self.units_by_index
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// When the function last asked for a change (see the field).
    pub fn last_change(&self) -> Option<Instant> {
        *self.last_change.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a request that is about to be answered (forwarded, or by the local bus).
    pub(crate) fn record_request(&self, m: &Metered) {
        if m.service == "dynamodb" {
            self.dynamodb_requests.fetch_add(1, Relaxed);
        }
        let mut ops = self.operations.lock().unwrap_or_else(|e| e.into_inner());
        let count = ops
            .entry((m.service.clone(), m.operation.clone()))
            .or_default();
        count.requests += 1;
        count.messages += m.messages;
        drop(ops);
        if !changes_nothing(&m.operation) {
            *self.last_change.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        }
    }

    /// Adds the capacity DynamoDB reported in its answer to `m`.
    pub(crate) fn record_dynamodb_answer(&self, m: &Metered, response_body: &[u8]) {
        let (units, by_index) = consumed_units(response_body);
        if units == 0.0 {
            return;
        }
        let mut spent = self
            .units_by_index
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for (index, u) in by_index {
            *spent.entry((m.operation.clone(), index)).or_default() += u;
        }
        drop(spent);
        self.dynamodb_milli_units
            .fetch_add((units * 1000.0).round() as u64, Relaxed);
        let mut ops = self.operations.lock().unwrap_or_else(|e| e.into_inner());
        ops.entry((m.service.clone(), m.operation.clone()))
            .or_default()
            .capacity_units += units;
    }
}

/// The operation a request asks for and what it carries.
pub(crate) fn metered(service: &str, headers: &http::HeaderMap, body: &[u8]) -> Metered {
    let (operation, messages) = match amz_target(headers) {
        // JSON protocols: DynamoDB, SQS, EventBridge, Secrets Manager.
        Some(target) => {
            let op = target.rsplit('.').next().unwrap_or(target).to_owned();
            let entries = serde_json::from_slice::<Json>(body)
                .ok()
                .and_then(|v| v["Entries"].as_array().map(Vec::len));
            (op, entries.unwrap_or(1) as u64)
        }
        // Query protocols: SNS, SES (and SQS's older one).
        None => {
            let params = query_params(body);
            let action = params.get("Action").cloned().unwrap_or_default();
            let batch = params.keys().filter(|k| k.ends_with(".Id")).count();
            let recipients = params
                .keys()
                .filter(|k| k.starts_with("Destination.") || k.starts_with("Destinations."))
                .count();
            if action == "Publish" && params.contains_key("PhoneNumber") {
                ("Publish (SMS)".to_owned(), 1)
            } else if action.starts_with("Send") && action.ends_with("Email") {
                (action, recipients.max(1) as u64)
            } else {
                (action, batch.max(1) as u64)
            }
        }
    };
    Metered {
        service: service.to_owned(),
        operation,
        messages,
    }
}

/// A DynamoDB request asking for its consumed capacity (`INDEXES`: the table's and each
/// index's), unless it asks already; `None` when it is not a data operation or not JSON.
pub(crate) fn asking_for_capacity(operation: &str, body: &[u8]) -> Option<Vec<u8>> {
    const DATA_OPERATIONS: &[&str] = &[
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    ];
    if !DATA_OPERATIONS.contains(&operation) {
        return None;
    }
    let mut request: serde_json::Map<String, Json> = serde_json::from_slice(body).ok()?;
    if request.contains_key("ReturnConsumedCapacity") {
        return None;
    }
    request.insert("ReturnConsumedCapacity".into(), "INDEXES".into());
    serde_json::to_vec(&request).ok()
}

/// The capacity units in a DynamoDB answer (one `ConsumedCapacity` or a list of them): the
/// total, and by `table` or index name where the request asked for `INDEXES`.
fn consumed_units(response_body: &[u8]) -> (f64, Vec<(String, f64)>) {
    let Ok(v) = serde_json::from_slice::<Json>(response_body) else {
        return (0.0, vec![]);
    };
    let consumed = match &v["ConsumedCapacity"] {
        Json::Array(list) => list.iter().collect::<Vec<_>>(),
        Json::Null => vec![],
        one => vec![one],
    };
    let mut total = 0.0;
    let mut by_index = vec![];
    for c in consumed {
        total += c["CapacityUnits"].as_f64().unwrap_or(0.0);
        if let Some(t) = c["Table"]["CapacityUnits"].as_f64() {
            by_index.push(("table".to_owned(), t));
        }
        for kind in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
            if let Some(indexes) = c[kind].as_object() {
                for (name, i) in indexes {
                    by_index.push((name.clone(), i["CapacityUnits"].as_f64().unwrap_or(0.0)));
                }
            }
        }
    }
    (total, by_index)
}

/// Operations that change nothing (a DynamoDB read's capacity units are read units; the rest
/// are write units).
pub fn changes_nothing(operation: &str) -> bool {
    [
        "Get",
        "Query",
        "Scan",
        "BatchGet",
        "TransactGet",
        "Describe",
        "List",
        "Receive",
    ]
    .iter()
    .any(|p| operation.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(target: Option<&str>) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        if let Some(t) = target {
            h.insert("x-amz-target", t.parse().unwrap());
        }
        h
    }

    #[test]
    fn names_json_operations_and_counts_a_batch_entries() {
        let m = metered(
            "sqs",
            &headers(Some("AmazonSQS.SendMessageBatch")),
            br#"{"QueueUrl":"q","Entries":[{"Id":"1"},{"Id":"2"},{"Id":"3"}]}"#,
        );
        assert_eq!((m.operation.as_str(), m.messages), ("SendMessageBatch", 3));
        let m = metered(
            "dynamodb",
            &headers(Some("DynamoDB_20120810.Query")),
            br#"{"TableName":"t"}"#,
        );
        assert_eq!((m.operation.as_str(), m.messages), ("Query", 1));
    }

    #[test]
    fn tells_a_text_message_from_a_topic_publish_and_counts_email_recipients() {
        let sms = metered(
            "sns",
            &headers(None),
            b"Action=Publish&PhoneNumber=%2B15125550100",
        );
        let topic = metered("sns", &headers(None), b"Action=Publish&TopicArn=arn");
        let email = metered(
            "ses",
            &headers(None),
            b"Action=SendEmail&Destination.ToAddresses.member.1=a%40x.com&Destination.ToAddresses.member.2=b%40x.com",
        );
        assert_eq!(sms.operation, "Publish (SMS)");
        assert_eq!(topic.operation, "Publish");
        assert_eq!((email.operation.as_str(), email.messages), ("SendEmail", 2));
    }

    #[test]
    fn asks_for_capacity_only_where_the_request_did_not() {
        let asked = asking_for_capacity("PutItem", br#"{"TableName":"t"}"#).unwrap();
        let asked: Json = serde_json::from_slice(&asked).unwrap();
        assert_eq!(asked["ReturnConsumedCapacity"], "INDEXES");
        assert!(asking_for_capacity(
            "Query",
            br#"{"TableName":"t","ReturnConsumedCapacity":"TOTAL"}"#
        )
        .is_none());
        assert!(asking_for_capacity("DescribeTable", br#"{"TableName":"t"}"#).is_none());
    }

    #[test]
    fn a_read_leaves_the_last_change_alone() {
        let usage = AwsUsage::default();
        let read = metered("dynamodb", &headers(Some("DynamoDB_20120810.Query")), b"{}");
        usage.record_request(&read);
        assert!(usage.last_change().is_none());
        let write = metered(
            "dynamodb",
            &headers(Some("DynamoDB_20120810.PutItem")),
            b"{}",
        );
        usage.record_request(&write);
        usage.record_dynamodb_answer(
            &write,
            br#"{"ConsumedCapacity":{"CapacityUnits":2.0,"Table":{"CapacityUnits":1.0},"GlobalSecondaryIndexes":{"ByTab":{"CapacityUnits":1.0}}}}"#,
        );
        let spent = usage.units_by_index();
        assert_eq!(spent[&("PutItem".into(), "ByTab".into())], 1.0);
        assert_eq!(spent[&("PutItem".into(), "table".into())], 1.0);
        assert!(usage.last_change().is_some());
        assert_eq!(usage.totals(), (2, 2.0));
        let ops = usage.by_operation();
        assert_eq!(
            ops[&("dynamodb".into(), "PutItem".into())].capacity_units,
            2.0
        );
    }
}
