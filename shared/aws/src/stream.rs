//! Lambda's DynamoDB Streams events (JSON, as the event source mapping delivers them), read into
//! typed records for the services: the item shapes stay in the adapter.

use serde_json::Value;

use super::items::{
    BookingItem, CallDecisionItem, LeadItem, OutboxItem, ENTITY_BOOKING, ENTITY_CALL_DECISION,
    ENTITY_LEAD, ENTITY_OUTBOX,
};
use scl_core::ports::{StreamRecord, TableChange};
use scl_domain::events::PendingEvent;

/// Every record of a batch, in order.
pub fn decode_batch(event: &Value) -> Vec<StreamRecord> {
    event
        .get("Records")
        .and_then(Value::as_array)
        .map(|records| records.iter().map(decode_record).collect())
        .unwrap_or_default()
}

fn decode_record(record: &Value) -> StreamRecord {
    StreamRecord {
        sequence_number: record
            .pointer("/dynamodb/SequenceNumber")
            .and_then(Value::as_str)
            .map(str::to_owned),
        written_at: record
            .pointer("/dynamodb/ApproximateCreationDateTime")
            .and_then(Value::as_f64)
            .and_then(|secs| chrono::DateTime::from_timestamp_millis((secs * 1000.0) as i64)),
        item_key: record
            .pointer("/dynamodb/Keys/pk/S")
            .and_then(Value::as_str)
            .map(str::to_owned),
        change: change(record),
    }
}

/// An image as a DynamoDB item, and its `entity`.
fn image(record: &Value, name: &str) -> Result<Option<(serde_dynamo::Item, String)>, String> {
    let Some(image) = record.pointer(&format!("/dynamodb/{name}")).cloned() else {
        return Ok(None);
    };
    let item: serde_dynamo::Item = serde_json::from_value(image).map_err(|e| e.to_string())?;
    let entity = match item.get("entity") {
        Some(serde_dynamo::AttributeValue::S(e)) => e.clone(),
        _ => String::new(),
    };
    Ok(Some((item, entity)))
}

fn lead(item: serde_dynamo::Item) -> Result<Box<scl_domain::lead::Lead>, String> {
    serde_dynamo::from_item::<_, LeadItem>(item)
        .map(|i| Box::new(i.lead))
        .map_err(|e| e.to_string())
}

fn change(record: &Value) -> Result<TableChange, String> {
    let event = record.get("eventName").and_then(Value::as_str);
    if !matches!(event, Some("INSERT" | "MODIFY")) {
        return Ok(TableChange::Other);
    }
    let Some((new, entity)) = image(record, "NewImage")? else {
        return Err("no NewImage".into());
    };
    match (event, entity.as_str()) {
        (Some("INSERT"), ENTITY_BOOKING) => serde_dynamo::from_item::<_, BookingItem>(new)
            .map(|b| TableChange::BookingInserted(b.booking))
            .map_err(|e| e.to_string()),
        (Some("INSERT"), ENTITY_OUTBOX) => serde_dynamo::from_item::<_, OutboxItem>(new)
            .map(|o| {
                TableChange::EventPending(PendingEvent {
                    event_id: o.event_id,
                    event_type: o.event_type,
                    payload: o.payload,
                })
            })
            .map_err(|e| e.to_string()),
        (_, ENTITY_CALL_DECISION) => serde_dynamo::from_item::<_, CallDecisionItem>(new)
            .map(|d| TableChange::CallDecided(Box::new(d.decision)))
            .map_err(|e| e.to_string()),
        (_, ENTITY_LEAD) => {
            let before = match image(record, "OldImage")? {
                Some((old, e)) if e == ENTITY_LEAD => Some(lead(old)?),
                _ => None,
            };
            Ok(TableChange::LeadWritten {
                before,
                after: lead(new)?,
            })
        }
        _ => Ok(TableChange::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_says_when_its_change_was_written() {
        let event = serde_json::json!({"Records": [
            {"dynamodb": {"ApproximateCreationDateTime": 1795532645.0, "SequenceNumber": "1"}},
            {"dynamodb": {"SequenceNumber": "2"}}
        ]});
        let records = decode_batch(&event);
        let at = records[0].written_at.expect("a creation time");
        assert_eq!(at.timestamp(), 1_795_532_645);
        assert_eq!(records[1].written_at, None);
    }
}
