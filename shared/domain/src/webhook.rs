//! The signed webhook, for phone platforms and booking systems that cannot put EventBridge
//! events: an HTTPS `POST /webhooks/{tenant_id}` whose body is the event (`{"detail-type",
//! "detail"}`), signed with the business's own secret, which Second Chance Leads puts on its
//! integration bus as if the system had put it there itself.
//!
//! The signature (header `X-SCL-Signature: t=<unix seconds>,v1=<hex>`) is HMAC-SHA256 under the
//! business's secret of `<t>.<body>`, the body's exact bytes. A request is refused unless the
//! signature matches, `t` is within five minutes of now (so a captured request cannot be sent
//! later), and this signature was not received before (so it cannot be sent twice within those
//! five minutes either: the service keeps each signature until it is stale).

use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};
use serde::Deserialize;
use serde_json::Value;

use super::booking::JobBooked;
use super::call_event::CallCompleted;
use super::error::FieldError;
use super::ids::TenantId;
use super::parse::from_value_named;

/// How far a request's timestamp may be from now, either way.
pub const TOLERANCE_SECONDS: i64 = 300;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-scl-signature";

/// The shortest secret accepted: 32 bytes, HMAC-SHA256's own output size.
pub const MIN_SECRET_BYTES: usize = 32;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// A business's signing secret, as kept in Secrets Manager.
#[derive(Clone)]
pub struct SigningSecret(Vec<u8>);

impl SigningSecret {
    /// A secret of at least `MIN_SECRET_BYTES`; `None` for a shorter one (a mistake when it was
    /// stored, which must not make every request easy to forge).
    pub fn new(secret: impl Into<Vec<u8>>) -> Option<Self> {
        let secret = secret.into();
        (secret.len() >= MIN_SECRET_BYTES).then_some(SigningSecret(secret))
    }

    fn mac(&self, timestamp: i64, body: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length; `new` made sure this one is long enough.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The header value that signs `body` at `timestamp` (what a sender computes).
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        let code = self.mac(timestamp, body).finalize().into_bytes();
        format!("t={timestamp},v1={}", hex(&code))
    }
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(..)")
    }
}

/// Why a request's signature is refused (each answered 401, saying which).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRefusal {
    #[error("the X-SCL-Signature header is required")]
    Missing,
    #[error("X-SCL-Signature must read t=<unix seconds>,v1=<64 hex digits>")]
    Malformed,
    #[error("the signature's timestamp is more than five minutes from now")]
    Stale,
    #[error("the signature does not match the body under the business's secret")]
    Mismatch,
}

/// A signature that matched: when it was made, and the signature itself (the replay key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub signed_at: DateTime<Utc>,
    pub signature: String,
}

impl Verified {
    /// Until when the signature must be remembered: past it, the request is stale anyway.
    pub fn remember_until(&self) -> DateTime<Utc> {
        self.signed_at + chrono::Duration::seconds(TOLERANCE_SECONDS)
    }
}

/// Checks `header` against `body` under `secret` at `now`.
pub fn verify(
    secret: &SigningSecret,
    header: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, SignatureRefusal> {
    let header = header.ok_or(SignatureRefusal::Missing)?;
    let (timestamp, code) = parse_header(header).ok_or(SignatureRefusal::Malformed)?;
    let signed_at = DateTime::from_timestamp(timestamp, 0).ok_or(SignatureRefusal::Malformed)?;
    if (now - signed_at).num_seconds().abs() > TOLERANCE_SECONDS {
        return Err(SignatureRefusal::Stale);
    }
    // `verify_slice` compares in constant time.
    secret
        .mac(timestamp, body)
        .verify_slice(&code)
        .map_err(|_| SignatureRefusal::Mismatch)?;
    Ok(Verified {
        signed_at,
        signature: hex(&code),
    })
}

/// `t=<digits>,v1=<64 hex digits>`, in that order.
fn parse_header(header: &str) -> Option<(i64, Vec<u8>)> {
    let (t, v1) = header.trim().split_once(',')?;
    let timestamp = t.strip_prefix("t=")?;
    if timestamp.is_empty()
        || timestamp.len() > 12
        || !timestamp.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let code = v1.trim().strip_prefix("v1=")?;
    if code.len() != 64 {
        return None;
    }
    let bytes = (0..32)
        .map(|i| u8::from_str_radix(code.get(2 * i..2 * i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some((timestamp.parse().ok()?, bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The event a webhook request carries, checked as its ingest function will read it, for the
/// business the request's path names.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// `CallCompleted` or `JobBooked`.
    pub detail_type: &'static str,
    /// The detail as sent (JSON text), put on the bus unchanged.
    pub detail: String,
}

impl WebhookEvent {
    /// Reads a request body for `tenant`; the error names the field.
    pub fn parse(tenant: &TenantId, body: &[u8]) -> Result<Self, FieldError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(rename = "detail-type")]
            detail_type: String,
            detail: Value,
        }
        let value: Value = serde_json::from_slice(body)
            .map_err(|_| FieldError::new("body", "must be a JSON object"))?;
        let raw: Raw = from_value_named("", &value)?;
        let (detail_type, named) = match raw.detail_type.as_str() {
            "CallCompleted" => (
                "CallCompleted",
                CallCompleted::from_detail(&raw.detail)?.tenant_id,
            ),
            "JobBooked" => ("JobBooked", JobBooked::from_detail(&raw.detail)?.tenant_id),
            _ => {
                return Err(FieldError::new(
                    "detail-type",
                    "must be CallCompleted or JobBooked",
                ))
            }
        };
        if &named != tenant {
            return Err(FieldError::new(
                "detail.tenant_id",
                "must be the business the webhook's address names",
            ));
        }
        Ok(WebhookEvent {
            detail_type,
            detail: raw.detail.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SigningSecret {
        SigningSecret::new("0123456789abcdef0123456789abcdef").unwrap()
    }

    fn at(unix: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(unix, 0).unwrap()
    }

    #[test]
    fn a_signature_matches_its_body_at_its_time_only() {
        let body = br#"{"detail-type":"JobBooked"}"#;
        let header = secret().sign(1_800_000_000, body);
        let ok = verify(&secret(), Some(&header), body, at(1_800_000_100)).unwrap();
        assert_eq!(ok.signed_at, at(1_800_000_000));
        assert_eq!(ok.remember_until(), at(1_800_000_300));
        let refused = |h: Option<&str>, b: &[u8], now| verify(&secret(), h, b, now).unwrap_err();
        let now = at(1_800_000_100);
        assert_eq!(
            refused(Some(&header), b"{}", now),
            SignatureRefusal::Mismatch
        );
        assert_eq!(refused(None, body, now), SignatureRefusal::Missing);
        assert_eq!(
            refused(Some("v1=abc"), body, now),
            SignatureRefusal::Malformed
        );
        let other = SigningSecret::new("another secret of thirty-two bytes!").unwrap();
        let forged = other.sign(1_800_000_000, body);
        assert_eq!(
            refused(Some(&forged), body, now),
            SignatureRefusal::Mismatch
        );
        // A later timestamp on the same code is a different message.
        let moved = header.replace("t=1800000000", "t=1800000001");
        assert_eq!(refused(Some(&moved), body, now), SignatureRefusal::Mismatch);
    }

    #[test]
    fn a_signature_older_or_newer_than_five_minutes_is_stale() {
        let body = b"{}";
        let header = secret().sign(1_800_000_000, body);
        assert!(verify(&secret(), Some(&header), body, at(1_800_000_300)).is_ok());
        for now in [at(1_800_000_301), at(1_799_999_699)] {
            let e = verify(&secret(), Some(&header), body, now).unwrap_err();
            assert_eq!(e, SignatureRefusal::Stale);
        }
    }

    #[test]
    fn a_short_secret_is_not_a_secret() {
        assert!(SigningSecret::new("too short").is_none());
    }

    #[test]
    fn the_event_must_read_and_name_the_webhooks_business() {
        let tenant = TenantId::parse("tenant_id", "t-1").unwrap();
        let booked = serde_json::json!({"detail-type": "JobBooked", "detail": {
            "tenant_id": "t-1", "job_id": "j-1", "customer_phone": "+15125550100",
            "booked_at": "2026-11-24T16:00:00Z", "booked_by": "u-9"}});
        let event = WebhookEvent::parse(&tenant, booked.to_string().as_bytes()).unwrap();
        assert_eq!(event.detail_type, "JobBooked");
        let field = |v: Value| {
            WebhookEvent::parse(&tenant, v.to_string().as_bytes())
                .unwrap_err()
                .field
        };
        let mut other = booked.clone();
        other["detail"]["tenant_id"] = serde_json::json!("t-2");
        assert_eq!(field(other), "detail.tenant_id");
        let mut bad = booked.clone();
        bad["detail"]["customer_phone"] = serde_json::json!("nope");
        assert_eq!(field(bad), "detail.customer_phone");
        let mut unknown = booked.clone();
        unknown["detail-type"] = serde_json::json!("LeadCreated");
        assert_eq!(field(unknown), "detail-type");
        assert_eq!(
            WebhookEvent::parse(&tenant, b"nope").unwrap_err().field,
            "body"
        );
    }
}
