//! The CSR console on the local stack (README.md, The CSR console): the built single-page app from `web/dist`
//! at `/` with `/config.json` pointing it at this gateway, and a dev OpenID provider at
//! `/dev/oidc` whose sign-in page issues dev tokens for a chosen tenant, user and scopes.
//!
//! The console signs in by authorization code with PKCE (S256) against whatever issuer its
//! `config.json` names; locally that is the provider here, on AWS the business's own (Cognito
//! or another OIDC provider). One sign-in path, exercised by the browser tests.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::jwt::{self, DevClaims};

/// The console's OAuth client id, locally.
pub const CLIENT_ID: &str = "scl-console";
/// Where the dev provider lives on the gateway.
pub const OIDC_PREFIX: &str = "/dev/oidc";
/// The console's Content-Security-Policy, as the CloudFront distribution sends it (infra/
/// template.yaml, ConsoleHeadersPolicy) but for one origin: scripts, styles and API calls from
/// the console's own origin only; recordings from wherever the phone platform keeps them.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src https: http:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
/// How long a dev token lasts: a working day.
const TOKEN_TTL_SECONDS: i64 = 8 * 3600;
/// How long an authorization code may wait for its exchange.
const CODE_TTL: Duration = Duration::from_secs(120);
const SCOPES: [(&str, &str); 2] = [
    (
        "scl.view",
        "View Second Chance Leads (the queue, leads, reports)",
    ),
    ("scl.admin", "Administer settings"),
];

/// An issued code waiting for its exchange: what the token will say, and the PKCE challenge
/// the exchange must answer.
struct PendingCode {
    claims: DevClaims,
    challenge: String,
    redirect_uri: String,
    issued: Instant,
}

pub struct Console {
    /// The built app (`web/dist`).
    dir: PathBuf,
    jwt_secret: String,
    codes: Mutex<HashMap<String, PendingCode>>,
}

fn text(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body.into()).into_response()
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    text(
        status,
        "application/json",
        json!({"error": code, "error_description": description}).to_string(),
    )
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Minimal HTML escaping for values echoed into the sign-in page.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn form(query: &str) -> HashMap<String, String> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// The S256 PKCE challenge of a verifier (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `uri` is a console address on this machine (the only redirect targets allowed).
fn local_redirect(uri: &str) -> bool {
    [
        "http://127.0.0.1:",
        "http://localhost:",
        "http://127.0.0.1/",
        "http://localhost/",
    ]
    .iter()
    .any(|p| uri.starts_with(p))
}

impl Console {
    pub fn new(dir: PathBuf, jwt_secret: String) -> Console {
        Console {
            dir,
            jwt_secret,
            codes: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a request that matched no API route is the console's: a file of the built app,
    /// the dev provider, or a browser navigating to a console page (its `Accept` asks for
    /// HTML), so a reload on any console address shows the console, while an API client
    /// asking for an unknown path still gets the API's JSON 404.
    pub fn claims_request(&self, method: &str, path: &str, headers: &HeaderMap) -> bool {
        if path.starts_with(OIDC_PREFIX) {
            return true;
        }
        if method != "GET" && method != "HEAD" {
            return false;
        }
        let wants_html = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
        path == "/" || path == "/config.json" || wants_html || self.file(path).is_some()
    }

    /// The built app's file at `path`, if there is one (never outside the app's folder).
    fn file(&self, path: &str) -> Option<PathBuf> {
        let relative = Path::new(path.trim_start_matches('/'));
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return None;
        }
        let full = self.dir.join(relative);
        full.is_file().then_some(full)
    }

    pub async fn serve(
        &self,
        method: &str,
        path: &str,
        query: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Response {
        let origin = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(|h| format!("http://{h}"))
            .unwrap_or_default();
        if let Some(rest) = path.strip_prefix(OIDC_PREFIX) {
            return self.oidc(method, rest, query, &origin, body);
        }
        if path == "/config.json" {
            return self.config(&origin);
        }
        match self.file(path) {
            Some(file) => self.send_file(&file, path.starts_with("/assets/")).await,
            // A console page (client-side route): the app's shell.
            None => self.send_file(&self.dir.join("index.html"), false).await,
        }
    }

    async fn send_file(&self, file: &Path, immutable: bool) -> Response {
        match tokio::fs::read(file).await {
            Ok(bytes) => {
                let mut resp = text(StatusCode::OK, content_type(file), bytes);
                // Vite names assets by content hash; the shell and config must always be fresh.
                let cache = if immutable {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                };
                if let Ok(v) = cache.parse() {
                    resp.headers_mut().insert(header::CACHE_CONTROL, v);
                }
                if let Ok(v) = CONTENT_SECURITY_POLICY.parse() {
                    resp.headers_mut()
                        .insert(header::CONTENT_SECURITY_POLICY, v);
                }
                resp
            }
            Err(_) => text(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                "The console is not built: run `make dev` (or `npm run build` in web/).",
            ),
        }
    }

    /// What the app reads at start: where the API is (this origin) and whom to sign in with.
    fn config(&self, origin: &str) -> Response {
        let mut resp = text(
            StatusCode::OK,
            "application/json",
            json!({
                "api_url": origin,
                "oidc": {
                    "issuer": format!("{origin}{OIDC_PREFIX}"),
                    "client_id": CLIENT_ID,
                    "scope": "openid scl.view scl.admin",
                },
                "environment": "local",
            })
            .to_string(),
        );
        if let Ok(v) = "no-cache".parse() {
            resp.headers_mut().insert(header::CACHE_CONTROL, v);
        }
        resp
    }

    fn oidc(&self, method: &str, rest: &str, query: &str, origin: &str, body: &[u8]) -> Response {
        match (method, rest) {
            ("GET", "/.well-known/openid-configuration") => text(
                StatusCode::OK,
                "application/json",
                json!({
                    "issuer": format!("{origin}{OIDC_PREFIX}"),
                    "authorization_endpoint": format!("{origin}{OIDC_PREFIX}/authorize"),
                    "token_endpoint": format!("{origin}{OIDC_PREFIX}/token"),
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["authorization_code"],
                    "code_challenge_methods_supported": ["S256"],
                    "scopes_supported": ["openid", "scl.view", "scl.admin"],
                    "token_endpoint_auth_methods_supported": ["none"],
                })
                .to_string(),
            ),
            ("GET", "/authorize") => self.sign_in_page(&form(query), None),
            ("POST", "/authorize") => self.authorize(&form(&String::from_utf8_lossy(body))),
            ("POST", "/token") => self.token(&form(&String::from_utf8_lossy(body))),
            _ => oauth_error(
                StatusCode::NOT_FOUND,
                "not_found",
                "No such dev OIDC endpoint.",
            ),
        }
    }

    /// Checks an authorization request's client, redirect and PKCE parameters.
    fn check_request(p: &HashMap<String, String>) -> Result<(), &'static str> {
        let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
        if get("response_type") != "code" {
            return Err("response_type must be code");
        }
        if get("client_id") != CLIENT_ID {
            return Err("unknown client_id");
        }
        if !local_redirect(get("redirect_uri")) {
            return Err("redirect_uri must be a console address on this machine");
        }
        if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
            return Err("a PKCE code_challenge with method S256 is required");
        }
        Ok(())
    }

    /// The sign-in page: choose a tenant, a user (id and display name) and scopes.
    fn sign_in_page(&self, p: &HashMap<String, String>, problem: Option<&str>) -> Response {
        if let Err(why) = Self::check_request(p) {
            return text(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                format!("Invalid sign-in request: {why}."),
            );
        }
        let get = |k: &str| escape(p.get(k).map(String::as_str).unwrap_or_default());
        let value = |k: &str, default: &str| {
            let v = get(k);
            if v.is_empty() && problem.is_none() {
                default.to_owned()
            } else {
                v
            }
        };
        let hidden: String = [
            "response_type",
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge",
            "code_challenge_method",
        ]
        .iter()
        .map(|k| format!(r#"<input type="hidden" name="{k}" value="{}">"#, get(k)))
        .collect();
        let chosen: Vec<&str> = match p.get("scopes") {
            Some(s) => s.split_whitespace().collect(),
            None if problem.is_none() => vec!["scl.view", "scl.admin"],
            None => vec![],
        };
        let scopes: String = SCOPES
            .iter()
            .map(|(scope, label)| {
                let checked = if chosen.contains(scope) { " checked" } else { "" };
                format!(
                    r#"<label class="check"><input type="checkbox" name="scope_{scope}" value="{scope}"{checked}> <code>{scope}</code> — {label}</label>"#
                )
            })
            .collect();
        let problem = problem
            .map(|m| format!(r#"<p class="problem" role="alert">{}</p>"#, escape(m)))
            .unwrap_or_default();
        let page = format!(
            r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in (local) — Second Chance Leads</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;background:#f4f6f8;color:#1b2430;margin:0;display:grid;place-items:center;min-height:100vh}}
main{{background:#fff;border:1px solid #c9d1da;border-radius:8px;padding:2rem;max-width:30rem;width:calc(100% - 2rem)}}
h1{{font-size:1.4rem;margin:0 0 .25rem}} p.note{{color:#4a5563;margin:0 0 1.25rem}}
label{{display:block;margin:.75rem 0 .25rem;font-weight:600}} label.check{{font-weight:400}}
input[type=text]{{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #6b7785;border-radius:4px;font:inherit}}
fieldset{{border:1px solid #c9d1da;border-radius:4px;margin:1rem 0}} legend{{font-weight:600}}
button{{margin-top:1rem;padding:.6rem 1.2rem;background:#0b5cad;color:#fff;border:0;border-radius:4px;font:inherit;font-weight:600;cursor:pointer}}
button:focus-visible,input:focus-visible{{outline:3px solid #f0a500;outline-offset:2px}}
.problem{{color:#a4161a;font-weight:600}}
</style></head>
<body><main>
<h1>Sign in to Second Chance Leads</h1>
<p class="note">Local development sign-in: the token is issued for whatever you choose here.</p>
{problem}
<form method="post" action="{OIDC_PREFIX}/authorize">
{hidden}
<label for="tenant_id">Business (tenant id)</label>
<input type="text" id="tenant_id" name="tenant_id" value="{tenant}" required autocomplete="off">
<label for="user_id">User id</label>
<input type="text" id="user_id" name="user_id" value="{user}" required autocomplete="off">
<label for="name">Display name</label>
<input type="text" id="name" name="name" value="{name}" autocomplete="off">
<fieldset><legend>Permissions</legend>{scopes}</fieldset>
<button type="submit">Sign in</button>
</form>
</main></body></html>"#,
            tenant = value("tenant_id", "t-1"),
            user = value("user_id", "dev-user"),
            name = value("name", "Dev User"),
        );
        text(StatusCode::OK, "text/html; charset=utf-8", page)
    }

    /// The sign-in form's answer: a code for the chosen identity, back to the console.
    fn authorize(&self, p: &HashMap<String, String>) -> Response {
        if let Err(why) = Self::check_request(p) {
            return text(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                format!("Invalid sign-in request: {why}."),
            );
        }
        let get = |k: &str| p.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        let scopes: Vec<&str> = SCOPES
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| p.contains_key(&format!("scope_{s}")))
            .collect();
        let mut again = p.clone();
        again.insert("scopes".into(), scopes.join(" "));
        let (tenant, user, name) = (get("tenant_id"), get("user_id"), get("name"));
        // The ids the API will accept in the token's claims, with its own words on failure.
        let checked = scl_domain::TenantId::parse("Business", &tenant)
            .map(drop)
            .and_then(|()| scl_domain::UserId::parse("User id", &user).map(drop));
        if let Err(e) = checked {
            return self.sign_in_page(&again, Some(&e.to_string()));
        }
        let mut claims = DevClaims::new(&user, &tenant, &scopes.join(" "), TOKEN_TTL_SECONDS);
        claims.name = (!name.is_empty()).then_some(name);
        let code = ulid::Ulid::generate().to_string();
        let redirect_uri = get("redirect_uri");
        if let Ok(mut codes) = self.codes.lock() {
            codes.retain(|_, c| c.issued.elapsed() < CODE_TTL);
            codes.insert(
                code.clone(),
                PendingCode {
                    claims,
                    challenge: get("code_challenge"),
                    redirect_uri: redirect_uri.clone(),
                    issued: Instant::now(),
                },
            );
        }
        let sep = if redirect_uri.contains('?') { '&' } else { '?' };
        let location: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("code", &code)
            .append_pair("state", &get("state"))
            .finish();
        (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("{redirect_uri}{sep}{location}"))],
        )
            .into_response()
    }

    /// The code exchange: the verifier must answer the challenge; a code works once.
    fn token(&self, p: &HashMap<String, String>) -> Response {
        let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_default();
        if get("grant_type") != "authorization_code" {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only authorization_code.",
            );
        }
        let pending = self
            .codes
            .lock()
            .ok()
            .and_then(|mut c| c.remove(get("code")));
        let Some(pending) = pending.filter(|c| c.issued.elapsed() < CODE_TTL) else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Unknown, used or expired code.",
            );
        };
        if pending.redirect_uri != get("redirect_uri") || get("client_id") != CLIENT_ID {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "redirect_uri or client_id differs.",
            );
        }
        if s256(get("code_verifier")) != pending.challenge {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "The code_verifier does not match.",
            );
        }
        match jwt::mint(&pending.claims, &self.jwt_secret) {
            Ok(token) => {
                let mut resp = text(
                    StatusCode::OK,
                    "application/json",
                    json!({
                        "access_token": token,
                        "token_type": "Bearer",
                        "expires_in": TOKEN_TTL_SECONDS,
                        "scope": pending.claims.scope,
                    })
                    .to_string(),
                );
                if let Ok(v) = "no-store".parse() {
                    resp.headers_mut().insert(header::CACHE_CONTROL, v);
                }
                resp
            }
            Err(_) => oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Could not sign the token.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_is_unpadded_base64url_of_sha256() {
        // Computed independently (Python: urlsafe_b64encode(sha256(v)).rstrip("=")).
        assert_eq!(
            s256("dBjftJeZ4CVP-mJ0kK1xVgnEnqIRHo4Tc4BTC0AJ-ae5XGo"),
            "-8keQpgoxwd2ey9Tm_NImeDk44DnPrDFAnRTjUdKPGc"
        );
    }

    #[test]
    fn files_outside_the_app_are_never_served() {
        let c = Console::new(PathBuf::from(env!("CARGO_MANIFEST_DIR")), "s".into());
        assert!(c.file("/Cargo.toml").is_some());
        assert!(c.file("/../Cargo.toml").is_none());
        assert!(c.file("/src/../Cargo.toml").is_none());
        assert!(c.file("/src").is_none(), "a folder is not a file");
    }

    #[test]
    fn api_clients_keep_json_404s_and_browsers_get_the_console() {
        let c = Console::new(PathBuf::from("/nonexistent"), "s".into());
        let mut html = HeaderMap::new();
        html.insert(
            header::ACCEPT,
            "text/html,application/xhtml+xml".parse().unwrap(),
        );
        let mut any = HeaderMap::new();
        any.insert(header::ACCEPT, "*/*".parse().unwrap());
        assert!(c.claims_request("GET", "/review/01ABC", &html));
        assert!(!c.claims_request("GET", "/review/01ABC", &any));
        assert!(c.claims_request("GET", "/", &any));
        assert!(c.claims_request("POST", "/dev/oidc/token", &any));
        assert!(!c.claims_request("POST", "/review/01ABC", &html));
    }

    #[test]
    fn a_code_is_exchanged_once_and_only_with_its_verifier() {
        let c = Console::new(PathBuf::from("/nonexistent"), "secret".into());
        let verifier = "a-verifier-of-enough-length-0123456789-abcdefghij";
        let mut p: HashMap<String, String> = [
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "http://127.0.0.1:3000/signin/callback"),
            ("state", "xyz"),
            ("code_challenge_method", "S256"),
            ("tenant_id", "t-9"),
            ("user_id", "u-9"),
            ("name", "Kim"),
            ("scope_scl.view", "scl.view"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        p.insert("code_challenge".into(), s256(verifier));
        let resp = c.authorize(&p);
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let location = resp.headers()[header::LOCATION].to_str().unwrap();
        assert!(location.starts_with("http://127.0.0.1:3000/signin/callback?code="));
        assert!(location.ends_with("&state=xyz"));
        let code_of = |resp: Response| {
            let location = resp.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned();
            form(location.split_once('?').unwrap().1)["code"].clone()
        };
        let exchange = |code: &str, verifier: &str| {
            let q: HashMap<String, String> = [
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", "http://127.0.0.1:3000/signin/callback"),
                ("client_id", CLIENT_ID),
                ("code_verifier", verifier),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            c.token(&q).status()
        };
        let code = code_of(resp);
        assert_eq!(exchange(&code, "wrong-verifier"), StatusCode::BAD_REQUEST);
        // The failed attempt used the code up, as a one-time code must.
        assert_eq!(exchange(&code, verifier), StatusCode::BAD_REQUEST);

        let code = code_of(c.authorize(&p));
        assert_eq!(exchange(&code, verifier), StatusCode::OK);
        assert_eq!(
            exchange(&code, verifier),
            StatusCode::BAD_REQUEST,
            "a code works once"
        );
    }

    #[test]
    fn redirects_leave_only_for_this_machine() {
        assert!(local_redirect("http://127.0.0.1:3000/signin/callback"));
        assert!(!local_redirect("https://evil.example/cb"));
        assert!(!local_redirect("http://127.0.0.1.evil.example/cb"));
    }
}
