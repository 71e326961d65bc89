//! DynamoDB Streams batches (as Lambda's event source mapping delivers them) of new booking
//! items. Each record is decoded and applied on its own; every record that fails is reported
//! by its sequence number (`ReportBatchItemFailures`), so Lambda retries from it and, after
//! the mapping's retries, sends it to the on-failure destination. Nothing is dropped.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tracing::{error, Instrument};

use crate::domain::booking::JobBooked;
use crate::ports::LeadCommands;
use crate::service::bookings::apply_booking;
use crate::store::items::{BookingItem, ENTITY_BOOKING};

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
enum RecordError {
    #[error("record has no sequence number")]
    NoSequenceNumber,
    #[error("record image is not a booking: {0}")]
    Decode(String),
    #[error(transparent)]
    Store(#[from] crate::ports::StoreError),
}

fn booking_of(record: &Value) -> Result<Option<JobBooked>, RecordError> {
    if record.get("eventName").and_then(Value::as_str) != Some("INSERT") {
        return Ok(None);
    }
    let image = record
        .pointer("/dynamodb/NewImage")
        .cloned()
        .ok_or_else(|| RecordError::Decode("no NewImage".into()))?;
    let item: serde_dynamo::Item =
        serde_json::from_value(image).map_err(|e| RecordError::Decode(e.to_string()))?;
    let entity = item.get("entity").cloned();
    if entity != Some(serde_dynamo::AttributeValue::S(ENTITY_BOOKING.into())) {
        return Ok(None);
    }
    let booking: BookingItem =
        serde_dynamo::from_item(item).map_err(|e| RecordError::Decode(e.to_string()))?;
    Ok(Some(booking.booking))
}

pub async fn handle_booking_batch<S: LeadCommands>(
    store: &S,
    event: &Value,
    now: DateTime<Utc>,
) -> BatchResponse {
    let mut response = BatchResponse::default();
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for record in &records {
        let seq = record
            .pointer("/dynamodb/SequenceNumber")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let span = tracing::info_span!(
            "stream_record",
            sequence_number = seq.as_deref().unwrap_or("-")
        );
        let result: Result<(), RecordError> = async {
            seq.as_ref().ok_or(RecordError::NoSequenceNumber)?;
            if let Some(booking) = booking_of(record)? {
                apply_booking(store, &booking, now).await?;
            }
            Ok(())
        }
        .instrument(span)
        .await;
        if let Err(e) = result {
            error!(sequence_number = seq.as_deref().unwrap_or("-"), error = %e, "stream record failed");
            // A record without a sequence number cannot be named; an empty identifier makes
            // Lambda retry the whole batch, which is the safe way not to lose it.
            response.batch_item_failures.push(BatchItemFailure {
                item_identifier: seq.clone().unwrap_or_default(),
            });
        }
    }
    response
}
