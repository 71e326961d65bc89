//! The HTTP edge shared by every API function: who is calling (from the API Gateway JWT
//! authorizer context), the contract's error JSON, and the lead views.

pub mod caller;
pub mod error;
pub mod idempotent;
pub mod lead_action;
pub mod route;
#[cfg(any(test, feature = "samples"))]
pub mod sample;
pub mod scope;
pub mod token_shape;
pub mod view;

pub use caller::Caller;
pub use error::ApiError;
pub use scope::Scope;
pub use token_shape::TokenShape;

use lambda_http::{Body, Response};
use serde::Serialize;

/// A JSON response; `etag` is the lead version when the body is a lead.
pub fn json<T: Serialize>(status: u16, body: &T, etag: Option<u64>) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(v) = etag {
        builder = builder.header("etag", format!("\"{v}\""));
    }
    builder
        .body(Body::Text(text))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// Runs an API function: `lambda_http::run` over `handler`, with each answer handed to
/// lambda_http exactly as built. lambda_http's own conversion of a `Response<B>` collects the
/// body again and re-decodes it by the charset in its content type, which links encoding_rs's
/// tables for every legacy encoding (~0.15 MB of each API bootstrap, BENCHMARKS.md); these
/// answers are already UTF-8 text (`json`) or empty.
pub async fn serve<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = Result<Response<Body>, lambda_http::Error>> + Send,
{
    lambda_http::run(lambda_http::service_fn(|req| {
        let answer = handler(req);
        async move { answer.await.map(AsBuilt) }
    }))
    .await
}

/// A response lambda_http sends as it is (`serve`).
struct AsBuilt(Response<Body>);

impl lambda_http::IntoResponse for AsBuilt {
    fn into_response(
        self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response<Body>> + Send>> {
        Box::pin(std::future::ready(self.0))
    }
}

/// Runs a handler body and turns its error into the contract's response: the one place
/// errors become HTTP.
pub fn respond(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    result.unwrap_or_else(|e| e.into_response())
}

/// Rejects query parameters other than `allowed` (and repeated ones), like unknown JSON fields
/// (the rule of `crate::query`).
pub fn reject_query_params(req: &lambda_http::Request, allowed: &[&str]) -> Result<(), ApiError> {
    use lambda_http::RequestExt;
    let params = req.query_string_parameters();
    let mut values = vec![None; allowed.len()];
    crate::query::fill_known(params.iter(), allowed, &mut values)?;
    Ok(())
}

/// The Lambda request id for log spans (absent when a handler is called outside Lambda).
pub fn request_id(req: &lambda_http::Request) -> String {
    use lambda_http::RequestExt;
    req.lambda_context_ref()
        .map(|c| c.request_id.clone())
        .unwrap_or_else(|| "-".to_owned())
}
