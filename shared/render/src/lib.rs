//! The two answers the queue's read path renders most — a page of leads and a lead's detail —
//! as JSON, in a crate of their own so that they are compiled at opt-level 3 while the domain
//! crate is compiled for size (Cargo.toml's release profile says why). Rust generates a
//! generic's code in the crate that names its types: `scl_edge::api::json` over these views, and serde's
//! serializers with them, are generated here, not in each function's size-optimised crate.

use lambda_http::{Body, Response};
use scl_edge::api::{
    self,
    view::{LeadDetailView, LeadView, PageView},
};

/// A page of the queue (`GET /leads`).
pub fn page(view: &PageView<LeadView<'_>>) -> Response<Body> {
    api::json(200, view, None)
}

/// A lead's detail (`GET /leads/{id}`), its version as the ETag.
pub fn lead_detail(view: &LeadDetailView<'_>, version: u64) -> Response<Body> {
    api::json(200, view, Some(version))
}
