//! The EventBridge envelope around the events that come in (`CallCompleted`, `JobBooked`).

use serde_json::Value;

use super::error::FieldError;
use super::event_source::Origin;
use super::ids::TenantId;

/// The EventBridge envelope around a `CallCompleted` or `JobBooked` detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub id: Option<String>,
    pub detail_type: String,
    pub detail: Value,
    /// Its `source` and `account`: who the business's bindings must admit.
    pub origin: Origin,
}

/// An event's detail, read, and where the event came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrived<T> {
    pub origin: Origin,
    pub detail: T,
}

impl Envelope {
    /// Reads the envelope, requiring the expected `detail-type`.
    pub fn parse(event: &Value, expected_detail_type: &str) -> Result<Self, FieldError> {
        let obj = event.as_object().ok_or_else(|| {
            FieldError::new("event", "must be a JSON object (an EventBridge event)")
        })?;
        let detail_type = obj
            .get("detail-type")
            .and_then(Value::as_str)
            .ok_or_else(|| FieldError::new("detail-type", "is required"))?;
        if detail_type != expected_detail_type {
            return Err(FieldError::new(
                "detail-type",
                format!("must be {expected_detail_type}"),
            ));
        }
        let detail = obj
            .get("detail")
            .filter(|d| d.is_object())
            .cloned()
            .ok_or_else(|| FieldError::new("detail", "is required and must be an object"))?;
        let text = |name: &str| obj.get(name).and_then(Value::as_str).map(str::to_owned);
        Ok(Envelope {
            id: text("id"),
            origin: Origin {
                source: text("source"),
                account: text("account"),
            },
            detail_type: detail_type.to_owned(),
            detail,
        })
    }

    /// The tenant named in the detail, if any, even when the rest is malformed: rejected
    /// events are filed under it so an operator of that tenant can find them.
    pub fn claimed_tenant(&self) -> Option<TenantId> {
        self.detail
            .get("tenant_id")
            .and_then(Value::as_str)
            .and_then(|t| TenantId::parse("tenant_id", t).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_requires_the_right_detail_type() {
        let ev = json!({"version": "0", "id": "e1", "detail-type": "JobBooked", "source": "x", "detail": {}});
        assert_eq!(
            Envelope::parse(&ev, "CallCompleted").unwrap_err().field,
            "detail-type"
        );
        let ev = json!({"detail-type": "CallCompleted", "detail": "nope"});
        assert_eq!(
            Envelope::parse(&ev, "CallCompleted").unwrap_err().field,
            "detail"
        );
        assert_eq!(
            Envelope::parse(&json!([1]), "CallCompleted")
                .unwrap_err()
                .field,
            "event"
        );
    }
}
