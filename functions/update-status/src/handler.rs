//! `UpdateStatusFunction`: `PUT /leads/{id}/status` - one of the five manual statuses with an optional note; `If-Match` makes it conditional on the version the CSR saw.

use lambda_http::{Body, Error, Request, Response};
use scl_shared::adapters::DynamoStore;
use scl_shared::api::{self, lead_action};
use scl_shared::ports::{EventPublisher, LeadCommands, SettingsStore};
use scl_shared::service::actions::CsrAction;
use tracing::Instrument;

pub type State<S = DynamoStore, P = ()> = scl_shared::state::WithStoreAndPublisher<S, P>;

pub async fn handle<S, P>(state: &State<S, P>, req: Request) -> Result<Response<Body>, Error>
where
    S: LeadCommands + SettingsStore,
    P: EventPublisher,
{
    let span = tracing::info_span!("update_status", request_id = %api::request_id(&req));
    let result = lead_action::run(&state.store, &state.publisher, &req, |body| {
        scl_shared::domain::commands::SetStatus::parse(body).map(CsrAction::SetStatus)
    })
    .instrument(span)
    .await;
    Ok(api::respond(result))
}
