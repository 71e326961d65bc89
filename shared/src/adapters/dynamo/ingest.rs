//! `IngestStore`: what ingestion reads and writes.

use super::*;
use crate::domain::detection::adaptation::Adjustment;
use crate::domain::lead::Lead;
use crate::domain::settings::TenantSettings;
use crate::domain::{PhoneNumber, TenantId};
use crate::ports::{CallDecision, IngestStore, LeadWrite, NearMissWrite, StoreError};

impl IngestStore for DynamoStore {
    async fn detection_context(
        &self,
        tenant: &TenantId,
    ) -> Result<(TenantSettings, Adjustment), StoreError> {
        self.settings_and_adjustment(tenant).await
    }

    async fn record_near_miss(&self, write: &NearMissWrite) -> Result<(), StoreError> {
        self.put_near_miss(write).await
    }

    async fn open_lead_for_phone(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
    ) -> Result<Option<Lead>, StoreError> {
        self.newest_open_lead_for_phone(tenant, phone, None).await
    }

    async fn create_lead(&self, write: &LeadWrite) -> Result<(), StoreError> {
        let items = self.lead_write_items(write, LeadCondition::New)?;
        // Item 0 is the call's decision, the rest the lead.
        self.transact(items, ItemRole::DoneMarker, ItemRole::Versioned)
            .await
    }

    async fn attach_call(
        &self,
        write: &LeadWrite,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let items = self.lead_write_items(write, LeadCondition::Version(expected_version))?;
        self.transact(items, ItemRole::DoneMarker, ItemRole::Versioned)
            .await
    }

    async fn record_decision(&self, decision: &CallDecision) -> Result<(), StoreError> {
        match self
            .put_if_absent(encode(&decision_item(decision))?)
            .await?
        {
            true => Ok(()),
            false => Err(StoreError::AlreadyProcessed),
        }
    }
}
