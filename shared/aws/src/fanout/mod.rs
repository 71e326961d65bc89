//! The table's stream, read once and fanned out (docs/data-model.md, The table's stream and its
//! readers). DynamoDB serves a stream shard to at most two readers before it throttles them
//! all, and five functions need its changes; so one function, the dispatcher, reads it, and
//! puts each record in the FIFO queue of every reader that wants it (grouped by item, so each
//! item's changes stay in order, and deduplicated by the record's id, so a retried batch sends
//! nothing twice), and each waiting call's turn in the decide queue, delayed until it is due.
//! Each reader then runs at its own pace, retries what fails a bounded number of times and
//! dead-letters what never succeeds, without holding back the others or the records behind it.
//!
//! Which reader wants which record is decided here because it depends on the items' shapes; it
//! is what each reader's stream filter said before the fan-out.

mod route;
mod send;

pub use route::{route, Reader, Route, WaitingCallTurn, MAX_DELAY_SECONDS};
pub use send::{retry_backoff, Fanout, SendError, MAX_BATCH_BYTES};
