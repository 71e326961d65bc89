//! `AddNoteFunction`: `POST /leads/{id}/notes` - a note (author and time from the token), optionally copied to the CRM's customer or location notes (one `NoteCopied` event each).

use lambda_http::{Body, Error, Request, Response};
use scl_shared::adapters::DynamoStore;
use scl_shared::api::{self, lead_action};
use scl_shared::ports::{EventPublisher, LeadCommands, SettingsStore};
use scl_shared::service::actions::CsrAction;
use tracing::Instrument;

pub type State<S = DynamoStore, P = scl_shared::adapters::SnsPublisher> =
    scl_shared::state::WithStoreAndPublisher<S, P>;

pub async fn handle<S, P>(state: &State<S, P>, req: Request) -> Result<Response<Body>, Error>
where
    S: LeadCommands + SettingsStore,
    P: EventPublisher,
{
    let span = tracing::info_span!("add_note", request_id = %api::request_id(&req));
    let result = lead_action::run(&state.store, &state.publisher, &req, |body| {
        scl_shared::domain::commands::AddNote::parse(body).map(CsrAction::AddNote)
    })
    .instrument(span)
    .await;
    Ok(api::respond(result))
}
