//! The table's changes, as each consumer receives them: one record per message of the
//! consumer's FIFO queue, where the stream dispatcher put them grouped by item
//! (docs/data-model.md, The table's stream and its readers), decoded by the adapter into `StreamRecord`s. Records of different items
//! are handled concurrently, each item's in order; every record that fails is reported by its
//! identifier (`ReportBatchItemFailures`), so the queue delivers it again after its visibility
//! timeout and, after the queue's bounded receives, moves it to the consumer's dead-letter
//! queue, while the other items' records go on. Nothing is dropped.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{error, Instrument};

use crate::ports::{
    DecisionKind, EventPublisher, LeadCommands, LearningStore, NotificationStore, Notifier,
    ReportStore, SettingsStore, StreamRecord, TableChange,
};
use crate::service::bookings::apply_booking;
use crate::service::learning::record_label;
use crate::service::notify::{notify_new_lead, NotifyConfig};
use crate::service::reports::{count_lead, count_wrap_up};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchItemFailure {
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

/// The response Lambda reads for partial batch failures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct BatchResponse {
    #[serde(rename = "batchItemFailures")]
    pub batch_item_failures: Vec<BatchItemFailure>,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("record has no identifier to report it by")]
    NoIdentifier,
    #[error("record image cannot be read: {0}")]
    Decode(String),
    #[error(transparent)]
    Store(#[from] crate::ports::StoreError),
    #[error(transparent)]
    Publish(#[from] crate::ports::PublishError),
    #[error("not tried: an earlier record of the batch failed")]
    AfterFailure,
    #[error("{0} deliveries failed for now; the record is retried")]
    RetryLater(u32),
}

/// How many items' records one invocation works on at once.
const ITEMS_AT_ONCE: usize = 8;

/// Runs `f` on every record's change, each in its own span, and collects the failures by
/// sequence number. Records of different items run concurrently (up to `ITEMS_AT_ONCE`);
/// the records of one item run one after another in stream order, and after one fails the
/// item's later records are not tried (reported too, so the retry brings them in order).
async fn for_each_record<'a, F, Fut>(records: &'a [StreamRecord], f: F) -> BatchResponse
where
    F: Fn(&'a TableChange) -> Fut,
    Fut: std::future::Future<Output = Result<(), RecordError>>,
{
    for_each_record_by(records, |r| r.item_key.as_deref(), f).await
}

/// [`for_each_record`], with the records that must run one after another chosen by `key`
/// (those with the same key, in stream order) rather than by item.
async fn for_each_record_by<'a, K, F, Fut>(
    records: &'a [StreamRecord],
    key: K,
    f: F,
) -> BatchResponse
where
    K: Fn(&'a StreamRecord) -> Option<&'a str>,
    F: Fn(&'a TableChange) -> Fut,
    Fut: std::future::Future<Output = Result<(), RecordError>>,
{
    use futures_util::StreamExt;
    // Each key's records, in order; a record without a key is a group of its own.
    let mut items: Vec<Vec<usize>> = Vec::new();
    let mut by_key: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, record) in records.iter().enumerate() {
        match key(record) {
            Some(key) => match by_key.get(key) {
                Some(&item) => items[item].push(i),
                None => {
                    by_key.insert(key, items.len());
                    items.push(vec![i]);
                }
            },
            None => items.push(vec![i]),
        }
    }
    let f = &f;
    let failed: Vec<usize> = futures_util::stream::iter(items)
        .map(|item| async move {
            let mut failed = Vec::new();
            for i in item {
                let record = &records[i];
                let seq = record.item_identifier.as_deref();
                let span =
                    tracing::info_span!("stream_record", item = seq.unwrap_or("-"));
                let result = if !failed.is_empty() {
                    Err(RecordError::AfterFailure)
                } else {
                    match (&record.item_identifier, &record.change) {
                        (None, _) => Err(RecordError::NoIdentifier),
                        (Some(_), Err(e)) => Err(RecordError::Decode(e.clone())),
                        (Some(_), Ok(change)) => f(change).instrument(span).await,
                    }
                };
                if let Err(e) = result {
                    error!(item = seq.unwrap_or("-"), error = %crate::telemetry::chain(&e), "stream record failed");
                    failed.push(i);
                }
            }
            failed
        })
        .buffer_unordered(ITEMS_AT_ONCE)
        .collect::<Vec<Vec<usize>>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    let mut failed = failed;
    failed.sort_unstable();
    BatchResponse {
        // A record without a sequence number cannot be named; an empty identifier makes
        // Lambda retry the whole batch, which is the safe way not to lose it.
        batch_item_failures: failed
            .into_iter()
            .map(|i| BatchItemFailure {
                item_identifier: records[i].item_identifier.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

/// Events written to the outbox -> the project's topic. A failed publish fails its record, so
/// the mapping retries from it (and, after its retries, sends it to the on-failure queue); a
/// lead's later events are not tried, so each lead's events go out in order. Other leads'
/// events in the batch go on; the retry may publish some of them again, with the same event id
/// on every attempt, so subscribers drop the repeat.
pub async fn handle_event_batch<P: EventPublisher>(
    publisher: &P,
    records: &[StreamRecord],
) -> BatchResponse {
    // When each event was written with its change: how long it waited to go out is the
    // outbox's publish lag (a business metric, by event type).
    let written: std::collections::HashMap<&str, DateTime<Utc>> = records
        .iter()
        .filter_map(|r| match (&r.change, r.written_at) {
            (Ok(TableChange::EventPending(e)), Some(at)) => Some((e.event_id.as_str(), at)),
            _ => None,
        })
        .collect();
    let written = &written;
    for_each_record(records, |change| async move {
        if let TableChange::EventPending(event) = change {
            publisher.publish(event).await?;
            tracing::info!(event_id = %event.event_id, event_type = %event.event_type, "event published");
            crate::telemetry::count("EventsPublished", ("EventType", &event.event_type));
            if let Some(at) = written.get(event.event_id.as_str()) {
                let lag = (Utc::now() - *at).num_milliseconds().max(0) as f64;
                let unit = crate::telemetry::Unit::Milliseconds;
                crate::telemetry::metric("PublishLag", ("EventType", &event.event_type), lag, unit);
            }
        }
        Ok(())
    })
    .await
}

/// New bookings -> automatic statuses.
pub async fn handle_booking_batch<S: LeadCommands>(
    store: &S,
    records: &[StreamRecord],
    now: DateTime<Utc>,
) -> BatchResponse {
    for_each_record(records, |change| async move {
        if let TableChange::BookingInserted(b) = change {
            apply_booking(store, b, now).await?;
        }
        Ok(())
    })
    .await
}

/// New leads -> notifications. Channel failures are recorded by the notification service; one
/// that may pass (throttling, an outage) fails the record, so the mapping retries it and the
/// redelivery sends only what was not sent (delivery records); a permanent one (a rejected
/// address) does not. Storage failures fail the record too.
pub async fn handle_lead_batch<S, N>(
    store: &S,
    notifier: &N,
    cfg: &NotifyConfig,
    records: &[StreamRecord],
    now: DateTime<Utc>,
) -> BatchResponse
where
    S: NotificationStore + SettingsStore,
    N: Notifier,
{
    for_each_record(records, |change| async move {
        if let TableChange::LeadWritten {
            before: None,
            after,
        } = change
        {
            let report = notify_new_lead(store, notifier, after, cfg, now).await?;
            if report.retry_later > 0 {
                return Err(RecordError::RetryLater(report.retry_later));
            }
        }
        Ok(())
    })
    .await
}

/// Lead inserts and changes -> the business's label counts, when the lead's label changed.
/// Most changes (notes, call-back counts) leave the label as it was and cost no request.
pub async fn handle_label_batch<S: LearningStore>(
    store: &S,
    records: &[StreamRecord],
) -> BatchResponse {
    for_each_record(records, |change| async move {
        if let TableChange::LeadWritten { before, after } = change {
            if before.as_deref().and_then(scl_domain::Lead::label) != after.label() {
                record_label(store, after).await?;
            }
        }
        Ok(())
    })
    .await
}

/// The tenant part of a lead's key (`TENANT#t` of `TENANT#t#LEAD#id`).
fn tenant_key(r: &StreamRecord) -> Option<&str> {
    r.item_key.as_deref().map(|k| {
        k.split_once("#LEAD#")
            .or_else(|| k.split_once("#CALL#"))
            .map_or(k, |(tenant, _)| tenant)
    })
}

/// Lead inserts and changes -> the business's report totals. Every record counts the lead as
/// it stands now, so a redelivered or out-of-date record changes nothing (`count_lead`). One
/// business's records run one after another (businesses at once): its leads share the day's
/// total and the queue counts, which concurrent writers would only make each other retry.
pub async fn handle_report_batch<S: ReportStore + SettingsStore>(
    store: &S,
    records: &[StreamRecord],
) -> BatchResponse {
    for_each_record_by(records, tenant_key, |change| async move {
        match change {
            TableChange::LeadWritten { after, .. } => {
                count_lead(store, &after.tenant_id, &after.id).await?;
            }
            TableChange::CallDecided(d) if d.decision == DecisionKind::BookedDuringWrapUp => {
                count_wrap_up(store, d).await?;
            }
            _ => {}
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryPublisher;
    use scl_domain::events::PendingEvent;

    fn record(seq: &str) -> StreamRecord {
        StreamRecord {
            written_at: None,
            item_identifier: Some(seq.into()),
            item_key: Some("TENANT#t#OUTBOX#lead".into()),
            change: Ok(TableChange::EventPending(PendingEvent {
                event_id: format!("lead.1.{seq}"),
                event_type: "NoteCopied".into(),
                payload: "{}".into(),
            })),
        }
    }

    #[tokio::test]
    async fn events_go_out_in_order_and_a_failure_holds_back_the_rest_of_the_batch() {
        let publisher = MemoryPublisher::default();
        let batch = [record("1"), record("2"), record("3")];
        *publisher.failing.lock().unwrap() = true;
        let down = handle_event_batch(&publisher, &batch).await;
        let failed: Vec<&str> = down
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(
            failed,
            ["1", "2", "3"],
            "retried from the first, nothing skipped"
        );
        assert!(publisher.published.lock().unwrap().is_empty());

        *publisher.failing.lock().unwrap() = false;
        let up = handle_event_batch(&publisher, &batch).await;
        assert!(up.batch_item_failures.is_empty());
        let ids: Vec<String> = publisher
            .published
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.event_id.clone())
            .collect();
        assert_eq!(ids, ["lead.1.1", "lead.1.2", "lead.1.3"]);
    }

    /// Fails the events whose id is listed; records every other one.
    #[derive(Default)]
    struct PickyPublisher {
        failing: Vec<&'static str>,
        published: std::sync::Mutex<Vec<String>>,
    }

    impl EventPublisher for PickyPublisher {
        async fn publish(&self, event: &PendingEvent) -> Result<(), crate::ports::PublishError> {
            if self.failing.contains(&event.event_id.as_str()) {
                return Err(crate::ports::PublishError {
                    event_type: event.event_type.clone(),
                    event_id: event.event_id.clone(),
                    detail: "down".into(),
                });
            }
            self.published.lock().unwrap().push(event.event_id.clone());
            Ok(())
        }
    }

    /// Record `seq` of the batch: an event of `lead` with id `<lead>.<seq>`.
    fn event_of(lead: &str, seq: &str) -> StreamRecord {
        StreamRecord {
            written_at: None,
            item_identifier: Some(seq.into()),
            item_key: Some(format!("TENANT#t#OUTBOX#{lead}")),
            change: Ok(TableChange::EventPending(PendingEvent {
                event_id: format!("{lead}.{seq}"),
                event_type: "NoteCopied".into(),
                payload: "{}".into(),
            })),
        }
    }

    #[tokio::test]
    async fn a_failure_holds_back_its_own_leads_later_events_and_not_other_leads() {
        let publisher = PickyPublisher {
            failing: vec!["a.3"],
            ..Default::default()
        };
        let batch = [
            event_of("a", "1"),
            event_of("b", "2"),
            event_of("a", "3"),
            event_of("b", "4"),
            event_of("a", "5"),
        ];
        let out = handle_event_batch(&publisher, &batch).await;
        let failed: Vec<&str> = out
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["3", "5"], "a's failed event and the one after it");
        let mut published = publisher.published.lock().unwrap().clone();
        published.sort();
        assert_eq!(
            published,
            ["a.1", "b.2", "b.4"],
            "b's events went out regardless"
        );
    }
}
