//! `IngestStore`: what ingestion reads and writes.

use super::*;
use crate::domain::detection::adaptation::Adjustment;
use crate::domain::settings::TenantSettings;
use crate::domain::{PhoneNumber, TenantId};
use crate::ports::{
    CallDecision, CallerLead, IngestStore, LeadCommands, LeadWrite, NearMissWrite, PhoneClaim,
    StoreError,
};

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

    async fn caller_lead(
        &self,
        tenant: &TenantId,
        phone: &PhoneNumber,
    ) -> Result<CallerLead, StoreError> {
        let claim = self
            .get_consistent(keys::phone_claim_pk(tenant, phone), keys::PHONE_CLAIM_SK)
            .await?;
        let Some(claim) = claim else {
            // Leads from before claims existed are found through the phone index.
            return Ok(CallerLead {
                open: self.newest_open_lead_for_phone(tenant, phone, None).await?,
                claim: PhoneClaim::Unclaimed,
            });
        };
        let lead_id = decode::<PhoneClaimItem>(claim)?.lead_id;
        let lead = self.get_lead(tenant, &lead_id).await?;
        Ok(CallerLead {
            open: lead.filter(|l| l.status.is_open()),
            claim: PhoneClaim::Lead(lead_id),
        })
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
