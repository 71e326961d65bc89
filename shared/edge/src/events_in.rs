//! Events in, decoded before any service runs: `decode` turns an EventBridge event into its
//! typed detail (a `CallCompleted`, a `JobBooked`) and its origin, or into an `Unreadable` that
//! the handler files for an operator (as it files, through `refused`, an event the service
//! refused); `scheduled_at` reads a schedule's tick.
//!
//! Every payload an event function is sent reaches its handler, so it can be filed even when
//! it cannot be read: the Lambda runtime decodes the payload into the handler's type before
//! the handler runs, and a payload that is not JSON (or is nested deeper than the JSON decoder
//! goes) would fail there, unfiled. `ReadablePayloadLayer` sits in front of that decoding and
//! hands such a payload on wrapped in a JSON object under `UNREADABLE`, which `decode` answers
//! as unreadable naming the field `event`.

use std::task::{Context, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::LambdaInvocation;
use serde_json::json;

use scl_core::ports::Unreadable;
use scl_domain::envelope::{Arrived, Envelope};
use scl_domain::error::cut;
use scl_domain::FieldError;

/// The key under which `ReadablePayloadLayer` hands on a payload that is not JSON.
const UNREADABLE: &str = "scl_unreadable_payload";

/// How much of an unreadable payload is kept (as text) for the operator.
const KEPT_BYTES: usize = 300_000;

#[derive(Clone, Copy, Debug, Default)]
pub struct ReadablePayloadLayer;

impl<S> Layer<S> for ReadablePayloadLayer {
    type Service = ReadablePayload<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ReadablePayload { inner }
    }
}

#[derive(Clone, Debug)]
pub struct ReadablePayload<S> {
    inner: S,
}

impl<S: Service<LambdaInvocation>> Service<LambdaInvocation> for ReadablePayload<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> Self::Future {
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(&invocation.body) {
            invocation.body = wrap(&invocation.body, &e).into_bytes().into();
        }
        self.inner.call(invocation)
    }
}

/// The JSON the handler receives instead of an unreadable payload.
pub fn wrap(payload: &[u8], error: &serde_json::Error) -> String {
    let text = cut(String::from_utf8_lossy(payload).into_owned(), KEPT_BYTES);
    json!({UNREADABLE: {"error": error.to_string(), "payload": text}}).to_string()
}

/// The event's detail as `parse` reads it, and its origin, once the envelope says it is a
/// `detail_type`; or, when either cannot be read, what an operator needs to see why.
pub fn decode<T>(
    event: &serde_json::Value,
    detail_type: &str,
    parse: impl FnOnce(&serde_json::Value) -> Result<T, FieldError>,
) -> Result<Arrived<T>, Box<Unreadable>> {
    let envelope = envelope(event, detail_type);
    let parsed = envelope.as_ref().map_err(Clone::clone).and_then(|env| {
        Ok(Arrived {
            origin: env.origin.clone(),
            detail: parse(&env.detail)?,
        })
    });
    parsed.map_err(|error| Box::new(filed(event, envelope.ok(), error)))
}

/// A read event that the service refused (its business does not admit its source), as an
/// operator sees it among the rejected events.
pub fn refused(event: &serde_json::Value, detail_type: &str, error: FieldError) -> Unreadable {
    filed(event, envelope(event, detail_type).ok(), error)
}

fn filed(event: &serde_json::Value, env: Option<Envelope>, error: FieldError) -> Unreadable {
    Unreadable {
        event_id: env.as_ref().and_then(|e| e.id.clone()),
        detail_type: env.as_ref().map(|e| e.detail_type.clone()),
        tenant_id: env.as_ref().and_then(Envelope::claimed_tenant),
        error: error.bounded(),
        raw: event.to_string(),
    }
}

fn envelope(event: &serde_json::Value, detail_type: &str) -> Result<Envelope, FieldError> {
    if let Some(unreadable) = event.get(UNREADABLE) {
        let why = unreadable["error"].as_str().unwrap_or("unknown");
        return Err(FieldError::new(
            "event",
            format!("cannot be read as JSON: {why}"),
        ));
    }
    Envelope::parse(event, detail_type)
}

/// The moment a scheduled invocation stands for: the EventBridge schedule event's `time`, so a
/// test (or an operator replaying a missed run) drives the clock through the input; now when
/// the event has none.
pub fn scheduled_at(payload: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    payload
        .get("time")
        .and_then(serde_json::Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(scl_domain::lead::now_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_payload_becomes_json_that_says_why() {
        for raw in [&b"not json"[..], b"", &[b'['; 300]] {
            let e = serde_json::from_slice::<serde_json::Value>(raw).unwrap_err();
            let wrapped: serde_json::Value = serde_json::from_str(&wrap(raw, &e)).unwrap();
            assert!(wrapped[UNREADABLE]["error"].as_str().is_some(), "{wrapped}");
        }
    }
}
