//! From request and event JSON to typed values, naming the field at fault: the helpers every
//! parser in the domain (events, commands, settings, bookings) shares.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::error::FieldError;
use super::ids::CrmId;

/// The longest short text field (names, ids from other systems).
pub const MAX_SHORT_TEXT: usize = 200;

/// Reads a field path from serde_path_to_error as the contract's dotted `field`.
pub(crate) fn path_field(prefix: &str, path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p == "." || p.is_empty() {
        prefix.trim_end_matches('.').to_owned()
    } else {
        format!("{prefix}{p}")
    }
}

/// Deserialises `value` into `T`, naming the offending field on failure.
pub(crate) fn from_value_named<T: for<'de> Deserialize<'de>>(
    prefix: &str,
    value: &Value,
) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = path_field(prefix, e.path());
        let inner = e.inner().to_string();
        // A missing key is reported at the containing object's path: name the key itself.
        let keyed = |key: &str| {
            if field == key || field.ends_with(&format!(".{key}")) {
                field.clone()
            } else if field.is_empty() || field == prefix.trim_end_matches('.') {
                format!("{prefix}{key}")
            } else {
                format!("{field}.{key}")
            }
        };
        for (marker, message) in [
            ("unknown field `", "is not a known field"),
            ("missing field `", "is required"),
        ] {
            if let Some(rest) = inner.strip_prefix(marker) {
                let key = rest.split('`').next().unwrap_or_default();
                return FieldError::new(keyed(key), message);
            }
        }
        FieldError::new(field, clean_serde_message(&inner))
    })
}

/// serde's messages mention Rust types and positions; keep the part a caller understands.
fn clean_serde_message(msg: &str) -> String {
    let base = msg.split(" at line ").next().unwrap_or(msg);
    if base.contains("unknown variant") {
        return base.replace("unknown variant", "unknown value");
    }
    format!("has the wrong type or value: {base}")
}

pub(crate) fn parse_time(field: &str, raw: &str) -> Result<DateTime<Utc>, FieldError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| FieldError::new(field, "must be an RFC 3339 time, e.g. 2026-11-24T15:04:05Z"))
}

/// Trims a free-text field; empty becomes absent; over `max` characters is an error.
pub fn optional_text(
    field: &str,
    raw: Option<String>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match raw {
        None => Ok(None),
        Some(s) => {
            let t = s.trim();
            if t.is_empty() {
                Ok(None)
            } else if t.chars().count() > max {
                Err(FieldError::new(
                    field,
                    format!("must be at most {max} characters"),
                ))
            } else {
                Ok(Some(t.to_owned()))
            }
        }
    }
}

pub(crate) fn optional_crm_id(
    field: &str,
    raw: Option<String>,
) -> Result<Option<CrmId>, FieldError> {
    match optional_text(field, raw, MAX_SHORT_TEXT)? {
        None => Ok(None),
        Some(s) => CrmId::parse(field, &s).map(Some),
    }
}
