//! Second Chance Leads' edge: where a Lambda event or an HTTP request becomes a typed value and
//! a service's outcome becomes a response. Depends on the domain and the core, not on the AWS
//! adapters (each function's `main` builds those and hands them in).
//!
//! - `api`: the HTTP routes' shared parts: the caller (from the JWT authorizer's claims) and
//!   their scope, idempotent actions, errors mapped to the contract's error JSON in one place,
//!   and the lead views.
//! - `body`: request bodies and `If-Match`, read for the domain's command parsers.
//! - `query`: query strings parsed into `scl-core`'s page requests.
//! - `events_in`: events that arrive as Lambda payloads, read before the handler runs.
//! - `state`: what a handler is given, built once per cold start.

pub mod api;
pub mod body;
pub mod events_in;
pub mod query;
pub mod state;
