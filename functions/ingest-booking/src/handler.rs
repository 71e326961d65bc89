//! `IngestBookingFunction`: EventBridge `JobBooked` -> a booking item, once per (tenant, job_id).
//! The table's stream takes it from there (`BookingStreamFunction`).

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::DynamoStore;
use scl_core::service::bookings::{ingest_booking, BookingIngestOutcome, DETAIL_TYPE};
use scl_core::service::events::{file_rejected, Refused, Rejection};
use scl_domain::booking::JobBooked;
use scl_domain::lead::now_millis;
use scl_edge::events_in::{decode, refused};
use serde_json::Value;
use tracing::Instrument;

pub type State = scl_edge::state::WithStore<DynamoStore>;

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let span = tracing::info_span!("ingest_booking", request_id = %event.context.request_id);
    handle_payload(state, &event.payload).instrument(span).await
}

pub async fn handle_payload(state: &State, payload: &Value) -> Result<Value, Error> {
    let now = now_millis();
    let (event, why) = match decode(payload, DETAIL_TYPE, JobBooked::from_detail) {
        Ok(arrived) => match ingest_booking(&state.store, arrived, now).await? {
            Ok(outcome) => return Ok(serde_json::to_value(outcome)?),
            Err(Refused(why)) => (refused(payload, DETAIL_TYPE, why), Rejection::Refused),
        },
        Err(unreadable) => (*unreadable, Rejection::Unreadable),
    };
    let outcome = BookingIngestOutcome::Rejected {
        error: file_rejected(&state.store, event, why, now).await?,
    };
    Ok(serde_json::to_value(outcome)?)
}
