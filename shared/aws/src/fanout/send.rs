//! Sending the routed changes: to each reader's FIFO queue in batches (an item's changes in
//! order, a retried record never sent twice) and each turn to the decide queue, delayed.

use std::collections::{BTreeMap, HashSet};

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::route::{route, Reader, WaitingCallTurn};

/// SQS's limit for one message and for one batch of them.
pub const MAX_BATCH_BYTES: usize = 256 * 1024;
/// SQS's limit of messages per `SendMessageBatch`.
const MAX_BATCH_ENTRIES: usize = 10;
/// SQS's limit on a message group id's length.
const MAX_GROUP_ID: usize = 128;

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
