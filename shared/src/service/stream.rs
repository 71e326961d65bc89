//! DynamoDB Streams batches (as Lambda's event source mapping delivers them, decoded by the
//! adapter into `StreamRecord`s). Each record is handled on its own; every record that fails is reported by its sequence number
//! (`ReportBatchItemFailures`), so Lambda retries from it and, after the mapping's retries,
//! sends it to the on-failure destination. Nothing is dropped.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::{error, Instrument};

use crate::ports::{
    EventPublisher, LeadCommands, LearningStore, NotificationStore, Notifier, SettingsStore,
    StreamRecord, TableChange,
};
use crate::service::bookings::apply_booking;
use crate::service::learning::record_label;
use crate::service::notify::{notify_new_lead, NotifyConfig};

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
    #[error("record has no sequence number")]
    NoSequenceNumber,
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

/// Runs `f` on every record's change, each in its own span; collects the failures by
/// sequence number.
async fn for_each_record<'a, F, Fut>(records: &'a [StreamRecord], mut f: F) -> BatchResponse
where
    F: FnMut(&'a TableChange) -> Fut,
    Fut: std::future::Future<Output = Result<(), RecordError>>,
{
    let mut response = BatchResponse::default();
    for record in records {
        let seq = record.sequence_number.as_deref();
        let span = tracing::info_span!("stream_record", sequence_number = seq.unwrap_or("-"));
        let result = match (&record.sequence_number, &record.change) {
            (None, _) => Err(RecordError::NoSequenceNumber),
            (Some(_), Err(e)) => Err(RecordError::Decode(e.clone())),
            (Some(_), Ok(change)) => f(change).instrument(span).await,
        };
        if let Err(e) = result {
            error!(sequence_number = seq.unwrap_or("-"), error = %crate::telemetry::chain(&e), "stream record failed");
            // A record without a sequence number cannot be named; an empty identifier makes
            // Lambda retry the whole batch, which is the safe way not to lose it.
            response.batch_item_failures.push(BatchItemFailure {
                item_identifier: seq.unwrap_or_default().to_owned(),
            });
        }
    }
    response
}

/// Events written to the outbox -> the project's topic. A failed publish fails its record, so
/// the mapping retries from it (and, after its retries, sends it to the on-failure queue); the
/// records after it are not tried, so events go out in order and a retry repeats none that
/// went out. The event's id is the same on every attempt, so subscribers can drop a repeat.
pub async fn handle_event_batch<P: EventPublisher>(
    publisher: &P,
    records: &[StreamRecord],
) -> BatchResponse {
    let failed = std::sync::atomic::AtomicBool::new(false);
    let failed = &failed;
    for_each_record(records, |change| async move {
        if failed.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(RecordError::AfterFailure);
        }
        if let TableChange::EventPending(event) = change {
            if let Err(e) = publisher.publish(event).await {
                failed.store(true, std::sync::atomic::Ordering::Relaxed);
                return Err(e.into());
            }
            tracing::info!(event_id = %event.event_id, event_type = %event.event_type, "event published");
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
            if before.as_deref().and_then(crate::domain::Lead::label) != after.label() {
                record_label(store, after).await?;
            }
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryPublisher;
    use crate::domain::events::PendingEvent;

    fn record(seq: &str) -> StreamRecord {
        StreamRecord {
            sequence_number: Some(seq.into()),
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
}
