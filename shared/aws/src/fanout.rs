//! The table's stream, read once and fanned out (docs/data-model.md, The table's stream and its
//! readers). DynamoDB serves a stream shard to at most two readers before it throttles them
//! all, and five functions need its changes; so one function, the dispatcher, reads it, and
//! puts each record in the FIFO queue of every reader that wants it (grouped by item, so each
//! item's changes stay in order, and deduplicated by the record's id, so a retried batch sends
//! nothing twice), and each waiting call's turn in the decide queue, delayed until it is due.
//! Each reader then runs at its own pace, retries what fails a bounded number of times and
//! dead-letters what never succeeds, without holding back the others or the records behind it.
//!
//! Which reader wants which record is decided here because it depends on the items' shapes; it
//! is what each reader's stream filter said before the fan-out.

use std::collections::{BTreeMap, HashSet};

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::items::{
    ENTITY_BOOKING, ENTITY_CALL_DECISION, ENTITY_CALL_PENDING, ENTITY_LEAD, ENTITY_OUTBOX,
};
use aws_sdk_sqs::error::DisplayErrorContext;

/// SQS's limit for one message and for one batch of them.
pub const MAX_BATCH_BYTES: usize = 256 * 1024;
/// SQS's limit of messages per `SendMessageBatch`.
const MAX_BATCH_ENTRIES: usize = 10;
/// The longest a message can be delayed; a longer wait is delayed again when it comes round.
pub const MAX_DELAY_SECONDS: i64 = 900;
/// SQS's limit on a message group id's length.
const MAX_GROUP_ID: usize = 128;

/// A function that reads the table's changes from its own queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reader {
    /// New bookings -> automatic statuses (`BookingStreamFunction`).
    Bookings,
    /// New leads -> staff notifications (`NotifyFunction`).
    Notify,
    /// Lead changes -> the business's detection labels (`LearnLabelsFunction`).
    Learning,
    /// Lead changes and calls booked in the wrap-up -> report totals (`CountReportsFunction`).
    Reports,
    /// Events written to the outbox -> SNS and the events bus (`PublishEventsFunction`).
    Publish,
}

impl Reader {
    pub const ALL: [Reader; 5] = [
        Reader::Bookings,
        Reader::Notify,
        Reader::Learning,
        Reader::Reports,
        Reader::Publish,
    ];

    /// The environment variable holding the URL of the reader's queue.
    pub fn queue_variable(self) -> &'static str {
        match self {
            Reader::Bookings => "BOOKINGS_QUEUE_URL",
            Reader::Notify => "NOTIFY_QUEUE_URL",
            Reader::Learning => "LEARN_LABELS_QUEUE_URL",
            Reader::Reports => "COUNT_REPORTS_QUEUE_URL",
            Reader::Publish => "PUBLISH_EVENTS_QUEUE_URL",
        }
    }
}

/// Where one stream record goes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Route {
    pub readers: Vec<Reader>,
    /// A call began to wait for its decision: its turn goes in the decide queue.
    pub turn: Option<WaitingCallTurn>,
}

/// A waiting call's turn: the decide queue's message, keys only (the call itself stays in the
/// table; its transcript never travels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingCallTurn {
    pub tenant_id: String,
    pub call_id: String,
    /// When its decision is due (RFC 3339).
    pub decide_at: String,
}

impl WaitingCallTurn {
    pub fn due(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.decide_at)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// How long SQS should hold the message so it arrives when due: whole seconds, rounded
    /// up, at most SQS's longest delay.
    pub fn delay_seconds(&self, now: DateTime<Utc>) -> i32 {
        let Some(due) = self.due() else { return 0 };
        let ms = (due - now).num_milliseconds().max(0);
        let secs = (ms + 999) / 1000;
        secs.min(MAX_DELAY_SECONDS) as i32
    }
}

fn new_image_s<'a>(record: &'a Value, attribute: &str) -> Option<&'a str> {
    record
        .pointer(&format!("/dynamodb/NewImage/{attribute}/S"))
        .and_then(Value::as_str)
}

/// Which readers want the record, and whether it starts a waiting call's turn.
pub fn route(record: &Value) -> Route {
    let event = record.get("eventName").and_then(Value::as_str);
    let inserted = event == Some("INSERT");
    let written = matches!(event, Some("INSERT" | "MODIFY"));
    let mut route = Route::default();
    if !written {
        return route;
    }
    match new_image_s(record, "entity") {
        Some(ENTITY_BOOKING) if inserted => route.readers.push(Reader::Bookings),
        Some(ENTITY_LEAD) => {
            if inserted {
                route.readers.push(Reader::Notify);
            }
            route.readers.extend([Reader::Learning, Reader::Reports]);
        }
        Some(ENTITY_CALL_DECISION) => {
            let decision = record
                .pointer("/dynamodb/NewImage/decision/M/decision/S")
                .and_then(Value::as_str);
            if decision == Some("booked_during_wrap_up") {
                route.readers.push(Reader::Reports);
            }
        }
        Some(ENTITY_OUTBOX) if inserted => route.readers.push(Reader::Publish),
        Some(ENTITY_CALL_PENDING) if inserted => {
            let turn = (
                new_image_s(record, "tenant_id"),
                new_image_s(record, "call_id"),
                new_image_s(record, "decide_at"),
            );
            if let (Some(tenant_id), Some(call_id), Some(decide_at)) = turn {
                route.turn = Some(WaitingCallTurn {
                    tenant_id: tenant_id.to_owned(),
                    call_id: call_id.to_owned(),
                    decide_at: decide_at.to_owned(),
                });
            }
        }
        _ => {}
    }
    route
}

/// One message to send, and the stream record it came from.
#[derive(Debug, Clone)]
struct Outgoing {
    record: usize,
    body: String,
    /// FIFO: the item the record changed (its messages stay in order) and the record's id.
    fifo: Option<(String, String)>,
    delay_seconds: i32,
}

/// A FIFO message group for an item: its partition key, hashed when SQS would refuse it.
fn group_id(item_key: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c.is_ascii_punctuation();
    if item_key.len() <= MAX_GROUP_ID && item_key.chars().all(allowed) {
        return item_key.to_owned();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(item_key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Batches of at most ten messages and 256 KiB, never two of one group in a batch, so that a
/// group's messages are sent one batch after another, in order.
fn batches(outgoing: Vec<Outgoing>) -> Vec<Vec<Outgoing>> {
    let mut batches: Vec<Vec<Outgoing>> = Vec::new();
    let mut current: Vec<Outgoing> = Vec::new();
    let mut bytes = 0;
    for message in outgoing {
        let same_group = |m: &Outgoing| matches!((&m.fifo, &message.fifo), (Some((a, _)), Some((b, _))) if a == b);
        let full = current.len() == MAX_BATCH_ENTRIES
            || bytes + message.body.len() > MAX_BATCH_BYTES
            || current.iter().any(same_group);
        if full && !current.is_empty() {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += message.body.len();
        current.push(message);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// The queues the dispatcher sends to.
#[derive(Debug, Clone)]
pub struct Fanout {
    sqs: aws_sdk_sqs::Client,
    readers: BTreeMap<Reader, String>,
    decide_queue: String,
}

impl Fanout {
    pub fn new(
        sqs: aws_sdk_sqs::Client,
        readers: BTreeMap<Reader, String>,
        decide_queue: String,
    ) -> Fanout {
        Fanout {
            sqs,
            readers,
            decide_queue,
        }
    }

    /// Sends every record where it goes; the indexes of the records not sent everywhere (the
    /// stream retries from the first of them). A record of an item whose earlier record was
    /// not sent to a queue is not sent to it either, so no reader sees an item's changes out
    /// of order.
    pub async fn dispatch(&self, records: &[Value], now: DateTime<Utc>) -> Vec<usize> {
        let mut by_queue: BTreeMap<&str, Vec<Outgoing>> = BTreeMap::new();
        let mut failed: HashSet<usize> = HashSet::new();
        for (i, record) in records.iter().enumerate() {
            let route = route(record);
            if let Some(turn) = route.turn {
                match serde_json::to_string(&turn) {
                    Ok(body) => by_queue
                        .entry(&self.decide_queue)
                        .or_default()
                        .push(Outgoing {
                            record: i,
                            delay_seconds: turn.delay_seconds(now),
                            body,
                            fifo: None,
                        }),
                    Err(_) => {
                        failed.insert(i);
                    }
                }
            }
            if route.readers.is_empty() {
                continue;
            }
            let body = record.to_string();
            let item = record
                .pointer("/dynamodb/Keys/pk/S")
                .and_then(Value::as_str);
            let id = record.get("eventID").and_then(Value::as_str);
            let (Some(item), Some(id)) = (item, id) else {
                tracing::error!(record = i, "a stream record without its key or id");
                failed.insert(i);
                continue;
            };
            if body.len() > MAX_BATCH_BYTES {
                tracing::error!(
                    record = i,
                    bytes = body.len(),
                    "a stream record too large for a queue message"
                );
                failed.insert(i);
                continue;
            }
            for reader in route.readers {
                let Some(queue) = self.readers.get(&reader) else {
                    continue;
                };
                by_queue.entry(queue).or_default().push(Outgoing {
                    record: i,
                    body: body.clone(),
                    fifo: Some((group_id(item), id.to_owned())),
                    delay_seconds: 0,
                });
            }
        }
        let sends = by_queue
            .into_iter()
            .map(|(queue, outgoing)| self.send_in_order(queue, outgoing));
        for not_sent in futures_util::future::join_all(sends).await {
            failed.extend(not_sent);
        }
        let mut failed: Vec<usize> = failed.into_iter().collect();
        failed.sort_unstable();
        failed
    }

    /// Puts a waiting call's turn back in the decide queue, to come round when it is due (or
    /// after SQS's longest delay, if that is sooner).
    pub async fn requeue_turn(
        &self,
        turn: &WaitingCallTurn,
        now: DateTime<Utc>,
    ) -> Result<(), SendError> {
        let body = serde_json::to_string(turn).map_err(|e| SendError(e.to_string()))?;
        self.sqs
            .send_message()
            .queue_url(&self.decide_queue)
            .message_body(body)
            .delay_seconds(turn.delay_seconds(now))
            .send()
            .await
            .map_err(|e| SendError(DisplayErrorContext(e).to_string()))?;
        Ok(())
    }

    /// Brings a failed turn (a message of the decide queue, as Lambda delivered it) round again
    /// after a backoff rather than the queue's whole visibility timeout. Best effort: when this
    /// fails, the turn comes round after the visibility timeout all the same.
    pub async fn retry_soon(&self, message: &Value) {
        let Some(receipt) = message.get("receiptHandle").and_then(Value::as_str) else {
            return;
        };
        let receives = message
            .pointer("/attributes/ApproximateReceiveCount")
            .and_then(Value::as_str)
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let changed = self
            .sqs
            .change_message_visibility()
            .queue_url(&self.decide_queue)
            .receipt_handle(receipt)
            .visibility_timeout(retry_backoff(receives))
            .send()
            .await;
        if let Err(e) = changed {
            tracing::warn!(error = %DisplayErrorContext(e), "a failed turn waits for its visibility timeout");
        }
    }

    /// Sends one queue's messages batch after batch; the records not sent.
    async fn send_in_order(&self, queue: &str, outgoing: Vec<Outgoing>) -> Vec<usize> {
        let mut failed_records = Vec::new();
        let mut failed_groups: HashSet<String> = HashSet::new();
        for batch in batches(outgoing) {
            let (batch, held): (Vec<Outgoing>, Vec<Outgoing>) = batch.into_iter().partition(|m| {
                m.fifo
                    .as_ref()
                    .is_none_or(|(group, _)| !failed_groups.contains(group))
            });
            failed_records.extend(held.iter().map(|m| m.record));
            if batch.is_empty() {
                continue;
            }
            for i in self.send_batch(queue, &batch).await {
                let message = &batch[i];
                failed_records.push(message.record);
                if let Some((group, _)) = &message.fifo {
                    failed_groups.insert(group.clone());
                }
            }
        }
        failed_records
    }

    /// One `SendMessageBatch`; the positions in `batch` of the messages not sent.
    async fn send_batch(&self, queue: &str, batch: &[Outgoing]) -> Vec<usize> {
        let mut request = self.sqs.send_message_batch().queue_url(queue);
        for (i, message) in batch.iter().enumerate() {
            let mut entry = SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(&message.body);
            entry = match &message.fifo {
                Some((group, id)) => entry.message_group_id(group).message_deduplication_id(id),
                None => entry.delay_seconds(message.delay_seconds),
            };
            match entry.build() {
                Ok(entry) => request = request.entries(entry),
                Err(_) => return (0..batch.len()).collect(),
            }
        }
        match request.send().await {
            Ok(out) => out
                .failed()
                .iter()
                .filter_map(|f| {
                    tracing::warn!(
                        code = f.code(),
                        sender_fault = f.sender_fault(),
                        "a message was not sent"
                    );
                    f.id().parse().ok()
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %DisplayErrorContext(e), "a batch of messages was not sent");
                (0..batch.len()).collect()
            }
        }
    }
}

/// Seconds before a turn that failed on its `receives`th delivery comes round again: 5, then
/// doubling, at most two minutes.
pub fn retry_backoff(receives: u32) -> i32 {
    (5_i32 << receives.saturating_sub(1).min(5)).min(120)
}

/// A message the queue did not take.
#[derive(Debug, thiserror::Error)]
#[error("the decide queue did not take the message: {0}")]
pub struct SendError(String);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(event: &str, image: Value) -> Value {
        json!({"eventID": "e-1", "eventName": event,
               "dynamodb": {"Keys": {"pk": {"S": "TENANT#t-1#LEAD#l-1"}}, "NewImage": image}})
    }

    #[test]
    fn each_reader_gets_what_its_stream_filter_passed() {
        let lead = json!({"entity": {"S": "lead"}});
        assert_eq!(
            route(&record("INSERT", lead.clone())).readers,
            [Reader::Notify, Reader::Learning, Reader::Reports]
        );
        assert_eq!(
            route(&record("MODIFY", lead.clone())).readers,
            [Reader::Learning, Reader::Reports]
        );
        assert!(route(&record("REMOVE", lead)).readers.is_empty());
        let booking = json!({"entity": {"S": "booking"}});
        assert_eq!(
            route(&record("INSERT", booking.clone())).readers,
            [Reader::Bookings]
        );
        assert!(route(&record("MODIFY", booking)).readers.is_empty());
        let outbox = json!({"entity": {"S": "outbox"}});
        assert_eq!(route(&record("INSERT", outbox)).readers, [Reader::Publish]);
        let decided = |d: &str| json!({"entity": {"S": "call_decision"}, "decision": {"M": {"decision": {"S": d}}}});
        assert_eq!(
            route(&record("INSERT", decided("booked_during_wrap_up"))).readers,
            [Reader::Reports]
        );
        assert!(route(&record("INSERT", decided("lead_created")))
            .readers
            .is_empty());
        let counter = json!({"entity": {"S": "report_month"}});
        assert_eq!(route(&record("MODIFY", counter)), Route::default());
    }

    #[test]
    fn a_waiting_call_gets_its_turn_delayed_until_due() {
        let pending = json!({"entity": {"S": "call_pending"}, "tenant_id": {"S": "t-1"},
                             "call_id": {"S": "c-1"}, "decide_at": {"S": "2026-12-07T10:05:00.300Z"},
                             "detail": {"S": "{\"transcript\": \"...\"}"}});
        let route = route(&record("INSERT", pending));
        assert!(route.readers.is_empty());
        let turn = route.turn.expect("a turn");
        assert_eq!(
            (turn.tenant_id.as_str(), turn.call_id.as_str()),
            ("t-1", "c-1")
        );
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
        assert_eq!(
            turn.delay_seconds(at("2026-12-07T10:00:00Z")),
            301,
            "rounded up"
        );
        assert_eq!(
            turn.delay_seconds(at("2026-12-07T09:00:00Z")),
            900,
            "at most 15 minutes"
        );
        assert_eq!(
            turn.delay_seconds(at("2026-12-07T10:06:00Z")),
            0,
            "overdue: at once"
        );
        assert!(!serde_json::to_string(&turn).unwrap().contains("transcript"));
    }

    #[test]
    fn batches_hold_ten_messages_and_one_per_group() {
        let message = |record: usize, group: &str| Outgoing {
            record,
            body: "x".repeat(100),
            fifo: Some((group.to_owned(), format!("e-{record}"))),
            delay_seconds: 0,
        };
        let mut outgoing: Vec<Outgoing> = (0..12).map(|i| message(i, &format!("g-{i}"))).collect();
        outgoing.insert(3, message(99, "g-1"));
        let sizes: Vec<Vec<usize>> = batches(outgoing)
            .iter()
            .map(|b| b.iter().map(|m| m.record).collect())
            .collect();
        assert_eq!(
            sizes,
            [vec![0, 1, 2], vec![99, 3, 4, 5, 6, 7, 8, 9, 10, 11]]
        );
        let big = |record| Outgoing {
            record,
            body: "x".repeat(100 * 1024),
            fifo: None,
            delay_seconds: 0,
        };
        assert_eq!(
            batches((0..3).map(big).collect()).len(),
            2,
            "256 KiB a batch"
        );
    }

    #[test]
    fn a_failed_turn_comes_round_sooner_than_the_visibility_timeout() {
        let waits: Vec<i32> = (1..=7).map(retry_backoff).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 120, 120]);
    }

    #[test]
    fn a_group_id_sqs_would_refuse_is_hashed() {
        assert_eq!(group_id("TENANT#t-1#LEAD#l-1"), "TENANT#t-1#LEAD#l-1");
        let long = "x".repeat(200);
        assert_eq!(group_id(&long).len(), 64);
        assert_ne!(group_id("TENANT#t é"), "TENANT#t é");
    }
}
