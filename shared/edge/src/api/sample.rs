//! Requests as API Gateway's HTTP API hands them to a function (payload format 2.0, through
//! the JWT authorizer), for handlers' unit tests: feature `samples`.

use lambda_http::Request;
use serde_json::{json, Map, Value};

/// A `GET` of `path` by user `u-1` of tenant `t-1` holding `scopes`, with the route's path
/// parameters and the query string's parameters.
pub fn get(
    path: &str,
    path_params: &[(&str, &str)],
    query: &[(&str, &str)],
    scopes: &[&str],
) -> Request {
    let claims = json!({"sub": "u-1", "tenant_id": "t-1"});
    get_with_claims(path, path_params, query, claims, scopes)
}

/// A `GET /leads` by whoever `claims` describe (the authorizer's claims, as the identity
/// provider named them), holding `scopes`.
pub fn signed_in(claims: Value, scopes: &[&str]) -> Request {
    get_with_claims("/leads", &[], &[], claims, scopes)
}

fn get_with_claims(
    path: &str,
    path_params: &[(&str, &str)],
    query: &[(&str, &str)],
    claims: Value,
    scopes: &[&str],
) -> Request {
    let pairs = |p: &[(&str, &str)]| -> Map<String, Value> {
        p.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect()
    };
    let raw_query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": {"host": "api.example"},
        "queryStringParameters": pairs(query),
        "pathParameters": pairs(path_params),
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example",
            "domainPrefix": "api", "requestId": "r-1", "routeKey": "$default",
            "stage": "$default", "time": "24/Nov/2026:15:00:00 +0000", "timeEpoch": 0,
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "192.0.2.1", "userAgent": "test"},
            "authorizer": {"jwt": {"claims": claims, "scopes": scopes}}
        },
        "isBase64Encoded": false
    });
    // The event is built above from literals; a failure here is a mistake in this function.
    lambda_http::request::from_str(&event.to_string()).unwrap_or_else(|e| panic!("{e}"))
}
