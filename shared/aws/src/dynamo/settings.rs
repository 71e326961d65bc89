//! `SettingsStore`: a tenant's settings and the cold-date recompute.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::*;
use crate::keys;
use scl_core::ports::{SettingsStore, StoreError};
use scl_domain::settings::TenantSettings;
use scl_domain::status::ColdAfterDays;
use scl_domain::TenantId;

impl SettingsStore for DynamoStore {
    async fn settings_versioned(
        &self,
        tenant: &TenantId,
    ) -> Result<(TenantSettings, u64), StoreError> {
        match self
            .get_consistent(keys::business_pk(tenant), keys::SETTINGS_SK)
            .await?
        {
            Some(item) => {
                let item = decode::<SettingsItem>(item)?;
                Ok((item.settings, item.version))
            }
            None => Ok((TenantSettings::default(), 0)),
        }
    }

    async fn save_settings(
        &self,
        tenant: &TenantId,
        settings: &TenantSettings,
        expected: u64,
    ) -> Result<(), StoreError> {
        let item = encode(&SettingsItem {
            pk: keys::business_pk(tenant),
            sk: keys::SETTINGS_SK.into(),
            entity: ENTITY_SETTINGS.into(),
            version: expected + 1,
            settings: settings.clone(),
        })?;
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        put = if expected == 0 {
            put.condition_expression(NOT_EXISTS)
        } else {
            put.condition_expression("version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
        };
        match put.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(StoreError::VersionConflict),
            Err(e) => Err(backend(e)),
        }
    }

    async fn recompute_cold_at(
        &self,
        tenant: &TenantId,
        cold_after_days: ColdAfterDays,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut rewritten = 0;
        for bucket in [keys::Bucket::Open, keys::Bucket::Cold] {
            let q = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::INDEX_BY_TAB)
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", s(keys::tab_partition(tenant, bucket)));
            for item in self.all_pages(q).await? {
                let mut lead = decode::<LeadItem>(item)?.lead;
                let cold_at = cold_after_days.cold_at(lead.touched_at());
                if cold_at == lead.cold_at {
                    continue;
                }
                lead.cold_at = cold_at;
                // Not a change a CSR sees, so no new version; conditional so a concurrent
                // change (which computes its own cold_at) is never overwritten. Placed as of
                // now: a lead the new setting makes Cold moves to Cold here, and back.
                let put = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(encode(&LeadItem::new(&lead, now))?))
                    .condition_expression("version = :v")
                    .expression_attribute_values(":v", AttributeValue::N(lead.version.to_string()))
                    .send()
                    .await;
                match put {
                    Ok(_) => rewritten += 1,
                    Err(e) if is_condition_failure(&e) => {}
                    Err(e) => return Err(backend(e)),
                }
            }
        }
        Ok(rewritten)
    }
}
