//! Use cases: each takes typed input and a port, applies the domain rules, and returns a typed
//! outcome. Handlers only translate between these and Lambda payloads.

pub mod actions;
pub mod bookings;
pub mod events;
pub mod ingest;
pub mod learning;
pub mod near_misses;
pub mod notify;
pub mod reports;
pub mod retry;
pub mod settings;
pub mod stream;
pub mod webhook;
