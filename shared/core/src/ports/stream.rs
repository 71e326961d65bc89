//! The table's stream, as the services see it.

use scl_domain::booking::JobBooked;
use scl_domain::events::PendingEvent;
use scl_domain::Lead;

/// A change to one of the table's items, as its stream reports it, already decoded by the
/// adapter (`scl_aws::stream`) into domain values.
#[derive(Debug, Clone, PartialEq)]
pub enum TableChange {
    /// A booking stored for the first time.
    BookingInserted(JobBooked),
    /// A lead written: created (`before` is `None`) or changed.
    LeadWritten {
        before: Option<Box<Lead>>,
        after: Box<Lead>,
    },
    /// An event written to the outbox with the change that caused it.
    EventPending(PendingEvent),
    /// A call's decision written (the reports count `booked_during_wrap_up`).
    CallDecided(Box<super::CallDecision>),
    /// Anything else the mapping passed on.
    Other,
}

/// One record of a stream batch: how a failure of it is reported and what it says, or why it
/// could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    /// What Lambda's partial batch response names the record by: the stream record's sequence
    /// number, or the id of the queue message that carried it (the stream's fan-out queues).
    pub item_identifier: Option<String>,
    /// When the change was written (the stream's `ApproximateCreationDateTime`, to the second).
    pub written_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The changed item's partition key: records of one item are handled in stream order.
    pub item_key: Option<String>,
    pub change: Result<TableChange, String>,
}
