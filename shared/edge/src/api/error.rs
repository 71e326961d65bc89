//! The API layer's error, and its mapping to the contract's HTTP responses (docs/api.md, Errors).

use lambda_http::{Body, Response};
use serde_json::json;
use tracing::error;

use super::scope::Scope;
use scl_core::ports::StoreError;
use scl_domain::status::TransitionError;
use scl_domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid input: {0}")]
    Validation(FieldError),
    #[error("missing or invalid token")]
    Unauthorized,
    #[error("missing scope {}", .0.as_str())]
    Forbidden(Scope),
    #[error("no such lead")]
    NotFound,
    #[error("no such near miss")]
    NoSuchNearMiss,
    #[error("no webhook registered")]
    NoWebhook,
    /// A near miss promoted twice; `field` names the call.
    #[error("this call already belongs to a lead")]
    AlreadyALead,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("version conflict")]
    VersionConflict,
    #[error("a request with this Idempotency-Key is still running")]
    RequestInProgress,
    #[error("this Idempotency-Key was used for a different request")]
    IdempotencyKeyReused,
    /// A webhook request not signed by its business (the refusal says how).
    #[error(transparent)]
    Unsigned(#[from] scl_domain::webhook::SignatureRefusal),
    /// A signed webhook request received before.
    #[error("this signed request was already received")]
    Replayed,
    /// Anything the caller cannot fix; the source goes to the log, never to the response.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Validation(e)
    }
}

impl From<scl_core::service::webhook::WebhookError> for ApiError {
    fn from(e: scl_core::service::webhook::WebhookError) -> Self {
        use scl_core::service::webhook::WebhookError;
        match e {
            WebhookError::Unsigned(why) => ApiError::Unsigned(why),
            WebhookError::Invalid(field) => ApiError::Validation(field),
            WebhookError::Replayed => ApiError::Replayed,
            WebhookError::Store(e) => e.into(),
            WebhookError::Backend(e) => ApiError::Internal(Box::new(e)),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::BadCursor => ApiError::Validation(FieldError::new(
                "cursor",
                "is not a cursor returned for this list",
            )),
            StoreError::VersionConflict => ApiError::VersionConflict,
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl ApiError {
    pub fn status_and_code(&self) -> (u16, &'static str) {
        match self {
            ApiError::Validation(_) => (400, "validation_failed"),
            ApiError::Transition(TransitionError::StatusNotSettable(_)) => {
                (400, "status_not_settable")
            }
            ApiError::Unauthorized | ApiError::Unsigned(_) => (401, "unauthorized"),
            ApiError::Forbidden(_) => (403, "forbidden"),
            ApiError::NotFound | ApiError::NoSuchNearMiss | ApiError::NoWebhook => {
                (404, "not_found")
            }
            ApiError::AlreadyALead => (409, "already_a_lead"),
            ApiError::Transition(TransitionError::Locked(_)) => (409, "lead_locked"),
            ApiError::Transition(TransitionError::NotAllowed(_)) => (409, "invalid_transition"),
            ApiError::RequestInProgress => (409, "request_in_progress"),
            ApiError::Replayed => (409, "already_received"),
            ApiError::VersionConflict => (412, "version_conflict"),
            ApiError::IdempotencyKeyReused => (422, "idempotency_key_reused"),
            ApiError::Internal(_) => (500, "internal"),
        }
    }

    pub fn into_response(self) -> Response<Body> {
        let (status, code) = self.status_and_code();
        let body = match &self {
            ApiError::Validation(e) => json!({"error": {
                "code": code, "message": format!("{} {}", e.field, e.message), "field": e.field,
            }}),
            ApiError::AlreadyALead => json!({"error": {
                "code": code, "message": "This call already belongs to a lead.", "field": "call_id",
            }}),
            ApiError::Internal(source) => {
                // Details go to the log only; the caller gets an opaque message.
                error!(error = %scl_core::telemetry::chain(source.as_ref()), "internal error");
                json!({"error": {"code": code, "message": "Something went wrong on our side. Try again shortly."}})
            }
            other => json!({"error": {"code": code, "message": sentence(other)}}),
        };
        super::json(status, &body, None)
    }
}

fn sentence(e: &ApiError) -> String {
    match e {
        ApiError::Unauthorized => "A valid bearer token is required.".into(),
        ApiError::Unsigned(why) => format!("The request is not signed by its business: {why}."),
        ApiError::Replayed => {
            "This signed request was already received; sign each request anew.".into()
        }
        ApiError::Forbidden(scope) => format!(
            "This needs the {} permission.",
            match scope {
                Scope::View => "View Second Chance Leads (scl.view)",
                Scope::Admin => "Second Chance Leads administration (scl.admin)",
            }
        ),
        ApiError::NotFound => "No such lead.".into(),
        ApiError::NoSuchNearMiss => "No such near miss.".into(),
        ApiError::NoWebhook => "The business has no webhook registered.".into(),
        ApiError::VersionConflict => {
            "The lead changed since you loaded it; reload it and try again.".into()
        }
        ApiError::RequestInProgress => {
            "The first request with this Idempotency-Key is still running; retry shortly.".into()
        }
        ApiError::IdempotencyKeyReused => {
            "This Idempotency-Key was already used for a different request; use a new key.".into()
        }
        other => {
            let s = other.to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
                None => s,
            }
        }
    }
}

impl From<scl_core::service::actions::ActionError> for ApiError {
    fn from(e: scl_core::service::actions::ActionError) -> Self {
        use scl_core::service::actions::ActionError as A;
        match e {
            A::NotFound => ApiError::NotFound,
            A::VersionConflict => ApiError::VersionConflict,
            A::Transition(t) => ApiError::Transition(t),
            A::Validation(f) => ApiError::Validation(f),
            A::Store(s) => s.into(),
        }
    }
}

impl From<scl_core::service::near_misses::PromoteError> for ApiError {
    fn from(e: scl_core::service::near_misses::PromoteError) -> Self {
        use scl_core::service::near_misses::PromoteError as P;
        match e {
            P::NotFound => ApiError::NoSuchNearMiss,
            P::AlreadyALead(_) => ApiError::AlreadyALead,
            P::Store(s) => s.into(),
        }
    }
}

impl From<scl_core::service::reports::ReportError> for ApiError {
    fn from(e: scl_core::service::reports::ReportError) -> Self {
        use scl_core::service::reports::ReportError as R;
        match e {
            R::Validation(f) => ApiError::Validation(f),
            R::Store(s) => s.into(),
        }
    }
}
