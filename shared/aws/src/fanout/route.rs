//! Which reader wants which change, and a waiting call's turn: decided from the stream
//! record's item, as each reader's stream filter did before the fan-out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::items::{
    ENTITY_BOOKING, ENTITY_CALL_DECISION, ENTITY_CALL_PENDING, ENTITY_LEAD, ENTITY_OUTBOX,
};

/// The longest a message can be delayed; a longer wait is delayed again when it comes round.
pub const MAX_DELAY_SECONDS: i64 = 900;

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
}
