//! The per-function proxy in front of DynamoDB Local and moto: allowed calls pass through (or
//! meet the stack's injected faults, `crate::faults`, answered here in each service's protocol),
//! the others are answered with the service's own access-denied error.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Result;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;

use super::*;
use crate::faults::FailedCall;

/// The error the service itself would answer, in its protocol (`json_request`: the request
/// was in a JSON protocol, as the SQS SDK's are; SQS also answers the query protocol).
pub(crate) fn denied_response(policy: &Policy, a: &Access, json_request: bool) -> Response {
    let message = format!(
        "User: arn:aws:sts::{ACCOUNT}:assumed-role/{f}Role/{f} is not authorized to perform: {} on resource: {} because no identity-based policy allows the {} action",
        a.action,
        a.resource,
        a.action,
        f = policy.function
    );
    // DynamoDB speaks JSON 1.0; EventBridge, Secrets Manager (and PassRole, asked of by a
    // PutTargets) JSON 1.1; SNS and SES the query protocol.
    let json = |version: &str| {
        (
            400,
            if version == "1.0" {
                "application/x-amz-json-1.0"
            } else {
                "application/x-amz-json-1.1"
            },
            serde_json::json!({
                "__type": "AccessDeniedException",
                "Message": message,
            })
            .to_string(),
        )
    };
    if a.action.starts_with("sqs:") && json_request {
        return sqs_json_error(
            400,
            "AccessDenied",
            "Sender",
            "com.amazon.coral.service#AccessDeniedException",
            &message,
        );
    }
    let (status, content_type, body) = if a.action.starts_with("dynamodb:") {
        json("1.0")
    } else if ["events:", "secretsmanager:", "iam:"]
        .iter()
        .any(|p| a.action.starts_with(p))
    {
        json("1.1")
    } else {
        let code = if a.action.starts_with("sns:") {
            "AuthorizationError"
        } else {
            "AccessDenied"
        };
        (403, "text/xml", query_error("Sender", code, &message))
    };
    service_error(status, content_type, None, body)
}

/// An error as SQS answers it in its JSON protocol: the body's type, and the query protocol's
/// code and fault in `x-amzn-query-error` (which the SDK reads as the error's code).
fn sqs_json_error(
    status: u16,
    code: &str,
    fault: &str,
    error_type: &str,
    message: &str,
) -> Response {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/x-amz-json-1.0")
        .header("x-amzn-query-error", format!("{code};{fault}"))
        .body(Body::from(
            serde_json::json!({"__type": error_type, "message": message}).to_string(),
        ))
        .unwrap_or_default()
}

/// An error in the query protocol SNS and SES answer with.
pub(crate) fn query_error(kind: &str, code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        ulid::Ulid::generate()
    )
}

/// A service's error answer: status, content type, optional `x-amzn-errortype`, body.
pub(crate) fn service_error(
    status: u16,
    content_type: &str,
    error_type: Option<&str>,
    body: String,
) -> Response {
    let mut builder = Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type);
    if let Some(t) = error_type {
        builder = builder.header("x-amzn-errortype", t);
    }
    builder.body(Body::from(body)).unwrap_or_default()
}

/// Where allowed calls go.
#[derive(Debug, Clone)]
pub struct Upstreams {
    pub dynamodb: String,
    pub moto: String,
}

pub(crate) struct ProxyState {
    pub(crate) policy: Policy,
    pub(crate) names: Arc<Names>,
    pub(crate) upstreams: Upstreams,
    pub(crate) http: reqwest::Client,
    pub(crate) faults: crate::faults::Faults,
    pub(crate) usage: Arc<AwsUsage>,
    /// Every DynamoDB data request asks for its consumed capacity (`SCL_METER_CAPACITY=1`).
    pub(crate) meter_capacity: bool,
    /// The stack's EventBridge (set once every function is started).
    pub(crate) bus: BusCell,
}

/// Where the stack's `LocalBus` is placed once every function it delivers to has started.
pub type BusCell = Arc<std::sync::OnceLock<crate::bus::LocalBus>>;

/// Serves the IAM-checking proxy for one function; returns its address.
pub async fn start_proxy(
    policy: Policy,
    names: Arc<Names>,
    upstreams: Upstreams,
    faults: crate::faults::Faults,
    usage: Arc<AwsUsage>,
    meter_capacity: bool,
    bus: BusCell,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(ProxyState {
        policy,
        names,
        upstreams,
        http: reqwest::Client::new(),
        faults,
        usage,
        meter_capacity,
        bus,
    });
    let app = axum::Router::new()
        .fallback(proxy)
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, task))
}

async fn proxy(State(st): State<Arc<ProxyState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => return plain(400, format!("reading the request: {e}")),
    };
    let accesses = accesses(&parts.headers, &bytes, &st.names);
    if let Some(denied) = accesses.as_deref().and_then(|a| st.policy.first_denied(a)) {
        tracing::warn!(
            function = %st.policy.function,
            action = %denied.action,
            resource = %denied.resource,
            leading_keys = ?denied.leading_keys,
            "IAM: access denied by the function's template policy"
        );
        return denied_response(&st.policy, denied, amz_target(&parts.headers).is_some());
    }
    let service = service_of(&parts.headers).unwrap_or_default();
    match st.faults.decide(&service, crate::faults::roll()) {
        crate::faults::Fault::Pass { delay } => tokio::time::sleep(delay).await,
        crate::faults::Fault::Fail { delay, response } => {
            tokio::time::sleep(delay).await;
            if service == "sqs" && amz_target(&parts.headers).is_some() {
                return sqs_failed_response(response);
            }
            return failed_response(&service, response);
        }
    }
    let metered = usage::metered(&service, &parts.headers, &bytes);
    st.usage.record_request(&metered);
    // EventBridge is the stack's own (`bus::LocalBus`), not moto's.
    if service == "events" {
        let operation = amz_target(&parts.headers)
            .and_then(|t| t.strip_prefix("AWSEvents."))
            .unwrap_or_default();
        let request = serde_json::from_slice(&bytes).unwrap_or_default();
        let Some(bus) = st.bus.get() else {
            return plain(503, "the local bus is not running yet".into());
        };
        let (status, answer) = bus.handle(operation, &request);
        let mut builder = Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, "application/x-amz-json-1.1");
        if let Some(code) = answer["__type"].as_str() {
            builder = builder.header("x-amzn-errortype", code);
        }
        return builder
            .body(Body::from(answer.to_string()))
            .unwrap_or_default();
    }
    let upstream = if service == "dynamodb" {
        &st.upstreams.dynamodb
    } else {
        &st.upstreams.moto
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut out = st.http.request(
        parts.method.clone(),
        format!("{}{path}", upstream.trim_end_matches('/')),
    );
    for (k, v) in &parts.headers {
        if k != http::header::HOST && k != http::header::CONTENT_LENGTH {
            out = out.header(k, v);
        }
    }
    let bytes = match service == "dynamodb" && st.meter_capacity {
        true => usage::asking_for_capacity(&metered.operation, &bytes)
            .map_or(bytes, axum::body::Bytes::from),
        false => bytes,
    };
    match out.body(bytes).send().await {
        Ok(resp) => {
            let mut builder = Response::builder().status(resp.status());
            for (k, v) in resp.headers() {
                if k != http::header::TRANSFER_ENCODING
                    && k != http::header::CONNECTION
                    && k != http::header::CONTENT_LENGTH
                {
                    builder = builder.header(k, v);
                }
            }
            match resp.bytes().await {
                Ok(b) => {
                    if service == "dynamodb" {
                        st.usage.record_dynamodb_answer(&metered, &b);
                    }
                    builder.body(Body::from(b)).unwrap_or_default()
                }
                Err(e) => plain(502, format!("reading {upstream}: {e}")),
            }
        }
        Err(e) => plain(502, format!("forwarding to {upstream}: {e}")),
    }
}

pub(crate) fn plain(status: u16, text: String) -> Response {
    Response::builder()
        .status(status)
        .body(Body::from(text))
        .unwrap_or_default()
}

/// An injected failure as SQS answers it in its JSON protocol (retryable, as `failed_response`).
fn sqs_failed_response(failed: FailedCall) -> Response {
    let (status, code, fault, message) = match failed {
        FailedCall::Throttled => (400, "RequestThrottled", "Sender", "Rate exceeded"),
        FailedCall::ServerError => (
            500,
            "InternalFailure",
            "Receiver",
            "We encountered an internal error.",
        ),
        FailedCall::Unavailable => (
            503,
            "ServiceUnavailable",
            "Receiver",
            "Service unavailable (injected outage).",
        ),
    };
    sqs_json_error(
        status,
        code,
        fault,
        &format!("com.amazonaws.sqs#{code}"),
        message,
    )
}

/// The failure as the service itself answers it, in its protocol; the SDKs treat all three as
/// retryable, as they do on AWS.
fn failed_response(service: &str, failed: FailedCall) -> Response {
    let (status, code, message) = match failed {
        FailedCall::Throttled if service == "dynamodb" => (
            400,
            "ThrottlingException",
            "Rate of requests exceeds the allowed throughput.",
        ),
        FailedCall::Throttled => (400, "Throttling", "Rate exceeded"),
        FailedCall::ServerError => (500, "InternalFailure", "We encountered an internal error."),
        FailedCall::Unavailable => (
            503,
            "ServiceUnavailable",
            "Service unavailable (injected outage).",
        ),
    };
    let (content_type, body) = if service == "dynamodb" {
        let code = if failed == FailedCall::ServerError {
            "InternalServerError"
        } else {
            code
        };
        (
            "application/x-amz-json-1.0",
            serde_json::json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": message})
                .to_string(),
        )
    } else {
        let kind = if status == 400 { "Sender" } else { "Receiver" };
        ("text/xml", super::query_error(kind, code, message))
    };
    super::service_error(status, content_type, Some(code), body)
}
