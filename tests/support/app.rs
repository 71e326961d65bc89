//! One test app for every integration test: its own table and tenant in DynamoDB Local, the
//! project's topic in moto observed through an SQS subscription, every function's handler
//! called in-process with the API Gateway events API Gateway would send, and a helper per route
//! and per event. Test files keep only their scenarios.

use lambda_http::{Body, Request, Response};
use scl_aws::{DynamoStore, SnsPublisher};
use scl_local::apigw::{self, HttpRequest};
use serde_json::{json, Map, Value};

use crate::*;

/// A handler's answer, read.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub etag: Option<String>,
}

/// Asserts an error answer: its HTTP status, its `error.code` and a message for people.
#[track_caller]
pub fn assert_error(status: u16, body: &Value, want_status: u16, code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

impl Resp {
    fn of(resp: Response<Body>) -> Resp {
        Resp {
            status: resp.status().as_u16(),
            etag: resp
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            // A CSV answer as its text; every other answer is JSON.
            body: match (resp.headers().get("content-type"), resp.body()) {
                (Some(t), Body::Text(text)) if t.as_bytes().starts_with(b"text/csv") => {
                    Value::String(text.clone())
                }
                _ => body_json(&resp),
            },
        }
    }

    /// Asserts an error answer: its HTTP status and `error.code`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_error(self.status, &self.body, status, code);
    }

    /// The `error.code` and `error.field` of an error answer.
    pub fn error(&self) -> (&str, &str) {
        (
            self.body["error"]["code"].as_str().unwrap_or(""),
            self.body["error"]["field"].as_str().unwrap_or(""),
        )
    }
}

pub struct TestApp {
    pub env: TestEnv,
    pub probe: TopicProbe,
    /// Events taken off the topic that no `published` call has asked for yet.
    unclaimed: std::sync::Mutex<Vec<crate::Published>>,
}

/// One HTTP request to a route, built up and then sent to the route's handler.
pub struct Call<'a> {
    app: &'a TestApp,
    method: &'static str,
    route: &'static str,
    params: Vec<(&'static str, String)>,
    query: String,
    body: Option<String>,
    headers: Vec<(String, String)>,
    /// The authorizer's claims; `None` sends none.
    caller: Option<Map<String, Value>>,
}

impl<'a> Call<'a> {
    /// Fills the route's `{name}` path parameter.
    pub fn param(mut self, name: &'static str, value: &str) -> Self {
        self.params.push((name, value.to_owned()));
        self
    }

    /// `{id}`.
    pub fn id(self, id: &str) -> Self {
        self.param("id", id)
    }

    pub fn query(mut self, query: &str) -> Self {
        self.query = query.to_owned();
        self
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    pub fn json(self, body: Value) -> Self {
        self.body(&body.to_string())
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// As another caller (tenant, user, space-separated scopes).
    pub fn as_caller(mut self, tenant: &str, user: &str, scope: &str) -> Self {
        self.caller = Some(claims(tenant, user, scope));
        self
    }

    /// With exactly these claims (`None`: as if the authorizer were missing).
    pub fn claims(mut self, caller: Option<Map<String, Value>>) -> Self {
        self.caller = caller;
        self
    }

    fn claim(mut self, name: &str, value: &str) -> Self {
        if let Some(caller) = &mut self.caller {
            caller.insert(name.into(), json!(value));
        }
        self
    }

    /// As the same user of another tenant.
    pub fn tenant(self, tenant: &str) -> Self {
        self.claim("tenant_id", tenant)
    }

    pub fn user(self, user: &str) -> Self {
        self.claim("sub", user)
    }

    pub fn scope(self, scope: &str) -> Self {
        self.claim("scope", scope)
    }

    /// As the tenant's administrator (`admin`, `scl.admin`).
    pub fn admin(self) -> Self {
        self.user("admin").scope("scl.admin")
    }

    /// Without the authorizer's claims (what a route would see if the authorizer were missing).
    pub fn anonymous(self) -> Self {
        self.claims(None)
    }

    /// The request as Lambda receives it from API Gateway (built by the local stack's own
    /// API Gateway event encoder).
    fn request(&self) -> Request {
        let mut path = self.route.to_owned();
        for (name, value) in &self.params {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        let req = HttpRequest {
            method: self.method.into(),
            route_path: self.route.into(),
            raw_path: path,
            raw_query: self.query.clone(),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.to_lowercase(), v.clone()))
                .collect(),
            path_parameters: self
                .params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            body: self.body.clone(),
            claims: self.caller.clone(),
        };
        lambda_http::request::from_str(&apigw::event(&req, "test-request").to_string())
            .expect("valid API Gateway event")
    }

    pub async fn send(self) -> Resp {
        let req = self.request();
        self.app.dispatch(self.method, self.route, req).await
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp {
            env: TestEnv::new().await,
            probe: TopicProbe::new().await,
            unclaimed: Default::default(),
        }
    }

    pub fn tenant(&self) -> &str {
        &self.env.tenant
    }

    pub fn store(&self) -> DynamoStore {
        self.env.store.clone()
    }

    pub fn publisher(&self) -> SnsPublisher {
        self.probe.publisher()
    }

    /// A request as CSR `u-7` of the app's tenant with `scl.view`.
    pub fn call(&self, method: &'static str, route: &'static str) -> Call<'_> {
        Call {
            app: self,
            method,
            route,
            params: Vec::new(),
            query: String::new(),
            body: None,
            headers: Vec::new(),
            caller: Some(claims(&self.env.tenant, "u-7", "scl.view")),
        }
    }

    /// An API Gateway event as it is (e.g. a sample from `events/`), to its route's handler
    /// (read from the event's `routeKey`).
    pub async fn send_event(&self, event: &Value) -> Resp {
        let route_key = event["routeKey"]
            .as_str()
            .expect("an HTTP API event has a routeKey");
        let (method, route) = route_key
            .split_once(' ')
            .expect("routeKey is 'METHOD /path'");
        let req = lambda_http::request::from_str(&event.to_string())
            .unwrap_or_else(|e| panic!("{route_key}: {e}"));
        self.dispatch(method, route, req).await
    }

    /// The handler of `method route`, with the app's table and topic, called with `req`.
    async fn dispatch(&self, method: &str, route: &str, req: Request) -> Resp {
        let store = || self.env.store.clone();
        let resp = match (method, route) {
            ("GET", "/leads") => {
                list_leads::handle(&list_leads::State { store: store() }, req).await
            }
            ("GET", "/leads/{id}") => {
                get_lead::handle(&get_lead::State { store: store() }, req).await
            }
            ("GET", "/leads/{id}/transcript/search") => {
                search_transcript::handle(&search_transcript::State { store: store() }, req).await
            }
            ("POST", "/leads/{id}/notes") => {
                add_note::handle(&add_note::State { store: store() }, req).await
            }
            ("POST", "/leads/{id}/dismiss") => {
                dismiss_lead::handle(&dismiss_lead::State { store: store() }, req).await
            }
            ("POST", "/leads/{id}/callback") => {
                callback::handle(&callback::State { store: store() }, req).await
            }
            ("PUT", "/leads/{id}/status") => {
                update_status::handle(&update_status::State { store: store() }, req).await
            }
            ("GET", "/banner") => banner::handle(&banner::State { store: store() }, req).await,
            (_, "/settings") => settings::handle(&settings::State { store: store() }, req).await,
            ("GET", "/notifications") => {
                notifications::handle(&notifications::State { store: store() }, req).await
            }
            ("POST", "/notifications/{id}/read") => {
                notification_read::handle(&notification_read::State { store: store() }, req).await
            }
            ("GET", "/calls/near-misses") => {
                near_misses::handle(&near_misses::State { store: store() }, req).await
            }
            ("POST", "/calls/{call_id}/promote") => {
                promote_call::handle(&promote_call::State { store: store() }, req).await
            }
            ("GET", "/reports/summary" | "/reports/summary.csv" | "/reports/queue") => {
                reports::handle(&reports::State { store: store() }, req).await
            }
            (_, "/detection/stats" | "/detection/adaptation") => {
                detection::handle(&detection::State { store: store() }, req).await
            }
            other => panic!("no route {other:?} in the test app"),
        };
        Resp::of(resp.expect("handlers answer every request"))
    }

    /// The outbox's events published to the app's topic while the returned run lives (the
    /// table's stream through PublishEventsFunction's handler, as the local stack runs it).
    pub async fn publishing(&self) -> crate::StreamMappingRun {
        crate::StreamMappingRun::events(&self.env, &self.probe).await
    }

    /// The events of type `event_type` on the app's topic, once `count` of them have arrived
    /// (see `TopicProbe::wait_for`); needs `publishing()` running.
    /// Events of other types stay for a later call.
    pub async fn published(&self, event_type: &str, count: usize) -> Vec<crate::Published> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let matching = |arrived: &[crate::Published]| {
            arrived
                .iter()
                .filter(|p| p.event_type == event_type)
                .count()
        };
        let mut arrived =
            std::mem::take(&mut *self.unclaimed.lock().unwrap_or_else(|e| e.into_inner()));
        while matching(&arrived) < count && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            arrived.extend(self.probe.drain().await);
        }
        // A moment more, so a test expecting exactly `count` sees one too many.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        arrived.extend(self.probe.drain().await);
        let (mine, rest) = arrived
            .into_iter()
            .partition(|p| p.event_type == event_type);
        *self.unclaimed.lock().unwrap_or_else(|e| e.into_inner()) = rest;
        mine
    }

    // Events in.

    /// A `CallCompleted` through IngestCallFunction's handler (its business bound to the
    /// sample sources first): its answer.
    pub async fn ingest(&self, event: &Value) -> Value {
        self.bind(event).await;
        self.ingest_unbound(event).await
    }

    /// The same without binding the event's business.
    pub async fn ingest_unbound(&self, event: &Value) -> Value {
        let state = ingest_call::State {
            store: self.store(),
        };
        ingest_call::handle_payload(&state, event).await.unwrap()
    }

    /// Binds the event's business to the samples' sources.
    async fn bind(&self, event: &Value) {
        if let Some(tenant) = event["detail"]["tenant_id"].as_str() {
            crate::bind_sample_sources(&self.env.table, tenant, crate::TableOwner::Tests).await;
        }
    }

    /// A `CallCompleted` that must create a lead: the new lead's id.
    pub async fn create(&self, event: &Value) -> String {
        let out = self.ingest(event).await;
        assert_eq!(out["outcome"], "created", "{out}");
        out["lead_id"].as_str().unwrap().to_owned()
    }

    /// The sample call (`call_completed` with `patch`) for the app's tenant: the new lead's id.
    pub async fn lead(&self, call_id: &str, patch: Value) -> String {
        self.create(&call_completed(self.tenant(), call_id, patch))
            .await
    }

    /// A `JobBooked` through IngestBookingFunction's handler (its business bound to the
    /// sample sources first): its answer.
    pub async fn book(&self, event: &Value) -> Value {
        self.bind(event).await;
        let state = ingest_booking::State {
            store: self.store(),
        };
        ingest_booking::handle_payload(&state, event).await.unwrap()
    }

    /// A `JobBooked` applied to the leads it matches, as BookingStreamFunction applies the
    /// stored booking (in-process, without waiting for the table's stream).
    pub async fn apply_booking(&self, event: &Value) {
        let booking = scl_domain::booking::JobBooked::from_detail(&event["detail"])
            .expect("a valid JobBooked");
        scl_core::service::bookings::apply_booking(&self.store(), &booking, chrono::Utc::now())
            .await
            .expect("the booking applies");
    }

    // Routes.

    /// `GET /leads/{id}` (must answer 200).
    pub async fn detail(&self, id: &str) -> Value {
        let r = self.call("GET", "/leads/{id}").id(id).send().await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    /// `GET /leads/{id}` as a CSR of `tenant`: the answer as it is.
    pub async fn detail_as(&self, id: &str, tenant: &str) -> Resp {
        self.call("GET", "/leads/{id}")
            .id(id)
            .tenant(tenant)
            .send()
            .await
    }

    /// `GET /leads?query` (must answer 200).
    pub async fn list(&self, query: &str) -> Value {
        let r = self.call("GET", "/leads").query(query).send().await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    /// The ids of a `GET /leads?query` page.
    pub async fn list_ids(&self, query: &str) -> Vec<String> {
        self.list(query).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// `PUT /settings` as an administrator of the app's tenant.
    pub async fn put_settings(&self, body: Value) -> Resp {
        self.call("PUT", "/settings")
            .admin()
            .json(body)
            .send()
            .await
    }

    /// A CSR action on lead `id` (`route` is one of the `/leads/{id}/...` routes).
    pub async fn act(
        &self,
        method: &'static str,
        route: &'static str,
        id: &str,
        body: &str,
    ) -> Resp {
        self.call(method, route).id(id).body(body).send().await
    }

    /// `POST /leads/{id}/dismiss` as `user`.
    pub async fn dismiss_as(&self, id: &str, user: &str, reason: &str) -> Resp {
        self.call("POST", "/leads/{id}/dismiss")
            .id(id)
            .user(user)
            .json(json!({"reason": reason}))
            .send()
            .await
    }

    /// `GET /detection/stats` as an administrator (must answer 200).
    pub async fn detection_stats(&self) -> Value {
        let r = self.call("GET", "/detection/stats").admin().send().await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    /// Waits (up to 20 s: a bound, not a timing claim) until the stream has brought the
    /// tenant's label counts to `labels` (`{"lead": n, "not_a_lead": m}`); returns the stats.
    pub async fn stats_with_labels(&self, labels: Value) -> Value {
        let settled = eventually(20, || async {
            self.detection_stats().await["labels"] == labels
        })
        .await;
        let stats = self.detection_stats().await;
        assert!(settled.is_some(), "labels never became {labels}: {stats}");
        stats
    }
}
