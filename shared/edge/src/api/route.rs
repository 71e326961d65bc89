//! The kinds of API route, each a whole handler around the route's own part, so that a
//! function's handler is its span and that part: `read` (authorised, answered), `action`
//! (authorised, done once per `Idempotency-Key`, answered). An admin route is either, with
//! `Scope::Admin`; a CSR action on a lead is `lead_action::handle`, an `action`.

use std::future::Future;

use lambda_http::{Body, Request, Response};
use tracing::Instrument;

use super::{idempotent, respond, ApiError, Caller, Scope};
use scl_core::ports::IdempotencyStore;

/// A route that reads: the caller, authorised for `scope`, is given to `answer`; its answer or
/// the contract's error is the response, all inside `span`.
pub async fn read<F, Fut>(
    req: &Request,
    span: tracing::Span,
    scope: Scope,
    answer: F,
) -> Result<Response<Body>, lambda_http::Error>
where
    F: FnOnce(Caller) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    // On the heap: a route's future holds its SDK calls' futures, large in a debug build, and
    // a caller that polls the handler in place (a test) would carry them on its stack.
    let answered = Box::pin(async { answer(Caller::authorize(req, scope)?).await });
    Ok(respond(answered.instrument(span).await))
}

/// A route that changes something: as `read`, and `work` runs once per `Idempotency-Key` (a
/// retry with the key gets the first answer back).
pub async fn action<S, F, Fut>(
    store: &S,
    req: &Request,
    span: tracing::Span,
    scope: Scope,
    work: F,
) -> Result<Response<Body>, lambda_http::Error>
where
    S: IdempotencyStore,
    F: FnOnce(Caller) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    // On the heap, as in `read`.
    let answered = Box::pin(async {
        let caller = Caller::authorize(req, scope)?;
        idempotent::once(store, &caller.clone(), req, || work(caller)).await
    });
    Ok(respond(answered.instrument(span).await))
}
