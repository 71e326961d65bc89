//! The domain: no AWS or Lambda types here.

pub mod booking;
pub mod call_event;
pub mod commands;
pub mod detection;
pub mod envelope;
pub mod error;
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
pub mod search;
pub mod settings;
pub mod status;
pub mod summary;
pub mod timestamp;
pub mod transcript;
pub mod zone;

pub use error::FieldError;
pub use ids::{CallId, CrmId, JobId, LeadId, TenantId, UserId};
pub use lead::{CallInfo, Customer, HistoryEntry, Lead, LeadDetail, Transcript, TranscriptSegment};
pub use money::Money;
pub use phone::{NumberingPlan, PhoneNumber};
pub use status::{LeadStatus, Tab};
