//! CSR requests (docs/api.md, Routes), parsed from JSON bodies into typed commands. Unknown fields
//! are rejected; every error names its field.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::FieldError;
use super::parse::{from_value_named, optional_text};
use super::status::{DismissReason, LeadStatus};

pub const MAX_NOTE_TEXT: usize = 5_000;
pub const MAX_COMMENT: usize = 2_000;

fn required_text(field: &str, raw: String, max: usize) -> Result<String, FieldError> {
    optional_text(field, Some(raw), max)?
        .ok_or_else(|| FieldError::new(field, format!("must be 1 to {max} characters")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyTarget {
    Customer,
    Location,
}

impl CopyTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            CopyTarget::Customer => "customer",
            CopyTarget::Location => "location",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddNote {
    pub text: String,
    /// Each target at most once.
    pub copy_to: Vec<CopyTarget>,
}

impl AddNote {
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            text: String,
            #[serde(default)]
            copy_to: Vec<CopyTarget>,
        }
        let raw: Raw = from_value_named("", body)?;
        // A set: each target once, in the order first given.
        let mut copy_to = Vec::with_capacity(raw.copy_to.len());
        for target in raw.copy_to {
            if !copy_to.contains(&target) {
                copy_to.push(target);
            }
        }
        Ok(AddNote {
            text: required_text("text", raw.text, MAX_NOTE_TEXT)?,
            copy_to,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dismiss {
    pub reason: DismissReason,
    pub comment: Option<String>,
}

impl Dismiss {
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            reason: DismissReason,
            #[serde(default)]
            comment: Option<String>,
        }
        let raw: Raw = from_value_named("", body)?;
        Ok(Dismiss {
            reason: raw.reason,
            comment: optional_text("comment", raw.comment, MAX_COMMENT)?,
        })
    }
}

/// `POST /leads/{id}/callback` takes an empty object.
pub fn parse_empty(body: &Value) -> Result<(), FieldError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {}
    let _: Raw = from_value_named("", body)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetStatus {
    pub status: LeadStatus,
    pub note: Option<String>,
}

impl SetStatus {
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            status: String,
            #[serde(default)]
            note: Option<String>,
        }
        let raw: Raw = from_value_named("", body)?;
        Ok(SetStatus {
            status: LeadStatus::parse("status", raw.status.trim())?,
            note: optional_text("note", raw.note, MAX_NOTE_TEXT)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn notes_are_bounded_and_known_fields_only() {
        assert_eq!(
            AddNote::parse(&json!({"text": "  "})).unwrap_err().field,
            "text"
        );
        assert_eq!(
            AddNote::parse(&json!({"text": "x".repeat(5001)}))
                .unwrap_err()
                .field,
            "text"
        );
        assert_eq!(AddNote::parse(&json!({})).unwrap_err().field, "text");
        assert_eq!(
            AddNote::parse(&json!({"text": "a", "colour": 1}))
                .unwrap_err()
                .field,
            "colour"
        );
        assert_eq!(
            AddNote::parse(&json!({"text": "a", "copy_to": ["crm"]}))
                .unwrap_err()
                .field,
            "copy_to[0]"
        );
        let n =
            AddNote::parse(&json!({"text": " hi ", "copy_to": ["customer", "customer"]})).unwrap();
        assert_eq!(
            (n.text.as_str(), n.copy_to),
            ("hi", vec![CopyTarget::Customer])
        );
        let n =
            AddNote::parse(&json!({"text": "x", "copy_to": ["customer", "location", "customer"]}))
                .unwrap();
        assert_eq!(
            n.copy_to,
            vec![CopyTarget::Customer, CopyTarget::Location],
            "a set: one NoteCopied per target"
        );
    }

    #[test]
    fn dismiss_and_status_bodies() {
        assert_eq!(
            Dismiss::parse(&json!({"reason": "maybe"}))
                .unwrap_err()
                .field,
            "reason"
        );
        assert_eq!(
            Dismiss::parse(&json!({"reason": "lead_not_following_up"}))
                .unwrap()
                .reason,
            DismissReason::LeadNotFollowingUp
        );
        assert_eq!(
            SetStatus::parse(&json!({"status": "won"}))
                .unwrap_err()
                .field,
            "status"
        );
        assert_eq!(
            SetStatus::parse(&json!({"status": "new", "x": 1}))
                .unwrap_err()
                .field,
            "x"
        );
        assert!(parse_empty(&json!({})).is_ok());
        assert_eq!(parse_empty(&json!({"now": true})).unwrap_err().field, "now");
    }
}
