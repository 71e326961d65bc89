//! The table's stream records (JSON, in DynamoDB Streams' shape), read into typed records for
//! the services: the item shapes stay in the adapter. A consumer receives them as the messages
//! of its queue, one record per message body (`fanout` put them there), or straight from a
//! stream mapping; both are read here, so the services do not know which.

use serde_json::Value;

use super::items::{
    BookingItem, CallDecisionItem, LeadItem, OutboxItem, ENTITY_BOOKING, ENTITY_CALL_DECISION,
    ENTITY_LEAD, ENTITY_OUTBOX,
};
use scl_core::ports::{StreamRecord, TableChange};
use scl_domain::events::PendingEvent;

/// Every record of a batch, in order: a queue's messages (Lambda's SQS event) or a stream
/// mapping's records.
pub fn decode_batch(event: &Value) -> Vec<StreamRecord> {
    event
        .get("Records")
        .and_then(Value::as_array)
        .map(|records| records.iter().map(decode_delivered).collect())
        .unwrap_or_default()
}

/// One record as delivered: a queue message carries a stream record as its body, and a failure
/// of it is reported by the message's id.
fn decode_delivered(record: &Value) -> StreamRecord {
    if record.get("eventSource").and_then(Value::as_str) != Some("aws:sqs") {
        let sequence_number = record.pointer("/dynamodb/SequenceNumber");
        return decode_record(record, sequence_number.and_then(Value::as_str));
    }
    let message_id = record.get("messageId").and_then(Value::as_str);
    let body = record
        .get("body")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match serde_json::from_str::<Value>(body) {
        Ok(stream_record) => decode_record(&stream_record, message_id),
        Err(e) => StreamRecord {
            item_identifier: message_id.map(str::to_owned),
            written_at: None,
            item_key: None,
            change: Err(format!("message body is not a stream record: {e}")),
        },
    }
}

fn decode_record(record: &Value, item_identifier: Option<&str>) -> StreamRecord {
    StreamRecord {
        item_identifier: item_identifier.map(str::to_owned),
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

    #[test]
    fn a_queue_message_is_its_stream_record_reported_by_the_message_id() {
        let stream_record = serde_json::json!({
            "eventName": "INSERT",
            "dynamodb": {"ApproximateCreationDateTime": 1795532645.0, "SequenceNumber": "7",
                         "Keys": {"pk": {"S": "TENANT#t#LEAD#l"}}}
        });
        let event = serde_json::json!({"Records": [
            {"eventSource": "aws:sqs", "messageId": "m-1", "body": stream_record.to_string()},
            {"eventSource": "aws:sqs", "messageId": "m-2", "body": "not json"}
        ]});
        let records = decode_batch(&event);
        assert_eq!(records[0].item_identifier.as_deref(), Some("m-1"));
        assert_eq!(records[0].item_key.as_deref(), Some("TENANT#t#LEAD#l"));
        assert_eq!(
            records[0].written_at.map(|t| t.timestamp()),
            Some(1_795_532_645)
        );
        assert!(records[0].change.is_err(), "an INSERT without its image");
        assert_eq!(records[1].item_identifier.as_deref(), Some("m-2"));
        assert!(records[1].change.is_err());
    }
}
