//! A page of a list, as the services and the stores exchange it: the request (which list, how
//! many, after which item) and the result. The edge parses query strings into these
//! (`scl_edge::query`).

use base64::Engine;
use serde::{Deserialize, Serialize};

use scl_domain::status::{LeadStatus, Tab};
use scl_domain::Lead;

pub const DEFAULT_LIMIT: u32 = 25;
pub const MAX_LIMIT: u32 = 100;

/// `GET /leads` as a typed request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest {
    pub tab: Tab,
    pub status: Option<LeadStatus>,
    pub limit: u32,
    pub after: Option<PageCursor>,
}

/// Where the previous page ended. It only holds a position inside one list (tab + status);
/// the tenant and index are never taken from it, so it cannot reach another tenant's or
/// list's items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageCursor {
    /// The list this cursor belongs to (`open`, `done:not_a_lead`, ...).
    pub list: String,
    /// The last returned lead's index sort key.
    pub after: String,
}

impl PageCursor {
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// A cursor from a client, if it is one of `list`'s. The position inside it is opaque
    /// here: the storage adapter checks it is one of its own (`StoreError::BadCursor`).
    pub fn decode(raw: &str, list: &str) -> Option<PageCursor> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .ok()?;
        let c: PageCursor = serde_json::from_slice(&bytes).ok()?;
        (c.list == list).then_some(c)
    }
}

/// `GET /calls/near-misses` as a typed request.
#[derive(Debug, Clone, PartialEq)]
pub struct NearMissRequest {
    pub limit: u32,
    pub after: Option<PageCursor>,
}

impl NearMissRequest {
    pub const LIST: &'static str = "near_misses";
}

impl ListRequest {
    /// The list a cursor must belong to.
    pub fn list_name(tab: Tab, status: Option<LeadStatus>) -> String {
        match status {
            None => tab.api_value().to_owned(),
            Some(s) => format!("{}:{}", tab.api_value(), s.api_value()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeadPage {
    pub items: Vec<Lead>,
    pub next: Option<PageCursor>,
    /// What the page cost in DynamoDB read capacity units (logged: the cost of a page must
    /// not grow with the backlog).
    pub read_units: f64,
}
