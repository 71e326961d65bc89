//! One test app for every integration test: its own table and tenant in DynamoDB Local, the
//! project's topic in moto observed through an SQS subscription, every function's handler
//! called in-process with the API Gateway events API Gateway would send, and a helper per route
//! and per event. Test files keep only their scenarios.

use lambda_http::{Body, Request, Response};
use scl_shared::adapters::{DynamoStore, SnsPublisher};
use serde_json::{json, Value};

use crate::*;

/// A handler's answer, read.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub etag: Option<String>,
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
            body: body_json(&resp),
        }
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
    tenant: String,
    user: String,
    scope: String,
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
        self.tenant = tenant.to_owned();
        self.user = user.to_owned();
        self.scope = scope.to_owned();
        self
    }

    pub fn user(mut self, user: &str) -> Self {
        self.user = user.to_owned();
        self
    }

    pub fn scope(mut self, scope: &str) -> Self {
        self.scope = scope.to_owned();
        self
    }

    fn request(&self) -> Request {
        let mut path = self.route.to_owned();
        for (name, value) in &self.params {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        let params: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        api_request_with_body(
            self.method,
            self.route,
            &path,
            &self.query,
            &params,
            Some(claims(&self.tenant, &self.user, &self.scope)),
            self.body.as_deref(),
            &headers,
        )
    }

    pub async fn send(self) -> Resp {
        let req = self.request();
        let store = || self.app.env.store.clone();
        let publisher = || self.app.probe.publisher();
        let resp = match (self.method, self.route) {
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
                let state = add_note::State {
                    store: store(),
                    publisher: publisher(),
                };
                add_note::handle(&state, req).await
            }
            ("POST", "/leads/{id}/dismiss") => {
                let state = dismiss_lead::State {
                    store: store(),
                    publisher: (),
                };
                dismiss_lead::handle(&state, req).await
            }
            ("POST", "/leads/{id}/callback") => {
                let state = callback::State {
                    store: store(),
                    publisher: publisher(),
                };
                callback::handle(&state, req).await
            }
            ("PUT", "/leads/{id}/status") => {
                let state = update_status::State {
                    store: store(),
                    publisher: (),
                };
                update_status::handle(&state, req).await
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
            (_, "/detection/stats" | "/detection/adaptation") => {
                detection::handle(&detection::State { store: store() }, req).await
            }
            other => panic!("no route {other:?} in the test app"),
        };
        Resp::of(resp.expect("handlers answer every request"))
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp {
            env: TestEnv::new().await,
            probe: TopicProbe::new().await,
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
            tenant: self.env.tenant.clone(),
            user: "u-7".into(),
            scope: "scl.view".into(),
        }
    }

    // Events in.

    /// A `CallCompleted` through IngestCallFunction's handler: its answer.
    pub async fn ingest(&self, event: &Value) -> Value {
        let state = ingest_call::State {
            store: self.store(),
        };
        ingest_call::handle_payload(&state, event).await.unwrap()
    }

    /// The sample call (`call_completed` with `patch`) for the app's tenant: the new lead's id.
    pub async fn lead(&self, call_id: &str, patch: Value) -> String {
        let out = self
            .ingest(&call_completed(self.tenant(), call_id, patch))
            .await;
        assert_eq!(out["outcome"], "created", "{out}");
        out["lead_id"].as_str().unwrap().to_owned()
    }

    /// A `JobBooked` through IngestBookingFunction's handler: its answer.
    pub async fn book(&self, event: &Value) -> Value {
        let state = ingest_booking::State {
            store: self.store(),
        };
        ingest_booking::handle_payload(&state, event).await.unwrap()
    }

    // Routes.

    /// `GET /leads/{id}` (must answer 200).
    pub async fn detail(&self, id: &str) -> Value {
        let r = self.call("GET", "/leads/{id}").id(id).send().await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
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
            .user("admin")
            .scope("scl.admin")
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
        detection_stats(&self.env.store, self.tenant()).await
    }
}
