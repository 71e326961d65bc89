//! The DynamoDB Streams event source mapping, played locally as Lambda's behaves: polls
//! DynamoDB Local's stream (again at once while records keep coming), applies the mapping's
//! filter criteria first and fills batches of up to `BatchSize` from what passes, waits up to
//! `MaximumBatchingWindowInSeconds` for a batch to fill, runs up to `ParallelizationFactor`
//! batches of a shard at once (an item's records always in one lane, in order), invokes the
//! function in Lambda's event shape, honours `ReportBatchItemFailures` (retry from the first
//! failed record), and after `MaximumRetryAttempts` (when not -1) sends the failing record to
//! the on-failure SQS queue and moves on.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Result};
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use futures_util::future::BoxFuture;
use serde_json::{json, Value};
use tracing::{debug, warn};

use crate::template::StreamSourceDef;

/// Invokes the target function with an event; `Err` is a function error.
pub type Invoke = Arc<dyn Fn(Value) -> BoxFuture<'static, Result<Value, String>> + Send + Sync>;

/// The pause between polls of a stream that had nothing new.
const POLL_INTERVAL: Duration = Duration::from_millis(150);
/// Records read per GetRecords call (the API's maximum).
const READ_LIMIT: i32 = 1000;

/// Where the mapping is in one shard.
#[derive(Debug, Default)]
pub struct ShardCursor {
    iterator: Option<String>,
    last_sequence: Option<String>,
    /// The iterator ran out (the shard was closed, or DynamoDB Local ended it).
    drained: bool,
    /// Records that passed the filters, read but not delivered yet (the batching window).
    pending: Vec<Value>,
    pending_since: Option<std::time::Instant>,
}

pub struct StreamMapping {
    pub function: String,
    pub table_name: String,
    pub source: StreamSourceDef,
    pub invoke: Invoke,
    pub on_failure_queue_url: Option<String>,
    pub region: String,
}

/// Does `value` match an EventBridge-style pattern (objects nest, arrays list allowed values)?
pub fn matches(pattern: &Value, value: &Value) -> bool {
    match pattern {
        Value::Object(p) => p
            .iter()
            .all(|(k, sub)| value.get(k).is_some_and(|v| matches(sub, v))),
        Value::Array(allowed) => allowed.iter().any(|a| a == value),
        other => other == value,
    }
}

fn record_json(r: &Record, stream_arn: &str, region: &str) -> Value {
    let image = |m: Option<
        &std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
    >| {
        m.map(|m| {
            let item: serde_dynamo::Item = m.clone().into();
            serde_json::to_value(item).unwrap_or(Value::Null)
        })
    };
    let d = r.dynamodb();
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": d.and_then(|d| d.approximate_creation_date_time()).map(|t| t.secs()),
        "Keys": image(d.and_then(|d| d.keys.as_ref())),
        "SequenceNumber": d.and_then(|d| d.sequence_number()),
        "SizeBytes": d.and_then(|d| d.size_bytes()),
        "StreamViewType": d.and_then(|d| d.stream_view_type()).map(|v| v.as_str()),
    });
    if let Some(img) = image(d.and_then(|d| d.new_image.as_ref())) {
        dynamodb["NewImage"] = img;
    }
    if let Some(img) = image(d.and_then(|d| d.old_image.as_ref())) {
        dynamodb["OldImage"] = img;
    }
    json!({
        "eventID": r.event_id(),
        "eventName": r.event_name().map(|e| e.as_str()),
        "eventVersion": r.event_version(),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    })
}

impl StreamMapping {
    /// Runs until the task is aborted.
    pub async fn run(
        self,
        ddb: aws_sdk_dynamodb::Client,
        streams: aws_sdk_dynamodbstreams::Client,
        sqs: aws_sdk_sqs::Client,
    ) {
        let mut shards: BTreeMap<String, ShardCursor> = BTreeMap::new();
        let mut stream_arn = String::new();
        let mut since_describe = u32::MAX;
        loop {
            match self
                .poll_once(
                    &ddb,
                    &streams,
                    &sqs,
                    &mut shards,
                    &mut stream_arn,
                    &mut since_describe,
                )
                .await
            {
                // Records keep coming: read on at once, as Lambda's pollers do.
                Ok(read) if read > 0 => continue,
                Ok(_) => {}
                Err(e) => {
                    warn!(function = %self.function, error = %e, "stream poll failed; retrying")
                }
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    async fn poll_once(
        &self,
        ddb: &aws_sdk_dynamodb::Client,
        streams: &aws_sdk_dynamodbstreams::Client,
        sqs: &aws_sdk_sqs::Client,
        shards: &mut BTreeMap<String, ShardCursor>,
        stream_arn: &mut String,
        since_describe: &mut u32,
    ) -> Result<usize> {
        // Discover shards until there is an open one, then about once a second: DynamoDB Local
        // opens a table's first shard with its first write, and shards roll over time.
        let open = shards.values().any(|c| c.iterator.is_some());
        if !open
            || *since_describe > 6
            || shards.values().any(|c| c.iterator.is_none() && !c.drained)
        {
            *since_describe = 0;
            let table = ddb
                .describe_table()
                .table_name(&self.table_name)
                .send()
                .await
                .map_err(|e| anyhow!("DescribeTable: {}", DisplayErrorContext(e)))?;
            *stream_arn = table
                .table()
                .and_then(|t| t.latest_stream_arn())
                .ok_or_else(|| anyhow!("table {} has no stream", self.table_name))?
                .to_owned();
            let desc = streams
                .describe_stream()
                .stream_arn(stream_arn.as_str())
                .send()
                .await
                .map_err(|e| anyhow!("DescribeStream: {}", DisplayErrorContext(e)))?;
            for shard in desc
                .stream_description()
                .map(|d| d.shards())
                .unwrap_or_default()
            {
                let Some(id) = shard.shard_id() else { continue };
                let closed = shard
                    .sequence_number_range()
                    .and_then(|r| r.ending_sequence_number())
                    .is_some();
                let cursor = shards.entry(id.to_owned()).or_default();
                if cursor.iterator.is_some() || (closed && cursor.drained) {
                    continue;
                }
                // A new shard from its start; a shard whose iterator ran out, after the last
                // record read (an open shard can still grow).
                let req = streams
                    .get_shard_iterator()
                    .stream_arn(stream_arn.as_str())
                    .shard_id(id);
                let req = match &cursor.last_sequence {
                    Some(seq) => req
                        .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                        .sequence_number(seq),
                    None => req.shard_iterator_type(ShardIteratorType::TrimHorizon),
                };
                cursor.iterator = req
                    .send()
                    .await
                    .map_err(|e| anyhow!("GetShardIterator: {}", DisplayErrorContext(e)))?
                    .shard_iterator;
            }
        }
        *since_describe = since_describe.saturating_add(1);
        let mut read = 0;
        for (shard, cursor) in shards.iter_mut() {
            let Some(it) = cursor.iterator.clone() else {
                continue;
            };
            let out = match streams
                .get_records()
                .shard_iterator(it)
                .limit(READ_LIMIT)
                .send()
                .await
            {
                Ok(out) => out,
                // DynamoDB Local answers a TRIM_HORIZON iterator taken before the shard's first
                // record this way, and iterators expire: take a fresh one at the next describe
                // (after the last record read, so nothing is skipped or repeated).
                Err(e)
                    if matches!(
                        e.as_service_error().and_then(|se| se.meta().code()),
                        Some("TrimmedDataAccessException" | "ExpiredIteratorException")
                    ) =>
                {
                    cursor.iterator = None;
                    cursor.drained = false;
                    *since_describe = u32::MAX - 1;
                    continue;
                }
                Err(e) => return Err(anyhow!("GetRecords: {}", DisplayErrorContext(e))),
            };
            cursor.iterator = out.next_shard_iterator.clone();
            cursor.drained = cursor.iterator.is_none();
            if let Some(last) = out
                .records()
                .last()
                .and_then(|r| r.dynamodb())
                .and_then(|d| d.sequence_number())
            {
                cursor.last_sequence = Some(last.to_owned());
            }
            read += out.records().len();
            // Filter first, then batch what passed (Lambda's order).
            let passed = out
                .records()
                .iter()
                .map(|r| record_json(r, stream_arn, &self.region))
                .filter(|r| {
                    self.source.filters.is_empty()
                        || self.source.filters.iter().any(|p| matches(p, r))
                });
            cursor.pending.extend(passed);
            if cursor.pending.is_empty() {
                continue;
            }
            let since = *cursor
                .pending_since
                .get_or_insert_with(std::time::Instant::now);
            let full = cursor.pending.len() >= self.source.batch_size;
            if full || since.elapsed() >= self.source.batching_window {
                let records = std::mem::take(&mut cursor.pending);
                cursor.pending_since = None;
                debug!(function = %self.function, shard, count = records.len(), "delivering stream records");
                self.deliver_in_lanes(records, sqs).await;
            }
        }
        Ok(read)
    }

    /// Delivers a shard's records in batches of up to `BatchSize`, up to
    /// `ParallelizationFactor` batches at once: each item's records (by partition key) stay in
    /// one lane, in stream order. Returns when every record was processed or set aside.
    async fn deliver_in_lanes(&self, records: Vec<Value>, sqs: &aws_sdk_sqs::Client) {
        let lanes_n = self.source.parallelization_factor.max(1);
        let mut lanes: Vec<Vec<Value>> = vec![Vec::new(); lanes_n];
        for r in records {
            let key = r
                .pointer("/dynamodb/Keys/pk/S")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let lane = key.bytes().fold(0x811c_9dc5_u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            }) as usize
                % lanes_n;
            lanes[lane].push(r);
        }
        let size = self.source.batch_size.max(1);
        futures_util::future::join_all(lanes.into_iter().map(|lane| async move {
            let mut rest = lane;
            while !rest.is_empty() {
                let tail = rest.split_off(size.min(rest.len()));
                self.deliver(rest, sqs).await;
                rest = tail;
            }
        }))
        .await;
    }

    /// Delivers one batch with Lambda's retry semantics. Returns when every record was either
    /// processed or handed to the on-failure destination.
    async fn deliver(&self, mut pending: Vec<Value>, sqs: &aws_sdk_sqs::Client) {
        let mut attempts = 0u32;
        while !pending.is_empty() {
            let result = (self.invoke)(json!({"Records": pending})).await;
            let first_failed = match &result {
                Err(_) => Some(0),
                Ok(resp) if self.source.report_batch_item_failures => {
                    let failed: Vec<&str> = resp
                        .get("batchItemFailures")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|f| {
                                    f.get("itemIdentifier")
                                        .and_then(Value::as_str)
                                        .unwrap_or("")
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    if failed.is_empty() {
                        None
                    } else {
                        // An identifier we cannot place means the whole batch is retried.
                        Some(
                            pending
                                .iter()
                                .position(|r| {
                                    r.pointer("/dynamodb/SequenceNumber")
                                        .and_then(Value::as_str)
                                        .is_some_and(|s| failed.contains(&s))
                                })
                                .unwrap_or(0),
                        )
                    }
                }
                Ok(_) => None,
            };
            let Some(index) = first_failed else { return };
            // Records before the first failure are checkpointed; retry from the failure.
            pending.drain(..index);
            attempts += 1;
            if self
                .source
                .maximum_retry_attempts
                .is_some_and(|max| attempts > max)
            {
                let record = pending.remove(0);
                self.send_to_on_failure(&record, attempts, result.err(), sqs)
                    .await;
                attempts = 0;
            } else {
                // Growing pauses, capped so a record retried until its service is back is
                // delivered within about a second of the recovery.
                let pause = 50 * u64::from(attempts.min(20));
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
        }
    }

    async fn send_to_on_failure(
        &self,
        record: &Value,
        attempts: u32,
        error: Option<String>,
        sqs: &aws_sdk_sqs::Client,
    ) {
        let seq = record
            .pointer("/dynamodb/SequenceNumber")
            .cloned()
            .unwrap_or(Value::Null);
        warn!(function = %self.function, sequence_number = %seq, "record sent to the on-failure destination");
        let Some(url) = &self.on_failure_queue_url else {
            warn!(function = %self.function, "no on-failure destination: record skipped after retries");
            return;
        };
        // The shape of Lambda's stream invocation record, plus the record itself for replay.
        let message = json!({
            "requestContext": {"functionArn": self.function, "condition": "RetryAttemptsExhausted", "approximateInvokeCount": attempts},
            "responseContext": {"functionError": error},
            "DDBStreamBatchInfo": {
                "startSequenceNumber": seq, "endSequenceNumber": seq, "batchSize": 1,
                "streamArn": record.get("eventSourceARN"),
            },
            "record": record,
        });
        if let Err(e) = sqs
            .send_message()
            .queue_url(url)
            .message_body(message.to_string())
            .send()
            .await
        {
            warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "could not reach the on-failure queue");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;
    use serde_json::json;

    #[test]
    fn filter_patterns_match_like_lambda_filters() {
        let p = json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["booking"]}}}});
        let hit = json!({"eventName": "INSERT", "dynamodb": {"NewImage": {"entity": {"S": "booking"}, "x": {"N": "1"}}}});
        let modify =
            json!({"eventName": "MODIFY", "dynamodb": {"NewImage": {"entity": {"S": "booking"}}}});
        let lead =
            json!({"eventName": "INSERT", "dynamodb": {"NewImage": {"entity": {"S": "lead"}}}});
        assert!(matches(&p, &hit));
        assert!(!matches(&p, &modify));
        assert!(!matches(&p, &lead));
        assert!(!matches(&p, &json!({"eventName": "INSERT"})));
    }
}
