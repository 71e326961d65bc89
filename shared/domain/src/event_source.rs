//! Who may speak for a business: the event sources bound to it.
//!
//! Any principal the integration bus admits can put a `CallCompleted` or `JobBooked` naming
//! any `tenant_id`; the bus's policy says who may put events, not for whom. So each business
//! lists, in its settings, the EventBridge `source`s allowed to speak for it, each optionally
//! pinned to the AWS account it comes from. EventBridge stamps an event's `account` with the
//! account that put it (a sender cannot choose it), while `source` is whatever the sender wrote:
//! a binding with an account is what stops one admitted account from speaking for another's
//! businesses. An event whose origin no binding admits is refused and filed, never applied; a
//! business with no bindings admits nothing.

use serde::{Deserialize, Serialize};

use super::error::FieldError;

/// At most this many bindings per business.
pub const MAX_BINDINGS: usize = 20;

/// Where an event came from, as its EventBridge envelope says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// The sender's `source` (absent only when the payload did not come through EventBridge).
    pub source: Option<String>,
    /// The account that put the event.
    pub account: Option<String>,
}

/// An EventBridge `source`: 1–256 printable ASCII characters without spaces, and not one of
/// AWS's own (`aws.…`), which no integration can put.
///
/// Made by [`SourceName::parse`] from what an administrator sends; deserializing reads a name
/// this service stored (parsed when it was written) as it is, so the functions that only read
/// the settings (every event's ingestion) do not link the parsing (IngestCall's bootstrap is
/// held under 4 MB; BENCHMARKS.md, Deployment artifacts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceName(String);

impl SourceName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw;
        let shaped = (1..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic());
        if !shaped {
            return Err(FieldError::new(
                field,
                "must be an EventBridge source: 1 to 256 characters, no spaces",
            ));
        }
        if s.starts_with("aws.") {
            return Err(FieldError::new(field, "cannot be one of AWS's own sources"));
        }
        Ok(SourceName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A 12-digit AWS account id (stored and read back as [`SourceName`] is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw;
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(s.to_owned()))
        } else {
            Err(FieldError::new(field, "must be a 12-digit AWS account id"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One source allowed to speak for a business: from `account` only, or (without one) from any
/// account the integration bus admits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceBinding {
    pub source: SourceName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountId>,
}

impl SourceBinding {
    pub fn admits(&self, origin: &Origin) -> bool {
        origin.source.as_deref() == Some(self.source.as_str())
            && self
                .account
                .as_ref()
                .is_none_or(|a| origin.account.as_deref() == Some(a.as_str()))
    }
}

/// The business's bindings, as `PUT /settings` sends them (`event_sources`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBinding {
    source: String,
    #[serde(default)]
    account: Option<String>,
}

/// Parses the list an administrator sends, naming the entry that is wrong.
pub fn parse_bindings(field: &str, raw: Vec<RawBinding>) -> Result<Vec<SourceBinding>, FieldError> {
    if raw.len() > MAX_BINDINGS {
        return Err(FieldError::new(
            field,
            format!("must list at most {MAX_BINDINGS} sources"),
        ));
    }
    let mut out: Vec<SourceBinding> = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let f = |name: &str| format!("{field}[{i}].{name}");
        let binding = SourceBinding {
            source: SourceName::parse(&f("source"), &r.source)?,
            account: r
                .account
                .map(|a| AccountId::parse(&f("account"), &a))
                .transpose()?,
        };
        if out.contains(&binding) {
            return Err(FieldError::new(f("source"), "is listed twice"));
        }
        out.push(binding);
    }
    Ok(out)
}

/// Whether any of a business's bindings admits `origin`; why not, naming the envelope's
/// `source`, when none does.
pub fn admit(bindings: &[SourceBinding], origin: &Origin) -> Result<(), FieldError> {
    if bindings.iter().any(|b| b.admits(origin)) {
        return Ok(());
    }
    let message = match (&origin.source, &origin.account) {
        (None, _) => "is required: only an EventBridge event can speak for a business".to_owned(),
        (Some(s), Some(a)) => {
            format!(
                "{s} (from account {a}) is not bound to this business (settings, event_sources)"
            )
        }
        (Some(s), None) => format!("{s} is not bound to this business (settings, event_sources)"),
    };
    Err(FieldError::new("source", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(source: &str, account: &str) -> Origin {
        Origin {
            source: Some(source.into()),
            account: Some(account.into()),
        }
    }

    fn bindings(json: serde_json::Value) -> Vec<SourceBinding> {
        parse_bindings("event_sources", serde_json::from_value(json).unwrap()).unwrap()
    }

    #[test]
    fn a_binding_admits_its_source_from_its_account_or_any_account_without_one() {
        let b = bindings(serde_json::json!([
            {"source": "phone.platform", "account": "111111111111"},
            {"source": "booking.system"}
        ]));
        assert!(admit(&b, &origin("phone.platform", "111111111111")).is_ok());
        assert!(admit(&b, &origin("booking.system", "222222222222")).is_ok());
        let other_account = admit(&b, &origin("phone.platform", "222222222222")).unwrap_err();
        assert_eq!(other_account.field, "source");
        assert!(
            other_account.message.contains("222222222222"),
            "{other_account}"
        );
        assert!(admit(&b, &origin("phone.platform2", "111111111111")).is_err());
        assert!(admit(&b, &Origin::default()).is_err());
    }

    #[test]
    fn a_business_with_no_bindings_admits_nothing() {
        assert!(admit(&[], &origin("phone.platform", "111111111111")).is_err());
    }

    #[test]
    fn bindings_are_parsed_naming_the_wrong_entry() {
        let err = |json: serde_json::Value| {
            parse_bindings("event_sources", serde_json::from_value(json).unwrap())
                .unwrap_err()
                .field
        };
        let spaced = serde_json::json!([{"source": "a b"}]);
        assert_eq!(err(spaced), "event_sources[0].source");
        let padded = serde_json::json!([{"source": "x", "account": " 123456789012"}]);
        assert_eq!(err(padded), "event_sources[0].account");
        let aws = serde_json::json!([{"source": "x"}, {"source": "aws.events"}]);
        assert_eq!(err(aws), "event_sources[1].source");
        let short = serde_json::json!([{"source": "x", "account": "12345"}]);
        assert_eq!(err(short), "event_sources[0].account");
        let twice = serde_json::json!([{"source": "x"}, {"source": "x"}]);
        assert_eq!(err(twice), "event_sources[1].source");
        let many: Vec<_> = (0..=MAX_BINDINGS)
            .map(|i| serde_json::json!({"source": format!("s{i}")}))
            .collect();
        assert_eq!(err(serde_json::json!(many)), "event_sources");
    }
}
