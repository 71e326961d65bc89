//! DynamoDB Streams batches (as Lambda's event source mapping delivers them). Each record is
//! decoded and handled on its own; every record that fails is reported by its sequence number
//! (`ReportBatchItemFailures`), so Lambda retries from it and, after the mapping's retries,
//! sends it to the on-failure destination. Nothing is dropped.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tracing::{error, Instrument};

use crate::domain::detection::adaptation::label_of;
use crate::domain::lead::Lead;
use crate::ports::{
    EventPublisher, LeadCommands, LearningStore, NotificationStore, Notifier, SettingsStore,
};
use crate::service::bookings::apply_booking;
use crate::service::learning::record_label;
use crate::service::notify::{notify_new_lead, NotifyConfig};
use crate::store::items::{BookingItem, LeadItem, ENTITY_BOOKING, ENTITY_LEAD};

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

/// The new image of an INSERT of an item with `entity`, decoded; `None` for anything else.
fn inserted<T: serde::de::DeserializeOwned>(
    record: &Value,
    entity: &str,
) -> Result<Option<T>, RecordError> {
    if record.get("eventName").and_then(Value::as_str) != Some("INSERT") {
        return Ok(None);
    }
    let image = record
        .pointer("/dynamodb/NewImage")
        .cloned()
        .ok_or_else(|| RecordError::Decode("no NewImage".into()))?;
    let item: serde_dynamo::Item =
        serde_json::from_value(image).map_err(|e| RecordError::Decode(e.to_string()))?;
    if item.get("entity").cloned() != Some(serde_dynamo::AttributeValue::S(entity.into())) {
        return Ok(None);
    }
    serde_dynamo::from_item(item)
        .map(Some)
        .map_err(|e| RecordError::Decode(e.to_string()))
}

/// A lead item's images in an INSERT or MODIFY record: (before, after).
fn lead_change(record: &Value) -> Result<Option<(Option<Lead>, Lead)>, RecordError> {
    let event = record.get("eventName").and_then(Value::as_str);
    if !matches!(event, Some("INSERT" | "MODIFY")) {
        return Ok(None);
    }
    let image = |name: &str| -> Result<Option<Lead>, RecordError> {
        let Some(image) = record.pointer(&format!("/dynamodb/{name}")).cloned() else {
            return Ok(None);
        };
        let item: serde_dynamo::Item =
            serde_json::from_value(image).map_err(|e| RecordError::Decode(e.to_string()))?;
        if item.get("entity").cloned() != Some(serde_dynamo::AttributeValue::S(ENTITY_LEAD.into()))
        {
            return Ok(None);
        }
        serde_dynamo::from_item::<_, LeadItem>(item)
            .map(|i| Some(i.lead))
            .map_err(|e| RecordError::Decode(e.to_string()))
    };
    match image("NewImage")? {
        Some(after) => Ok(Some((image("OldImage")?, after))),
        None => Ok(None),
    }
}

/// Runs `f` on every record, each in its own span; collects the failures by sequence number.
async fn for_each_record<'a, F, Fut>(event: &'a Value, mut f: F) -> BatchResponse
where
    F: FnMut(&'a Value) -> Fut,
    Fut: std::future::Future<Output = Result<(), RecordError>>,
{
    let mut response = BatchResponse::default();
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        return response;
    };
    for record in records {
        let seq = record
            .pointer("/dynamodb/SequenceNumber")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let span = tracing::info_span!(
            "stream_record",
            sequence_number = seq.as_deref().unwrap_or("-")
        );
        let result = match &seq {
            None => Err(RecordError::NoSequenceNumber),
            Some(_) => f(record).instrument(span).await,
        };
        if let Err(e) = result {
            error!(sequence_number = seq.as_deref().unwrap_or("-"), error = %crate::telemetry::chain(&e), "stream record failed");
            // A record without a sequence number cannot be named; an empty identifier makes
            // Lambda retry the whole batch, which is the safe way not to lose it.
            response.batch_item_failures.push(BatchItemFailure {
                item_identifier: seq.clone().unwrap_or_default(),
            });
        }
    }
    response
}

/// New bookings -> automatic statuses.
pub async fn handle_booking_batch<S: LeadCommands>(
    store: &S,
    event: &Value,
    now: DateTime<Utc>,
) -> BatchResponse {
    for_each_record(event, |record| async move {
        if let Some(b) = inserted::<BookingItem>(record, ENTITY_BOOKING)? {
            apply_booking(store, &b.booking, now).await?;
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
    event: &Value,
    now: DateTime<Utc>,
) -> BatchResponse
where
    S: NotificationStore + SettingsStore,
    N: Notifier,
    P: EventPublisher,
{
    for_each_record(event, |record| async move {
        if let Some(item) = inserted::<LeadItem>(record, ENTITY_LEAD)? {
            notify_new_lead(store, notifier, publisher, &item.lead, cfg, now).await?;
        }
        Ok(())
    })
    .await
}

/// Lead inserts and changes -> the business's label counts, when the lead's label changed.
/// Most changes (notes, call-back counts) leave the label as it was and cost no request.
pub async fn handle_label_batch<S: LearningStore>(store: &S, event: &Value) -> BatchResponse {
    for_each_record(event, |record| async move {
        if let Some((before, after)) = lead_change(record)? {
            if before.as_ref().and_then(label_of) != label_of(&after) {
                record_label(store, &after).await?;
            }
        }
        Ok(())
    })
    .await
}
