//! `BookingStore`: bookings stored once per job.

use chrono::{DateTime, Utc};

use super::*;
use crate::adapters::keys;
use crate::domain::booking::JobBooked;
use crate::ports::{BookingStore, StoreError};

impl BookingStore for DynamoStore {
    async fn put_booking(
        &self,
        booking: &JobBooked,
        received_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let item = encode(&BookingItem {
            pk: keys::booking_pk(&booking.tenant_id, &booking.job_id),
            sk: keys::BOOKING_SK.into(),
            entity: ENTITY_BOOKING.into(),
            received_at: keys::sortable_time(received_at),
            booking: booking.clone(),
        })?;
        match self.put_if_absent(item).await? {
            true => Ok(()),
            false => Err(StoreError::AlreadyProcessed),
        }
    }
}
