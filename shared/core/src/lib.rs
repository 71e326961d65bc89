//! Second Chance Leads' core: what the product does, over ports. It depends on the domain
//! (`scl-domain`) and on no AWS crate; `scl-aws` implements the ports, `scl-edge` calls the
//! services.
//!
//! - `ports`: the capabilities the services need (lead store, ingest store, settings, learning,
//!   notifier, event publisher, idempotency, reports, stream), one small trait each, and
//!   their errors.
//! - `service`: the use cases (ingesting a call and deciding it, CSR actions, bookings,
//!   notifications, reports, settings, learning, the outbox's events, stream changes), each a
//!   function of typed input and ports.
//! - `query`: a page's request and result (`ListRequest`, `NearMissRequest`, `PageCursor`,
//!   `LeadPage`), as the services and the stores exchange them.
//! - `telemetry`: JSON logs, and an error's chain for a log line.
//! - `memory` (tests, feature `memory`): in-memory implementations of the ports.

#[cfg(any(test, feature = "memory"))]
pub mod memory;
pub mod ports;
pub mod query;
pub mod service;
pub mod telemetry;
