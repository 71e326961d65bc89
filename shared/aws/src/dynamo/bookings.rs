//! `BookingStore`: bookings stored once per job, with a marker under the number and the
//! customer it was booked for, so a call waiting for its decision finds the jobs booked during
//! the agent's wrap-up (docs/data-model.md, Calls waiting for their decision).

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::keys;
use scl_core::ports::{BookingStore, StoreError};
use scl_domain::booking::JobBooked;

/// A marker only answers "was a job booked since this call?" for calls decided within a day
/// of their end (EventBridge redelivers for at most 24 hours; the wait is at most an hour).
const BOOKED_MARKER_TTL_DAYS: i64 = 2;

impl BookingStore for DynamoStore {
    async fn put_booking(
        &self,
        booking: &JobBooked,
        received_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tenant = &booking.tenant_id;
        let stored = encode(&BookingItem {
            pk: keys::booking_pk(tenant, &booking.job_id),
            sk: keys::BOOKING_SK.into(),
            entity: ENTITY_BOOKING.into(),
            received_at: keys::sortable_time(received_at),
            booking: booking.clone(),
        })?;
        let marker = |pk: String| {
            encode(&BookedMarkerItem {
                pk,
                sk: keys::booked_sk(booking.booked_at, &booking.job_id),
                entity: ENTITY_BOOKED_MARKER.into(),
                job_id: booking.job_id.clone(),
                expires_at: (received_at + Duration::days(BOOKED_MARKER_TTL_DAYS)).timestamp(),
            })
        };
        let mut items = vec![
            put(&self.table, stored, Some(NOT_EXISTS))?,
            put(
                &self.table,
                marker(keys::phone_claim_pk(tenant, &booking.customer_phone))?,
                None,
            )?,
        ];
        if let Some(customer) = &booking.customer_id {
            items.push(put(
                &self.table,
                marker(keys::customer_partition(tenant, customer))?,
                None,
            )?);
        }
        // The booking first: a redelivery fails its condition and writes nothing.
        self.transact(items, ItemRole::DoneMarker, ItemRole::DoneMarker)
            .await
    }
}
