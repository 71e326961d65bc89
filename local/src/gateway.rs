//! The HTTP API (like `sam local start-api`) and the Lambda Invoke API (like
//! `sam local start-lambda`), in front of the functions' runtime emulators.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::apigw::{self, HttpRequest};
use crate::jwt;
use crate::runtime::FunctionPool;
use crate::template::RouteDef;

pub struct Route {
    pub def: RouteDef,
    pub function: Arc<FunctionPool>,
}

pub struct Gateway {
    pub routes: Vec<Route>,
    pub functions: BTreeMap<String, Arc<FunctionPool>>,
    pub jwt_secret: String,
    pub faults: crate::faults::Faults,
    /// The CSR console and its dev sign-in, when the stack serves them.
    pub console: Option<crate::console::Console>,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({"error": {"code": code, "message": message}}).to_string(),
    )
        .into_response()
}

/// The contract's error JSON naming the request part at fault.
fn field_error(status: StatusCode, field: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({"error": {"code": "validation_failed", "message": message, "field": field}})
            .to_string(),
    )
        .into_response()
}

/// API Gateway's limits on a request line and on its headers (HTTP API quotas).
const MAX_URI_BYTES: usize = 8 * 1024;
const MAX_HEADER_BYTES: usize = 10 * 1024;

/// What API Gateway refuses before any function runs, answered in the contract's shape: an
/// oversize request line or header section, or a header value that is not visible ASCII (which
/// this gateway would otherwise have to drop, letting e.g. an unreadable `If-Match` through).
fn refused_request(req: &Request) -> Option<Response> {
    if req.uri().to_string().len() > MAX_URI_BYTES {
        return Some(field_error(
            StatusCode::URI_TOO_LONG,
            "uri",
            "The request URI is longer than API Gateway accepts (8 KB).",
        ));
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Some(field_error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers",
            "The request headers are larger than API Gateway accepts (10 KB).",
        ));
    }
    let unreadable = req.headers().iter().find(|(_, v)| v.to_str().is_err());
    unreadable.map(|(name, _)| {
        field_error(
            StatusCode::BAD_REQUEST,
            name.as_str(),
            "must be printable ASCII",
        )
    })
}

/// Matches `/leads/abc` against `/leads/{id}`; returns the path parameters.
fn match_path(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = BTreeMap::new();
    for (ts, ps) in t.iter().zip(p.iter()) {
        if let Some(name) = ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if ps.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), apigw::percent_decode(ps));
        } else if ts != ps {
            return None;
        }
    }
    Some(params)
}

async fn http_api(State(gw): State<Arc<Gateway>>, req: Request) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let raw_query = req.uri().query().unwrap_or_default().to_owned();
    if let Some(refused) = refused_request(&req) {
        return refused;
    }
    if method == "GET" && path == "/health" {
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            r#"{"status":"ok"}"#,
        )
            .into_response();
    }
    // The console first: a browser navigating to a console address (some, like /settings,
    // are API paths too) gets the console; an API client's request goes on to the routes.
    if let Some(console) = gw.console.as_ref() {
        if console.claims_request(&method, &path, req.headers()) {
            let headers = req.headers().clone();
            let body = to_bytes(req.into_body(), 64 * 1024)
                .await
                .unwrap_or_default();
            return console
                .serve(&method, &path, &raw_query, &headers, &body)
                .await;
        }
    }
    let mut matched = None;
    let mut allowed: Vec<&str> = Vec::new();
    for route in &gw.routes {
        if let Some(params) = match_path(&route.def.path, &path) {
            allowed.push(&route.def.method);
            if route.def.method == method {
                matched = Some((route, params));
                break;
            }
        }
    }
    let Some((route, path_parameters)) = matched else {
        if allowed.is_empty() {
            return error(StatusCode::NOT_FOUND, "not_found", "No such route.");
        }
        // A known path asked with another method: say which methods it has (RFC 9110 §15.5.6).
        let mut refused = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "not_found",
            "No such route.",
        );
        if let Ok(value) = allowed.join(", ").parse() {
            refused
                .headers_mut()
                .insert(axum::http::header::ALLOW, value);
        }
        return refused;
    };
    // The JWT authorizer: no or invalid token -> 401; missing route scope -> 403. A route
    // with `Authorizer: NONE` has none (the function authenticates the request itself).
    let claims = if route.def.public {
        None
    } else {
        match authorize(&gw, &route.def, &req) {
            Ok(claims) => Some(claims),
            Err(refused) => return *refused,
        }
    };
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_lowercase(), v.to_owned()))
        })
        .collect();
    let body = match to_bytes(req.into_body(), 6 * 1024 * 1024).await {
        Ok(b) if b.is_empty() => None,
        Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Err(_) => {
            return field_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body",
                "The request body is larger than a function can be sent (6 MB).",
            )
        }
    };
    let event = apigw::event(
        &HttpRequest {
            method,
            route_path: route.def.path.clone(),
            raw_path: path,
            raw_query,
            headers,
            path_parameters,
            body,
            claims,
        },
        &ulid::Ulid::generate().to_string(),
    );
    match route.function.invoke(event.to_string().into_bytes()).await {
        Ok((payload, false)) => lambda_response(&payload),
        Ok((_, true)) | Err(_) => {
            error(StatusCode::BAD_GATEWAY, "internal", "The function failed.")
        }
    }
}

/// API Gateway's JWT authorizer for `route`: the token's claims, or the refusal.
fn authorize(
    gw: &Gateway,
    route: &crate::template::RouteDef,
    req: &Request,
) -> Result<serde_json::Map<String, Value>, Box<Response>> {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(claims) = token.and_then(|t| jwt::verify(t, &gw.jwt_secret)) else {
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "A valid bearer token is required.",
        )));
    };
    if !route.scopes.is_empty() {
        let held: Vec<&str> = claims
            .get("scope")
            .and_then(Value::as_str)
            .map(|s| s.split_whitespace().collect())
            .unwrap_or_default();
        // As API Gateway: the token must hold one of the route's scopes. The local stack's one
        // liberty: its dev tokens carry the plain names (`scl.view`), which also satisfy the
        // template's prefixed ones (`scl-api/scl.view`), as the functions accept both.
        let satisfied = |required: &String| {
            held.iter().any(|h| {
                *h == required.as_str()
                    || required
                        .rsplit_once('/')
                        .is_some_and(|(_, plain)| *h == plain)
            })
        };
        if !route.scopes.iter().any(satisfied) {
            return Err(Box::new(error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "The token lacks the scope this route requires.",
            )));
        }
    }
    Ok(claims)
}

/// Turns a function's API Gateway v2 response payload into an HTTP response.
fn lambda_response(payload: &[u8]) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(payload) else {
        return error(
            StatusCode::BAD_GATEWAY,
            "internal",
            "The function returned an invalid response.",
        );
    };
    let status = v
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let mut headers = HeaderMap::new();
    if let Some(h) = v.get("headers").and_then(Value::as_object) {
        for (k, val) in h {
            if let (Ok(name), Some(Ok(value))) = (
                axum::http::HeaderName::from_bytes(k.as_bytes()),
                val.as_str().map(HeaderValue::from_str),
            ) {
                headers.insert(name, value);
            }
        }
    }
    let body = v.get("body").and_then(Value::as_str).unwrap_or_default();
    let bytes = if v.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap_or_default()
    } else {
        body.as_bytes().to_vec()
    };
    (status, headers, Body::from(bytes)).into_response()
}

/// Lambda's limit on a synchronous invocation's payload (6 MB).
const INVOKE_PAYLOAD_LIMIT: usize = 6 * 1024 * 1024;

async fn invoke_api(
    State(gw): State<Arc<Gateway>>,
    Path(name): Path<String>,
    body: Body,
) -> Response {
    let Ok(body) = to_bytes(body, INVOKE_PAYLOAD_LIMIT).await else {
        // Lambda's answer to an oversize payload.
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [
                ("content-type", "application/json"),
                ("x-amzn-errortype", "RequestEntityTooLargeException"),
            ],
            json!({"Type": "User", "message": format!(
                "Request must be smaller than {INVOKE_PAYLOAD_LIMIT} bytes for the InvokeFunction operation"
            )})
            .to_string(),
        )
            .into_response();
    };
    let Some(f) = gw.functions.get(&name) else {
        return (
            StatusCode::NOT_FOUND,
            [("content-type", "application/json")],
            json!({"Type": "User", "message": format!("Function not found: {name}")}).to_string(),
        )
            .into_response();
    };
    match f.invoke(body.to_vec()).await {
        Ok((payload, is_error)) => {
            let mut resp = (
                StatusCode::OK,
                [("content-type", "application/json")],
                payload,
            )
                .into_response();
            if is_error {
                resp.headers_mut().insert(
                    "x-amz-function-error",
                    HeaderValue::from_static("Unhandled"),
                );
            }
            resp
        }
        Err(e) => error(StatusCode::BAD_GATEWAY, "internal", &e.to_string()),
    }
}

pub fn http_api_router(gw: Arc<Gateway>) -> Router {
    Router::new().fallback(http_api).with_state(gw)
}

/// The fault plan: `GET` shows it, `PUT` replaces it (outages count from then), `DELETE` ends it.
async fn faults_api(
    State(gw): State<Arc<Gateway>>,
    method: http::Method,
    body: axum::body::Bytes,
) -> Response {
    if method == http::Method::PUT {
        match serde_json::from_slice::<crate::faults::FaultPlan>(&body) {
            Ok(plan) => {
                tracing::warn!(?plan, "fault injection on");
                gw.faults.set(plan);
            }
            Err(e) => return field_error(StatusCode::BAD_REQUEST, "body", &e.to_string()),
        }
    } else if method == http::Method::DELETE {
        gw.faults.set(Default::default());
    }
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        json!({"plan": gw.faults.plan(), "injected": gw.faults.injected()}).to_string(),
    )
        .into_response()
}

pub fn invoke_api_router(gw: Arc<Gateway>) -> Router {
    Router::new()
        .route(
            "/faults",
            axum::routing::get(faults_api)
                .put(faults_api)
                .delete(faults_api),
        )
        .route("/2015-03-31/functions/{name}/invocations", post(invoke_api))
        // The handler applies Lambda's own limit and answers as Lambda does.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(gw)
}

#[cfg(test)]
mod tests {
    use super::match_path;

    #[test]
    fn paths_match_route_templates() {
        assert_eq!(match_path("/leads", "/leads").unwrap().len(), 0);
        assert_eq!(
            match_path("/leads/{id}", "/leads/abc").unwrap()["id"],
            "abc"
        );
        assert!(match_path("/leads/{id}", "/leads").is_none());
        assert!(match_path("/leads/{id}/transcript/search", "/leads/a/transcript").is_none());
        assert_eq!(
            match_path(
                "/leads/{id}/transcript/search",
                "/leads/a/transcript/search"
            )
            .unwrap()["id"],
            "a"
        );
    }
}
