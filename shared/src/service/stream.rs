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

/// New leads -> notifications. Channel failures are recorded by the notification service and
/// do not fail the record; storage failures do (the record is retried).
pub async fn handle_lead_batch<S, N, P>(
    store: &S,
    notifier: &N,
    publisher: &P,
    cfg: &NotifyConfig,
    records: &[StreamRecord],
    now: DateTime<Utc>,
) -> BatchResponse
where
    S: NotificationStore + SettingsStore,
    N: Notifier,
    P: EventPublisher,
{
    for_each_record(records, |change| async move {
        if let TableChange::LeadWritten {
            before: None,
            after,
        } = change
        {
            notify_new_lead(store, notifier, publisher, after, cfg, now).await?;
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
