//! The capabilities the services need, as small traits, one module per concern. The AWS
//! adapters (`scl-aws`) implement them; unit tests use the in-memory ones (`crate::memory`).

mod detection;
mod events;
mod idempotency;
mod ingest;
mod leads;
mod notify;
mod report;
mod settings;
mod stream;
mod webhook;

pub use detection::*;
pub use events::*;
pub use idempotency::*;
pub use ingest::*;
pub use leads::*;
pub use notify::*;
pub use report::*;
pub use settings::*;
pub use stream::*;
pub use webhook::*;

// What the ingest ports write and read is defined in the domain, with the decision that makes
// it (`scl_domain::call_decision`); the ports name it from here like their other types.
pub use scl_domain::call_decision::{
    CallDecision, CallerLead, DecisionKind, LeadWrite, NearMissWrite, PendingCall, PhoneClaim,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The event was already processed (a redelivery): nothing was written.
    #[error("already processed")]
    AlreadyProcessed,
    /// The lead changed since it was read; re-read and decide again.
    #[error("lead changed concurrently")]
    VersionConflict,
    #[error("the page cursor is not valid for this list")]
    BadCursor,
    /// DynamoDB (or building a request for it) failed; `operation` says which.
    #[error("DynamoDB {operation} failed")]
    Backend {
        operation: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("stored item could not be read: {0}")]
    Corrupt(String),
}
