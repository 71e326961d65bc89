//! Second Chance Leads' domain: the types and rules of the product, with no AWS, Lambda or HTTP
//! crate among its dependencies (Cargo.toml; `cargo tree -p scl-domain`). Everything here is a
//! value or a pure function; the crates above it (`scl-core`'s services, `scl-aws`'s adapters,
//! `scl-edge`'s handlers) load and store these values.
//!
//! - The call and what it becomes: `call_event` (the `CallCompleted` event, parsed),
//!   `call_decision` (what a call becomes, and what that writes: one pure function), `envelope`
//!   (EventBridge's envelope), `transcript`, `qualification` (the gates), `detection` (the
//!   detector as the domain uses it), `summary`, `near_miss`, `lead` (the lead and its parts).
//! - The queue: `status` (statuses, tabs and the transition table), `commands` (CSR requests as
//!   typed commands), `search` (phrase search in a transcript).
//! - Bookings and money: `booking` (`JobBooked`), `money`.
//! - Per business: `settings`, `event_source` (the sources allowed to speak for it), `zone`
//!   (its time zone), `notification` (what each channel says and when an SMS may go out),
//!   `report` (what each lead adds to the figures).
//! - Events in through the signed webhook: `webhook`. Events out: `events`, `webhook_out`
//!   (the events bus and a business's webhook). Retries from clients: `idempotency`.
//! - Values every module uses: `ids`, `phone` (E.164 numbers), `timestamp`, `parse` (JSON to
//!   typed values naming the field), `error` (`FieldError`).
//! - `sample` (feature `samples`): values for other crates' unit tests.

pub mod booking;
pub mod call_decision;
pub mod call_event;
pub mod commands;
pub mod detection;
pub mod envelope;
pub mod error;
pub mod event_source;
pub mod events;
pub mod idempotency;
pub mod ids;
pub mod lead;
pub mod money;
pub mod near_miss;
pub mod notification;
pub mod parse;
pub mod phone;
pub mod qualification;
pub mod report;
#[cfg(any(test, feature = "samples"))]
pub mod sample;
pub mod search;
pub mod settings;
pub mod status;
pub mod summary;
pub mod timestamp;
pub mod transcript;
pub mod webhook;
pub mod webhook_out;
pub mod zone;

pub use error::FieldError;
pub use ids::{CallId, CrmId, JobId, LeadId, TenantId, UserId};
pub use lead::{CallInfo, Customer, HistoryEntry, Lead, LeadDetail, Transcript, TranscriptSegment};
pub use money::Money;
pub use phone::{NumberingPlan, PhoneNumber};
pub use status::{LeadStatus, Tab};
