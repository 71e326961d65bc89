//! The shared shape of every CSR action route (`POST /leads/{id}/...`, `PUT /leads/{id}/status`):
//! authorise, parse the id, body and `If-Match`, run the action, answer with the lead and its
//! `ETag` (or, for a note, 201 with the note).

use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;

use super::view::LeadView;
use super::{json, reject_query_params, ApiError, Caller, Scope};
use crate::body::{parse_body, parse_if_match};
use crate::state::WithStore;
use scl_core::ports::{IdempotencyStore, LeadCommands, SettingsStore};
use scl_core::service::actions::{act, ActingUser, ActionRequest, CsrAction};
use scl_domain::{FieldError, LeadId};

/// A CSR action route's whole handler: `parse` reads the body into the action; the answer (or
/// the contract's error) as JSON, in the request's `span`.
pub async fn handle<S>(
    state: &WithStore<S>,
    req: &Request,
    span: tracing::Span,
    parse: impl FnOnce(&Value) -> Result<CsrAction, FieldError>,
) -> Result<Response<Body>, lambda_http::Error>
where
    S: LeadCommands + SettingsStore + IdempotencyStore,
{
    super::route::action(&state.store, req, span, Scope::View, |caller| {
        run(&state.store, caller, req, parse)
    })
    .await
}

async fn run<S>(
    store: &S,
    caller: Caller,
    req: &Request,
    parse: impl FnOnce(&Value) -> Result<CsrAction, FieldError>,
) -> Result<Response<Body>, ApiError>
where
    S: LeadCommands + SettingsStore,
{
    reject_query_params(req, &[])?;
    let id = LeadId::parse("id", req.path_parameters().first("id").unwrap_or_default())?;
    let action = parse(&parse_body(req.body().as_ref())?)?;
    let if_match = parse_if_match(
        req.headers()
            .get("if-match")
            .map(|v| v.to_str().unwrap_or("invalid")),
    )?;
    let actor = ActingUser {
        user_id: caller.user_id.clone(),
        name: caller.name.clone(),
    };
    let outcome = act(
        store,
        ActionRequest {
            tenant: &caller.tenant_id,
            lead_id: &id,
            actor: &actor,
            action: &action,
            if_match,
            now: scl_domain::lead::now_millis(),
        },
    )
    .await?;
    let version = Some(outcome.lead.version);
    let lead = LeadView::new(&outcome.lead, scl_domain::lead::now_millis());
    match (outcome.note, outcome.calling) {
        (Some(note), _) => Ok(json(201, &note, version)),
        (None, Some(callback)) => Ok(json(200, &CallbackView { lead, callback }, version)),
        (None, None) => Ok(json(200, &lead, version)),
    }
}

/// A call-back's answer: the lead, and the numbers the CSR calls from and leaves on voicemail
/// (readable with `scl.view`, which settings are not).
#[derive(serde::Serialize)]
struct CallbackView<'a> {
    #[serde(flatten)]
    lead: LeadView<'a>,
    callback: scl_core::service::actions::CallingNumbers,
}
