//! Read requests, parsed from query strings into typed values.

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::domain::status::{LeadStatus, Tab};
use crate::domain::{FieldError, Lead};

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
    fn decode(raw: &str, list: &str) -> Option<PageCursor> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .ok()?;
        let c: PageCursor = serde_json::from_slice(&bytes).ok()?;
        (c.list == list).then_some(c)
    }

    fn from_param(raw: &str, list: &str) -> Result<Self, FieldError> {
        PageCursor::decode(raw, list)
            .ok_or_else(|| FieldError::new("cursor", "is not a cursor returned for this list"))
    }
}

/// Parses `limit` (1-100, default 25).
fn parse_limit(raw: Option<&str>) -> Result<u32, FieldError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| FieldError::new("limit", "must be a whole number from 1 to 100")),
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

    pub fn from_query<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FieldError> {
        let (mut limit, mut cursor) = (None, None);
        for (k, v) in params {
            let slot = match k {
                "limit" => &mut limit,
                "cursor" => &mut cursor,
                other => return Err(FieldError::new(other, "is not a known parameter")),
            };
            if slot.replace(v).is_some() {
                return Err(FieldError::new(k, "must be given at most once"));
            }
        }
        Ok(NearMissRequest {
            limit: parse_limit(limit)?,
            after: cursor
                .map(|c| PageCursor::from_param(c, Self::LIST))
                .transpose()?,
        })
    }
}

impl ListRequest {
    /// The list a cursor must belong to.
    pub fn list_name(tab: Tab, status: Option<LeadStatus>) -> String {
        match status {
            None => tab.api_value().to_owned(),
            Some(s) => format!("{}:{}", tab.api_value(), s.api_value()),
        }
    }

    /// Parses the query string. Unknown parameters are rejected like unknown JSON fields.
    pub fn from_query<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FieldError> {
        let (mut tab, mut status, mut limit, mut cursor) = (None, None, None, None);
        for (k, v) in params {
            let slot = match k {
                "tab" => &mut tab,
                "status" => &mut status,
                "limit" => &mut limit,
                "cursor" => &mut cursor,
                other => return Err(FieldError::new(other, "is not a known parameter")),
            };
            if slot.replace(v).is_some() {
                return Err(FieldError::new(k, "must be given at most once"));
            }
        }
        let tab = tab
            .map(|t| Tab::parse("tab", t))
            .transpose()?
            .unwrap_or(Tab::Open);
        let status = status.map(|s| LeadStatus::parse("status", s)).transpose()?;
        if let Some(s) = status {
            if !tab.holds(s) {
                return Err(FieldError::new(
                    "status",
                    format!(
                        "must be a status of the {} tab: {}",
                        tab.api_value(),
                        tab.statuses()
                            .iter()
                            .map(|s| s.api_value())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        let limit = parse_limit(limit)?;
        let list = Self::list_name(tab, status);
        let after = cursor
            .map(|c| PageCursor::from_param(c, &list))
            .transpose()?;
        Ok(ListRequest {
            tab,
            status,
            limit,
            after,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::keys;

    fn parse(q: &[(&str, &str)]) -> Result<ListRequest, FieldError> {
        ListRequest::from_query(q.iter().copied())
    }

    #[test]
    fn defaults_are_open_and_25() {
        let r = parse(&[]).unwrap();
        assert_eq!(
            (r.tab, r.status, r.limit, r.after),
            (Tab::Open, None, 25, None)
        );
    }

    #[test]
    fn bad_parameters_name_their_field() {
        assert_eq!(parse(&[("tab", "later")]).unwrap_err().field, "tab");
        assert_eq!(
            parse(&[("status", "not_a_lead")]).unwrap_err().field,
            "status"
        );
        assert_eq!(
            parse(&[("tab", "done"), ("status", "new")])
                .unwrap_err()
                .field,
            "status"
        );
        assert_eq!(parse(&[("limit", "0")]).unwrap_err().field, "limit");
        assert_eq!(parse(&[("limit", "101")]).unwrap_err().field, "limit");
        assert_eq!(parse(&[("cursor", "garbage")]).unwrap_err().field, "cursor");
        assert_eq!(parse(&[("sort", "asc")]).unwrap_err().field, "sort");
    }

    #[test]
    fn cursors_only_work_for_their_own_list() {
        let c = PageCursor {
            list: "open".into(),
            after: keys::call_order_sk(chrono::Utc::now(), &crate::domain::LeadId::generate()),
        }
        .encode();
        assert!(parse(&[("cursor", &c)]).is_ok());
        assert_eq!(
            parse(&[("tab", "done"), ("cursor", &c)]).unwrap_err().field,
            "cursor"
        );
        // A lead-list cursor is not a near-miss cursor, and the reverse.
        let near = |q: &[(&str, &str)]| NearMissRequest::from_query(q.iter().copied());
        assert_eq!(near(&[("cursor", &c)]).unwrap_err().field, "cursor");
        let n = PageCursor {
            list: NearMissRequest::LIST.into(),
            after: keys::near_miss_list_sk(
                chrono::Utc::now(),
                &crate::domain::CallId::parse("call_id", "c-1").unwrap(),
            ),
        }
        .encode();
        assert!(near(&[("cursor", &n), ("limit", "5")]).is_ok());
        assert_eq!(parse(&[("cursor", &n)]).unwrap_err().field, "cursor");
        assert_eq!(near(&[("tab", "open")]).unwrap_err().field, "tab");
        assert_eq!(near(&[("limit", "x")]).unwrap_err().field, "limit");
    }
}
