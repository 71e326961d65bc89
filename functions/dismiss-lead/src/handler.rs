//! `DismissFunction`: `POST /leads/{id}/dismiss` - "not a lead" or "a lead, not following up"; moves the lead to Done.

use lambda_http::{Body, Error, Request, Response};
use scl_shared::adapters::DynamoStore;
use scl_shared::api::{self, lead_action};
use scl_shared::ports::{IdempotencyStore, LeadCommands, SettingsStore};
use scl_shared::service::actions::CsrAction;

pub type State<S = DynamoStore> = scl_shared::state::WithStore<S>;

pub async fn handle<S>(state: &State<S>, req: Request) -> Result<Response<Body>, Error>
where
    S: LeadCommands + SettingsStore + IdempotencyStore,
{
    let span = tracing::info_span!("dismiss_lead", request_id = %api::request_id(&req));
    lead_action::handle(state, &req, span, |body| {
        scl_shared::domain::commands::Dismiss::parse(body).map(CsrAction::Dismiss)
    })
    .await
}
