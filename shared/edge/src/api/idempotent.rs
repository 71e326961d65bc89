//! `Idempotency-Key` on the POST and PUT routes (docs/api.md, Retries from clients): the route's
//! work runs at most once per key; a retry gets the first answer back.

use std::future::Future;

use lambda_http::{Body, Request, Response};
use tracing::{error, info, warn};

/// Attempts at recording a key's outcome (each with the SDK's own retries).
const RECORD_ATTEMPTS: u32 = 5;

use super::{ApiError, Caller};
use scl_core::ports::{Claim, IdempotencyScope, IdempotencyStore, StoredAnswer};
use scl_domain::idempotency::IdempotencyKey;
use sha2::{Digest, Sha256};

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

/// Runs `work` for an authorised `caller`, once per `Idempotency-Key` when the request has one.
/// Answers under 500 are kept and replayed; after a 5xx the key is given back, so the client's
/// retry runs the work again.
pub async fn once<S, F, Fut>(
    store: &S,
    caller: &Caller,
    req: &Request,
    work: F,
) -> Result<Response<Body>, ApiError>
where
    S: IdempotencyStore,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    let Some(raw) = req.headers().get(HEADER) else {
        return work().await;
    };
    let scope = IdempotencyScope {
        tenant: caller.tenant_id.clone(),
        user: caller.user_id.clone(),
        key: IdempotencyKey::parse(HEADER, raw.as_bytes())?,
    };
    let print = fingerprint(
        req.method().as_str(),
        req.uri().path(),
        req.headers().get("if-match").map(|v| v.as_bytes()),
        req.body().as_ref(),
    );
    let now = scl_domain::lead::now_millis();
    match store.claim(&scope, &print, now).await? {
        Claim::Proceed => {}
        Claim::Replay(answer) => {
            info!(status = answer.status, "idempotent replay");
            return Ok(replay(answer));
        }
        Claim::InProgress => return Err(ApiError::RequestInProgress),
        Claim::Reused => return Err(ApiError::IdempotencyKeyReused),
    }
    let response = super::respond(work().await);
    let status = response.status().as_u16();
    let answer = stored(&response);
    // Recording the outcome matters: a key left in progress lapses after a while, and a retry
    // after that would act again. So it is tried harder than one request's own retries.
    for attempt in 1..=RECORD_ATTEMPTS {
        let kept = if status >= 500 {
            store.release(&scope, &print).await
        } else {
            store.complete(&scope, &print, &answer, now).await
        };
        match kept {
            Ok(()) => break,
            Err(e) if attempt < RECORD_ATTEMPTS => {
                warn!(error = %scl_core::telemetry::chain(&e), attempt, "recording the idempotent answer failed; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
            Err(e) => {
                error!(error = %scl_core::telemetry::chain(&e), "could not record the idempotent answer")
            }
        }
    }
    Ok(response)
}

/// What makes two requests "the same" under one key: method, path, `If-Match` and body (as
/// sent, byte for byte), hashed.
pub fn fingerprint(method: &str, path: &str, if_match: Option<&[u8]>, body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [
        method.as_bytes(),
        path.as_bytes(),
        if_match.unwrap_or(b"-"),
        body,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn stored(response: &Response<Body>) -> StoredAnswer {
    StoredAnswer {
        status: response.status().as_u16(),
        // Every answer of these routes is JSON text.
        body: String::from_utf8_lossy(response.body().as_ref()).into_owned(),
        etag: response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

fn replay(answer: StoredAnswer) -> Response<Body> {
    let mut builder = Response::builder()
        .status(answer.status)
        .header("content-type", "application/json")
        .header("idempotency-replayed", "true");
    if let Some(etag) = &answer.etag {
        builder = builder.header("etag", etag);
    }
    builder
        .body(Body::Text(answer.body))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use scl_core::memory::MemoryStore;
    use scl_domain::{TenantId, UserId};

    fn caller() -> Caller {
        Caller {
            tenant_id: TenantId::parse("tenant_id", "t-1").unwrap(),
            user_id: UserId::parse("sub", "u-1").unwrap(),
            name: None,
            scopes: vec![],
        }
    }

    fn request(key: &str, body: &str) -> Request {
        lambda_http::http::Request::builder()
            .method("POST")
            .uri("/leads/01J/dismiss")
            .header(HEADER, key)
            .body(Body::from(body.to_owned()))
            .unwrap()
    }

    /// Runs the route's work through `once`, answering `status`; counts the runs.
    async fn send(
        store: &MemoryStore,
        req: &Request,
        runs: &AtomicU32,
        status: u16,
    ) -> Response<Body> {
        let work = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(Response::builder()
                .status(status)
                .header("etag", "\"2\"")
                .body(Body::from("{\"status\":\"not_a_lead\"}"))
                .unwrap())
        };
        match once(store, &caller(), req, work).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        }
    }

    #[test]
    fn the_fingerprint_changes_with_any_part_of_the_request() {
        let base = fingerprint("POST", "/leads/1/notes", None, b"{\"text\":\"a\"}");
        assert_eq!(
            base,
            fingerprint("POST", "/leads/1/notes", None, b"{\"text\":\"a\"}")
        );
        for other in [
            fingerprint("PUT", "/leads/1/notes", None, b"{\"text\":\"a\"}"),
            fingerprint("POST", "/leads/2/notes", None, b"{\"text\":\"a\"}"),
            fingerprint(
                "POST",
                "/leads/1/notes",
                Some(b"\"3\""),
                b"{\"text\":\"a\"}",
            ),
            fingerprint("POST", "/leads/1/notes", None, b"{\"text\":\"b\"}"),
            // Parts cannot run into each other.
            fingerprint("POST", "/leads/1/notes{\"text\":\"a\"}", None, b""),
        ] {
            assert_ne!(base, other);
        }
    }

    #[tokio::test]
    async fn a_retry_gets_the_first_answer_and_the_work_runs_once() {
        let (store, runs) = (MemoryStore::default(), AtomicU32::new(0));
        let first = send(&store, &request("k-1", "{}"), &runs, 200).await;
        let retry = send(&store, &request("k-1", "{}"), &runs, 200).await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(retry.status(), first.status());
        assert_eq!(retry.body(), first.body());
        assert_eq!(retry.headers()["etag"], "\"2\"");
        assert_eq!(retry.headers()["idempotency-replayed"], "true");
    }

    #[tokio::test]
    async fn a_key_used_for_another_request_is_refused() {
        let (store, runs) = (MemoryStore::default(), AtomicU32::new(0));
        send(&store, &request("k-1", "{}"), &runs, 200).await;
        let other = send(&store, &request("k-1", "{\"reason\":\"spam\"}"), &runs, 200).await;
        assert_eq!(other.status(), 422);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn after_a_server_error_the_retry_runs_the_work_again() {
        let (store, runs) = (MemoryStore::default(), AtomicU32::new(0));
        send(&store, &request("k-1", "{}"), &runs, 503).await;
        let retry = send(&store, &request("k-1", "{}"), &runs, 200).await;
        assert_eq!(
            (retry.status().as_u16(), runs.load(Ordering::SeqCst)),
            (200, 2)
        );
    }
}
