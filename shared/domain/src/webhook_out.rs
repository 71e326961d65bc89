//! Integration events on the events bus, and a business's registered webhook
//! (docs/api.md, Events out).
//!
//! Every integration event is put on the stack's events bus (source `second-chance-leads`,
//! detail-type the event's type) with the detail `{"event_id", "event_type", "tenant_id",
//! "data", "body", "signature"}`: `data` is the event's payload; `body` is the JSON text
//! `{"event_id", "event_type", "data"}`; `signature` (`t=<unix seconds>,v1=<hex>`, as the
//! signed webhook's) is HMAC-SHA256 of `<t>.<body>` under the business's outbound secret, when it
//! registered a webhook. A webhook receives the whole EventBridge event; it checks the signature
//! against `detail.body` (a string, so no re-encoding of the JSON on the way changes what was
//! signed) and reads the event from it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::error::FieldError;
use super::events::PendingEvent;
use super::ids::TenantId;
use super::webhook::SigningSecret;

/// The source of every event the stack puts on its events bus.
pub const EVENTS_SOURCE: &str = "second-chance-leads";

/// The events a webhook can ask for.
pub const EVENT_TYPES: [&str; 3] = ["LeadCreated", "CallbackRequested", "NoteCopied"];

/// The business an event is about (its payload's `tenant_id`).
pub fn tenant_of(event: &PendingEvent) -> Option<TenantId> {
    let payload: Value = serde_json::from_str(&event.payload).ok()?;
    TenantId::parse("tenant_id", payload.get("tenant_id")?.as_str()?).ok()
}

/// The detail (JSON text) `event` is put on the events bus with, signed under `secret` at `now`
/// when the business has one.
pub fn bus_detail(
    event: &PendingEvent,
    tenant: &TenantId,
    secret: Option<&SigningSecret>,
    now: DateTime<Utc>,
) -> String {
    let data: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    let body = json!({"event_id": event.event_id, "event_type": event.event_type, "data": data})
        .to_string();
    let mut detail = json!({
        "event_id": event.event_id, "event_type": event.event_type,
        "tenant_id": tenant.as_str(), "data": data,
    });
    if let Some(secret) = secret {
        detail["signature"] = json!(secret.sign(now.timestamp(), body.as_bytes()));
    }
    detail["body"] = json!(body);
    detail.to_string()
}

/// A business's webhook for integration events, as an administrator registers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookRegistration {
    /// Where the events go: HTTPS (or plain HTTP to this machine, for local testing; EventBridge
    /// refuses it on AWS).
    pub url: String,
    /// Which event types it receives (all of them when the request names none).
    pub events: Vec<String>,
}

impl WebhookRegistration {
    /// Reads `PUT /integrations/webhook`; the error names the field.
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            url: String,
            #[serde(default)]
            events: Option<Vec<String>>,
        }
        if body.get("events").is_some_and(Value::is_null) {
            return Err(FieldError::new(
                "events",
                "must be a list of event types (leave it out for all of them)",
            ));
        }
        let raw: Raw = super::parse::from_value_named("", body)?;
        let url = raw.url.trim();
        let host = url
            .strip_prefix("https://")
            .or_else(|| {
                url.strip_prefix("http://")
                    .filter(|rest| ["127.0.0.1", "localhost"].contains(&host_of(rest)))
            })
            .map(host_of);
        let valid = url.len() <= 2048
            && !url.chars().any(char::is_whitespace)
            && host.is_some_and(|h| {
                (h.contains('.') || h == "localhost")
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            });
        if !valid {
            return Err(FieldError::new(
                "url",
                "must be an https:// address of at most 2048 characters",
            ));
        }
        let mut events = match raw.events {
            None => EVENT_TYPES.iter().map(|e| (*e).to_owned()).collect(),
            Some(list) if list.is_empty() => {
                return Err(FieldError::new(
                    "events",
                    "must name at least one event type",
                ))
            }
            Some(list) => list,
        };
        for (i, e) in events.iter().enumerate() {
            if !EVENT_TYPES.contains(&e.as_str()) {
                return Err(FieldError::new(
                    format!("events[{i}]"),
                    "must be LeadCreated, CallbackRequested or NoteCopied",
                ));
            }
            if events[..i].contains(e) {
                return Err(FieldError::new(format!("events[{i}]"), "is listed twice"));
            }
        }
        events.sort();
        Ok(WebhookRegistration {
            url: url.to_owned(),
            events,
        })
    }
}

/// `host[:port]/path...` -> `host`.
fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> PendingEvent {
        PendingEvent {
            event_id: "01JDX3Q8M7V4K2N9P5R6S8T0W1.1.0".into(),
            event_type: "LeadCreated".into(),
            payload: r#"{"tenant_id":"t-1","lead_id":"01JDX3Q8M7V4K2N9P5R6S8T0W1"}"#.into(),
        }
    }

    #[test]
    fn the_bus_detail_carries_a_body_signed_under_the_businesss_secret() {
        let tenant = tenant_of(&event()).unwrap();
        assert_eq!(tenant.as_str(), "t-1");
        let secret = SigningSecret::new("0123456789abcdef0123456789abcdef").unwrap();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let detail: Value =
            serde_json::from_str(&bus_detail(&event(), &tenant, Some(&secret), now)).unwrap();
        let body = detail["body"].as_str().unwrap();
        let signature = detail["signature"].as_str().unwrap();
        // What a receiver does: check the signature over the body, then read it.
        let checked = crate::webhook::verify(&secret, Some(signature), body.as_bytes(), now);
        assert!(checked.is_ok(), "{checked:?}");
        let read: Value = serde_json::from_str(body).unwrap();
        assert_eq!(read["event_type"], "LeadCreated");
        assert_eq!(read["data"]["lead_id"], "01JDX3Q8M7V4K2N9P5R6S8T0W1");
        assert_eq!(detail["data"], read["data"]);
        let unsigned: Value =
            serde_json::from_str(&bus_detail(&event(), &tenant, None, now)).unwrap();
        assert!(unsigned.get("signature").is_none());
    }

    #[test]
    fn a_registration_needs_an_https_address_and_known_event_types() {
        let parse = |v: Value| WebhookRegistration::parse(&v);
        let all = parse(json!({"url": "https://crm.example.com/hooks/scl"})).unwrap();
        assert_eq!(
            all.events,
            vec!["CallbackRequested", "LeadCreated", "NoteCopied"]
        );
        let local = parse(json!({"url": "http://127.0.0.1:8080/hook", "events": ["LeadCreated"]}));
        assert_eq!(local.unwrap().events, vec!["LeadCreated"]);
        for (body, field) in [
            (json!({"url": "http://crm.example.com/hook"}), "url"),
            (json!({"url": "ftp://crm.example.com"}), "url"),
            (json!({"url": "https://"}), "url"),
            (
                json!({"url": "https://a.example.com", "events": []}),
                "events",
            ),
            (
                json!({"url": "https://a.example.com", "events": ["LeadCreated", "Nope"]}),
                "events[1]",
            ),
            (
                json!({"url": "https://a.example.com", "colour": 1}),
                "colour",
            ),
        ] {
            assert_eq!(parse(body.clone()).unwrap_err().field, field, "{body}");
        }
    }
}
