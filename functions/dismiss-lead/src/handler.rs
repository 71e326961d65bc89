//! `DismissFunction`: `POST /leads/{id}/dismiss` - "not a lead" or "a lead, not following up"; moves the lead to Done.

use lambda_http::{Body, Error, Request, Response};
use scl_aws::DynamoStore;
use scl_core::ports::{IdempotencyStore, LeadCommands, SettingsStore};
use scl_core::service::actions::CsrAction;
use scl_edge::api::{self, lead_action};

pub type State<S = DynamoStore> = scl_edge::state::WithStore<S>;

pub async fn handle<S>(state: &State<S>, req: Request) -> Result<Response<Body>, Error>
where
    S: LeadCommands + SettingsStore + IdempotencyStore,
{
    let span = tracing::info_span!("dismiss_lead", request_id = %api::request_id(&req));
    lead_action::handle(state, &req, span, |body| {
        scl_domain::commands::Dismiss::parse(body).map(CsrAction::Dismiss)
    })
    .await
}
