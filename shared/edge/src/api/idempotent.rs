//! `Idempotency-Key` on the POST and PUT routes (docs/api.md, Retries from clients): the route's
//! work runs at most once per key; a retry gets the first answer back.

use std::future::Future;

use lambda_http::{Body, Request, Response};
use tracing::{error, info, warn};

/// Attempts at recording a key's outcome (each with the SDK's own retries).
const RECORD_ATTEMPTS: u32 = 5;

use super::{ApiError, Caller};
use scl_core::ports::{Claim, IdempotencyScope, IdempotencyStore, StoredAnswer};
use scl_domain::idempotency::{fingerprint, IdempotencyKey, HEADER};

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
        key: IdempotencyKey::parse(raw.as_bytes())?,
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
