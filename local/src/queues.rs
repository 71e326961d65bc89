//! The SQS event source mapping, played locally as Lambda's behaves: receives from the queue
//! in moto (up to 10 messages a call, gathering several calls up to `BatchSize` within
//! `MaximumBatchingWindowInSeconds`), runs up to the function's local concurrency of batches at
//! once (capped by `ScalingConfig.MaximumConcurrency`), invokes the function in Lambda's SQS
//! event shape, and deletes what succeeded: the whole batch, or with `ReportBatchItemFailures`
//! all but the messages the function names. A message not deleted is left to SQS (here moto):
//! it comes back after the queue's visibility timeout, and once received `maxReceiveCount`
//! times it is moved to the queue's dead-letter queue (moto moves it at the next receive, as
//! SQS does). For a FIFO queue moto withholds a message group while any of its messages is in
//! flight, as SQS does, so a group's messages reach the function one batch at a time, in order,
//! however many batches are in flight (with two workarounds for moto: `QueueMapping::run` and
//! `held_behind` say which). Messages no `FilterCriteria` pattern matches are deleted without
//! invoking the function, as Lambda does. Neither the messages nor the function's answers are
//! logged: they can hold phone numbers.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::primitives::Blob;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName,
};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use tracing::{debug, warn};

use crate::streams::{matches, Invoke};
use crate::template::QueueSourceDef;

/// Messages per ReceiveMessage and per DeleteMessageBatch (the APIs' maximum).
const CALL_LIMIT: usize = 10;
/// The long poll: moto answers as soon as a message is sent, else after this.
const LONG_POLL_SECONDS: i32 = 1;
/// The pause between short polls that found nothing. moto's long poll of a FIFO queue wakes on
/// any visible message, those of a group it withholds (one with messages in flight) included,
/// and then spins until the poll is over: while a FIFO queue has visible messages none of
/// which was received, it is polled without waiting, with this pause between polls.
const SHORT_POLL_INTERVAL: Duration = Duration::from_millis(150);
/// How often a mapping in short polls looks again whether its FIFO queue still withholds
/// messages.
const WITHHELD_CHECK: Duration = Duration::from_secs(1);
/// The pause after a failed poll (moto not reachable, the queue gone) before the next.
const ERROR_PAUSE: Duration = Duration::from_secs(1);

pub struct QueueMapping {
    /// The function's logical id (for logs).
    pub function: String,
    pub queue_url: String,
    /// `eventSourceARN` of every record.
    pub queue_arn: String,
    pub source: QueueSourceDef,
    pub invoke: Invoke,
    /// The function's local concurrency (its pool's execution environments): batches in flight
    /// at once, unless `ScalingConfig.MaximumConcurrency` is lower.
    pub concurrency: usize,
    pub region: String,
}

/// A message as Lambda puts it in an SQS event's `Records`.
pub fn record_json(m: &Message, queue_arn: &str, region: &str) -> Value {
    let attributes: Map<String, Value> = m
        .attributes()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
        .collect();
    let message_attributes: Map<String, Value> = m
        .message_attributes()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), message_attribute_json(v)))
        .collect();
    let mut record = json!({
        "messageId": m.message_id(),
        "receiptHandle": m.receipt_handle(),
        "body": m.body(),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": m.md5_of_body(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    });
    if let Some(md5) = m.md5_of_message_attributes() {
        record["md5OfMessageAttributes"] = md5.into();
    }
    record
}

/// A message attribute in Lambda's shape (camel case, binary values in base64).
fn message_attribute_json(v: &MessageAttributeValue) -> Value {
    let b64 = |b: &Blob| base64::engine::general_purpose::STANDARD.encode(b.as_ref());
    let mut a = json!({
        "stringListValues": v.string_list_values(),
        "binaryListValues": v.binary_list_values().iter().map(b64).collect::<Vec<_>>(),
        "dataType": v.data_type(),
    });
    if let Some(s) = v.string_value() {
        a["stringValue"] = s.into();
    }
    if let Some(b) = v.binary_value() {
        a["binaryValue"] = b64(b).into();
    }
    a
}

/// Which messages of a delivered batch Lambda deletes, by index. A function error: none. A
/// success: all, unless the mapping has `ReportBatchItemFailures`, when the answer's
/// `batchItemFailures[].itemIdentifier`s stay on the queue; an answer without the list (or
/// `null`, or an empty list) is a complete success, and an answer Lambda cannot read as one
/// (not an object, an entry without an identifier, an empty one or one naming no message of
/// the batch) is a complete failure.
pub fn to_delete(
    message_ids: &[&str],
    result: &Result<Value, String>,
    report_batch_item_failures: bool,
) -> Vec<usize> {
    let all = || (0..message_ids.len()).collect();
    let answer = match result {
        Err(_) => return vec![],
        Ok(_) if !report_batch_item_failures => return all(),
        Ok(answer) => answer,
    };
    let failures = match answer {
        Value::Null => return all(),
        Value::Object(o) => match o.get("batchItemFailures") {
            None | Some(Value::Null) => return all(),
            Some(Value::Array(failures)) => failures,
            Some(_) => return vec![],
        },
        _ => return vec![],
    };
    let mut failed = BTreeSet::new();
    for f in failures {
        match f.get("itemIdentifier").and_then(Value::as_str) {
            Some(id) if !id.is_empty() && message_ids.contains(&id) => {
                failed.insert(id);
            }
            _ => return vec![],
        }
    }
    (0..message_ids.len())
        .filter(|&i| !failed.contains(message_ids[i]))
        .collect()
}

/// Of a FIFO batch's messages that stay on the queue (all but `deleted`, by index), those behind
/// another of their group: every one after the first of each group.
///
/// SQS returns a group's failed messages in order once the first one's visibility timeout is
/// over. moto returns the group's last message first when several of its messages become
/// visible in the same receive (each one it finds visible again leaves the in-flight set in
/// turn, and only the last finds its group free), and holds the others back until that one is
/// deleted. The mapping therefore makes those behind the first visible at once: the group stays
/// withheld while its first message is in flight, and when that one is visible again moto
/// returns them all, in order, as SQS does.
pub fn held_behind(groups: &[Option<&str>], deleted: &[usize]) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    (0..groups.len())
        .filter(|i| !deleted.contains(i))
        .filter(|&i| match groups[i] {
            Some(g) => !seen.insert(g),
            None => false,
        })
        .collect()
}

/// A record as filter patterns see it: a body that is JSON is matched as JSON.
fn filter_view(record: &Value) -> Value {
    let mut view = record.clone();
    if let Some(parsed) = record["body"]
        .as_str()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
    {
        view["body"] = parsed;
    }
    view
}

impl QueueMapping {
    /// Batches in flight at once: the function's local concurrency, capped by
    /// `ScalingConfig.MaximumConcurrency`.
    pub fn max_batches(&self) -> usize {
        let n = self.concurrency.max(1);
        self.source.maximum_concurrency.map_or(n, |max| n.min(max))
    }

    /// AWS requires a FIFO queue's name to end in `.fifo`.
    fn fifo(&self) -> bool {
        self.queue_url.ends_with(".fifo")
    }

    /// Runs until the task is aborted (a disabled mapping returns at once), its deliveries
    /// with it.
    ///
    /// One receiver gathers the batches, each once a delivery slot is free (a message is not
    /// received before it can be delivered, so its visibility timeout is the function's), and
    /// up to `max_batches` deliveries run at once. One receiver, not several: moto's long poll
    /// decides which FIFO groups it withholds when the poll starts, so a second poller waiting
    /// while the first takes a group's messages could take that group's later ones, out of
    /// order. With a batching window, the next batch starts gathering once this one is full or
    /// its window over (Lambda's pollers gather several at once).
    pub async fn run(self, sqs: aws_sdk_sqs::Client) {
        if !self.source.enabled {
            debug!(function = %self.function, queue = %self.queue_arn, "SQS event source disabled");
            return;
        }
        let mapping = Arc::new(self);
        let slots = Arc::new(tokio::sync::Semaphore::new(mapping.max_batches()));
        // Dropped with this future when the task is aborted, aborting the deliveries.
        let mut deliveries = tokio::task::JoinSet::new();
        let fifo = mapping.fifo();
        // FIFO only: polling without waiting while the queue withholds messages.
        let mut short_polls = false;
        let mut checked = Instant::now();
        loop {
            while deliveries.try_join_next().is_some() {}
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            let wait = if short_polls { 0 } else { LONG_POLL_SECONDS };
            match mapping.gather(&sqs, wait).await {
                Ok(batch) if batch.is_empty() => {
                    drop(slot);
                    if fifo && (!short_polls || checked.elapsed() >= WITHHELD_CHECK) {
                        short_polls = mapping.withholds(&sqs).await;
                        checked = Instant::now();
                    }
                    if short_polls {
                        tokio::time::sleep(SHORT_POLL_INTERVAL).await;
                    }
                }
                Ok(batch) => {
                    let (mapping, sqs) = (mapping.clone(), sqs.clone());
                    deliveries.spawn(async move {
                        mapping.deliver(batch, &sqs).await;
                        drop(slot);
                    });
                }
                Err(e) => {
                    drop(slot);
                    warn!(function = %mapping.function, queue = %mapping.queue_arn, error = %e, "queue poll failed; retrying");
                    tokio::time::sleep(ERROR_PAUSE).await;
                }
            }
        }
    }

    /// Whether the queue has visible messages (after a receive that got none of them: a FIFO
    /// queue's groups with messages in flight).
    async fn withholds(&self, sqs: &aws_sdk_sqs::Client) -> bool {
        let visible = sqs
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .ok()
            .and_then(|out| {
                out.attributes?
                    .get(&QueueAttributeName::ApproximateNumberOfMessages)?
                    .parse::<u64>()
                    .ok()
            });
        visible.is_some_and(|n| n > 0)
    }

    async fn receive(
        &self,
        sqs: &aws_sdk_sqs::Client,
        max: usize,
        wait_seconds: i32,
    ) -> Result<Vec<Message>> {
        let out = sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(max.clamp(1, CALL_LIMIT) as i32)
            .wait_time_seconds(wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| anyhow!("ReceiveMessage: {}", DisplayErrorContext(e)))?;
        Ok(out.messages.unwrap_or_default())
    }

    /// Receives up to `BatchSize` messages, the first receive waiting up to `first_wait`
    /// seconds: what one receive returns without a batching window, else receives until the
    /// batch is full or the window (from the first message) is over. Messages no filter matches
    /// are deleted on the way. Empty when the queue had nothing.
    async fn gather(&self, sqs: &aws_sdk_sqs::Client, first_wait: i32) -> Result<Vec<Message>> {
        let size = self.source.batch_size.max(1);
        let window = self.source.batching_window;
        let mut batch: Vec<Message> = Vec::new();
        let mut deadline: Option<Instant> = None;
        let mut positions: HashMap<String, usize> = HashMap::new();
        loop {
            let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            // A long poll only when it cannot outlast the window.
            let wait = match remaining {
                None => first_wait,
                Some(r) if r < Duration::from_secs(1) => 0,
                Some(_) => LONG_POLL_SECONDS,
            };
            let received = match self.receive(sqs, size - batch.len(), wait).await {
                Ok(received) => received,
                // What was gathered is delivered; the rest is polled again.
                Err(e) if !batch.is_empty() => {
                    warn!(function = %self.function, queue = %self.queue_arn, error = %e, "queue poll failed; delivering what was gathered");
                    return Ok(batch);
                }
                Err(e) => return Err(e),
            };
            let got_any = !received.is_empty();
            // A message received again while the batch gathers (the window outlasted the
            // visibility timeout) is in it once, with its latest receipt handle.
            for m in self.filtered(received, sqs).await {
                let id = m.message_id().unwrap_or_default().to_owned();
                match positions.get(&id) {
                    Some(&i) => batch[i] = m,
                    None => {
                        positions.insert(id, batch.len());
                        batch.push(m);
                    }
                }
            }
            if batch.is_empty() && deadline.is_none() {
                return Ok(batch);
            }
            if batch.len() >= size || window.is_zero() {
                return Ok(batch);
            }
            let deadline = *deadline.get_or_insert_with(|| Instant::now() + window);
            let now = Instant::now();
            if now >= deadline {
                return Ok(batch);
            }
            if !got_any && wait == 0 {
                tokio::time::sleep(SHORT_POLL_INTERVAL.min(deadline - now)).await;
            }
        }
    }

    /// The messages that pass the mapping's filters; the others are deleted, as Lambda does.
    async fn filtered(&self, received: Vec<Message>, sqs: &aws_sdk_sqs::Client) -> Vec<Message> {
        if self.source.filters.is_empty() || received.is_empty() {
            return received;
        }
        let (pass, drop): (Vec<Message>, Vec<Message>) = received.into_iter().partition(|m| {
            let view = filter_view(&record_json(m, &self.queue_arn, &self.region));
            self.source.filters.iter().any(|p| matches(p, &view))
        });
        if !drop.is_empty() {
            debug!(function = %self.function, count = drop.len(), "deleting messages no filter matches");
            self.delete(&drop.iter().collect::<Vec<_>>(), sqs).await;
        }
        pass
    }

    /// Invokes the function with one batch and deletes what Lambda would (`to_delete`).
    async fn deliver(&self, batch: Vec<Message>, sqs: &aws_sdk_sqs::Client) {
        let records: Vec<Value> = batch
            .iter()
            .map(|m| record_json(m, &self.queue_arn, &self.region))
            .collect();
        debug!(function = %self.function, queue = %self.queue_arn, count = batch.len(), "delivering queue messages");
        let result = (self.invoke)(json!({ "Records": records })).await;
        let ids: Vec<&str> = batch
            .iter()
            .map(|m| m.message_id().unwrap_or_default())
            .collect();
        let deleted = to_delete(&ids, &result, self.source.report_batch_item_failures);
        let kept = batch.len() - deleted.len();
        match &result {
            // The error's type only: its message can quote the messages' contents.
            Err(e) => {
                let error_type = serde_json::from_str::<Value>(e)
                    .ok()
                    .and_then(|v| v["errorType"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| "unknown".into());
                warn!(function = %self.function, queue = %self.queue_arn, count = batch.len(), error_type, "function error: the batch returns after the visibility timeout");
            }
            Ok(_) if kept > 0 => {
                warn!(function = %self.function, queue = %self.queue_arn, failed = kept, count = batch.len(), "messages failed: they return after the visibility timeout");
            }
            Ok(_) => {}
        }
        if self.fifo() {
            let groups: Vec<Option<&str>> = batch
                .iter()
                .map(|m| {
                    m.attributes()
                        .and_then(|a| a.get(&MessageSystemAttributeName::MessageGroupId))
                        .map(String::as_str)
                })
                .collect();
            let behind: Vec<&Message> = held_behind(&groups, &deleted)
                .into_iter()
                .map(|i| &batch[i])
                .collect();
            self.make_visible(&behind, sqs).await;
        }
        let to_delete: Vec<&Message> = deleted.into_iter().map(|i| &batch[i]).collect();
        self.delete(&to_delete, sqs).await;
    }

    /// Makes messages visible at once (`ChangeMessageVisibilityBatch` to 0), ten per call.
    async fn make_visible(&self, messages: &[&Message], sqs: &aws_sdk_sqs::Client) {
        for chunk in messages.chunks(CALL_LIMIT) {
            let entries: Vec<ChangeMessageVisibilityBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(m.receipt_handle()?)
                        .visibility_timeout(0)
                        .build()
                        .ok()
                })
                .collect();
            if entries.is_empty() {
                continue;
            }
            if let Err(e) = sqs
                .change_message_visibility_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                warn!(function = %self.function, queue = %self.queue_arn, error = %DisplayErrorContext(e), "ChangeMessageVisibilityBatch failed: a group's failed messages may come back out of order");
            }
        }
    }

    /// Deletes messages by their receipt handles, ten per call.
    async fn delete(&self, messages: &[&Message], sqs: &aws_sdk_sqs::Client) {
        for chunk in messages.chunks(CALL_LIMIT) {
            let entries: Vec<DeleteMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(m.receipt_handle()?)
                        .build()
                        .ok()
                })
                .collect();
            if entries.is_empty() {
                continue;
            }
            match sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(out) => {
                    for f in out.failed() {
                        warn!(function = %self.function, queue = %self.queue_arn, code = f.code(), "a processed message could not be deleted: it will be delivered again");
                    }
                }
                Err(e) => {
                    warn!(function = %self.function, queue = %self.queue_arn, error = %DisplayErrorContext(e), "DeleteMessageBatch failed: the batch will be delivered again");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str) -> Message {
        Message::builder()
            .message_id(id)
            .receipt_handle(format!("rh-{id}"))
            .body("{\"kind\":\"reminder\"}")
            .md5_of_body("0f")
            .build()
    }

    #[test]
    fn records_have_lambdas_sqs_event_shape() {
        let m = Message::builder()
            .message_id("059f36b4-87a3-44ab-83d2-661975830a7d")
            .receipt_handle("AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a")
            .body("Test message.")
            .md5_of_body("e4e68fb7bd0e697a0ae8f1bb342846b3")
            .attributes(MessageSystemAttributeName::ApproximateReceiveCount, "1")
            .attributes(MessageSystemAttributeName::SentTimestamp, "1545082649183")
            .attributes(
                MessageSystemAttributeName::SenderId,
                "AIDAIENQZJOLO23YVJ4VO",
            )
            .attributes(
                MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
                "1545082649185",
            )
            .attributes(MessageSystemAttributeName::MessageGroupId, "lead-1")
            .attributes(MessageSystemAttributeName::MessageDeduplicationId, "d-1")
            .attributes(
                MessageSystemAttributeName::SequenceNumber,
                "18849496460467696128",
            )
            .message_attributes(
                "tenant",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("t-1")
                    .build()
                    .unwrap(),
            )
            .message_attributes(
                "raw",
                MessageAttributeValue::builder()
                    .data_type("Binary")
                    .binary_value(Blob::new(b"hi".to_vec()))
                    .build()
                    .unwrap(),
            )
            .md5_of_message_attributes("aa")
            .build();
        let arn = "arn:aws:sqs:us-east-1:123456789012:x-Q.fifo";
        let r = record_json(&m, arn, "us-east-1");
        assert_eq!(
            r,
            json!({
                "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
                "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                "body": "Test message.",
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1545082649183",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082649185",
                    "MessageGroupId": "lead-1",
                    "MessageDeduplicationId": "d-1",
                    "SequenceNumber": "18849496460467696128",
                },
                "messageAttributes": {
                    "tenant": {"stringValue": "t-1", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
                    "raw": {"binaryValue": "aGk=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
                },
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "md5OfMessageAttributes": "aa",
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            })
        );
        // A message without attributes still has both maps, as Lambda sends them.
        let plain = record_json(&message("m"), arn, "us-east-1");
        assert_eq!(plain["attributes"], json!({}));
        assert_eq!(plain["messageAttributes"], json!({}));
        assert!(plain.get("md5OfMessageAttributes").is_none());
    }

    #[test]
    fn what_is_deleted_follows_lambdas_batch_rules() {
        let ids = ["a", "b", "c"];
        let ok = |v: Value| Ok::<Value, String>(v);
        // A function error keeps the whole batch; a success without item failures deletes it.
        assert_eq!(
            to_delete(&ids, &Err("boom".into()), true),
            Vec::<usize>::new()
        );
        assert_eq!(
            to_delete(&ids, &Err("boom".into()), false),
            Vec::<usize>::new()
        );
        assert_eq!(to_delete(&ids, &ok(Value::Null), false), vec![0, 1, 2]);
        // Without ReportBatchItemFailures the answer is not read.
        let b_failed = json!({"batchItemFailures": [{"itemIdentifier": "b"}]});
        assert_eq!(to_delete(&ids, &ok(b_failed.clone()), false), vec![0, 1, 2]);
        // With it: the named messages stay.
        assert_eq!(to_delete(&ids, &ok(b_failed), true), vec![0, 2]);
        let two = json!({"batchItemFailures": [{"itemIdentifier": "c"}, {"itemIdentifier": "a"}]});
        assert_eq!(to_delete(&ids, &ok(two), true), vec![1]);
        // Complete successes.
        for answer in [
            Value::Null,
            json!({}),
            json!({"batchItemFailures": []}),
            json!({"batchItemFailures": null}),
        ] {
            assert_eq!(to_delete(&ids, &ok(answer), true), vec![0, 1, 2]);
        }
        // Complete failures: what Lambda cannot read as a partial batch response.
        for answer in [
            json!({"batchItemFailures": [{"itemIdentifier": ""}]}),
            json!({"batchItemFailures": [{"itemIdentifier": null}]}),
            json!({"batchItemFailures": [{"itemId": "b"}]}),
            json!({"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]}),
            json!({"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": "zz"}]}),
            json!({"batchItemFailures": "b"}),
            json!("done"),
            json!([{"itemIdentifier": "b"}]),
        ] {
            assert_eq!(
                to_delete(&ids, &ok(answer.clone()), true),
                Vec::<usize>::new(),
                "{answer}"
            );
        }
    }

    #[test]
    fn a_groups_failed_messages_behind_its_first_are_released() {
        let groups = [
            Some("a"),
            Some("b"),
            Some("a"),
            Some("a"),
            Some("b"),
            Some("c"),
        ];
        // Nothing deleted (a function error): all but each group's first.
        assert_eq!(held_behind(&groups, &[]), vec![2, 3, 4]);
        // a's first succeeded: its second is now its first.
        assert_eq!(held_behind(&groups, &[0, 1, 5]), vec![3]);
        assert_eq!(
            held_behind(&groups, &[0, 1, 2, 3, 4, 5]),
            Vec::<usize>::new()
        );
        // A standard queue's messages have no group.
        assert_eq!(held_behind(&[None, None], &[]), Vec::<usize>::new());
    }

    #[test]
    fn filters_see_a_json_body_as_json() {
        let r = record_json(&message("m"), "arn", "us-east-1");
        let pattern = json!({"body": {"kind": ["reminder"]}});
        assert!(matches(&pattern, &filter_view(&r)));
        assert!(!matches(
            &json!({"body": {"kind": ["other"]}}),
            &filter_view(&r)
        ));
        let text = Message::builder().message_id("t").body("plain").build();
        let view = filter_view(&record_json(&text, "arn", "us-east-1"));
        assert!(matches(&json!({"body": ["plain"]}), &view));
    }

    #[test]
    fn batches_in_flight_are_the_local_concurrency_capped_by_maximum_concurrency() {
        let mapping = |concurrency, maximum_concurrency| QueueMapping {
            function: "F".into(),
            queue_url: "http://moto/123456789012/q".into(),
            queue_arn: "arn".into(),
            source: QueueSourceDef {
                queue: "Q".into(),
                batch_size: 10,
                batching_window: Duration::ZERO,
                report_batch_item_failures: false,
                maximum_concurrency,
                enabled: true,
                filters: vec![],
            },
            invoke: Arc::new(|_| Box::pin(async { Ok(Value::Null) })),
            concurrency,
            region: "us-east-1".into(),
        };
        assert_eq!(mapping(4, None).max_batches(), 4);
        assert_eq!(mapping(4, Some(2)).max_batches(), 2);
        assert_eq!(mapping(4, Some(100)).max_batches(), 4);
        assert_eq!(mapping(0, None).max_batches(), 1);
    }
}
