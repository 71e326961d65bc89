//! API Gateway HTTP API (payload format 2.0) events, built exactly as AWS hands them to a
//! function behind a JWT authorizer: claims as strings in `requestContext.authorizer.jwt.claims`,
//! scopes in `requestContext.authorizer.jwt.scopes`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    /// The route key's path, e.g. `/leads/{id}`.
    pub route_path: String,
    pub raw_path: String,
    pub raw_query: String,
    pub headers: BTreeMap<String, String>,
    pub path_parameters: BTreeMap<String, String>,
    pub body: Option<String>,
    /// Verified claims; `None` for routes without an authorizer.
    pub claims: Option<Map<String, Value>>,
}

/// API Gateway passes every claim as a string (numbers and arrays are stringified).
fn stringify_claims(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Array(items) => format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|i| i
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| i.to_string()))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                other => other.to_string(),
            };
            (k.clone(), Value::String(s))
        })
        .collect()
}

/// Decodes `a=1&b=x%20y` into API Gateway's `queryStringParameters` (repeated keys joined by
/// commas, as AWS does).
pub fn query_parameters(raw: &str) -> Map<String, Value> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(percent_decode(k))
            .or_default()
            .push(percent_decode(v));
    }
    out.into_iter()
        .map(|(k, v)| (k, Value::String(v.join(","))))
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn event(req: &HttpRequest, request_id: &str) -> Value {
    let now = chrono::Utc::now();
    let route_key = format!("{} {}", req.method, req.route_path);
    let mut context = json!({
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "local",
        "http": {
            "method": req.method,
            "path": req.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": req.headers.get("user-agent").cloned().unwrap_or_default(),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        "timeEpoch": now.timestamp_millis(),
    });
    if let Some(claims) = &req.claims {
        let scopes: Vec<Value> = claims
            .get("scope")
            .and_then(Value::as_str)
            .map(|s| {
                s.split_whitespace()
                    .map(|x| Value::String(x.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        context["authorizer"] = json!({"jwt": {
            "claims": stringify_claims(claims),
            "scopes": if scopes.is_empty() { Value::Null } else { Value::Array(scopes) },
        }});
    }
    let mut ev = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": req.raw_path,
        "rawQueryString": req.raw_query,
        "headers": req.headers,
        "requestContext": context,
        "isBase64Encoded": false,
    });
    let qs = query_parameters(&req.raw_query);
    if !qs.is_empty() {
        ev["queryStringParameters"] = Value::Object(qs);
    }
    if !req.path_parameters.is_empty() {
        ev["pathParameters"] = json!(req.path_parameters);
    }
    if let Some(body) = &req.body {
        ev["body"] = Value::String(body.clone());
    }
    ev
}
