//! The samples' business set up as an administrator would connect its systems: the sources of
//! the events in `events/` (the phone platform's `CallCompleted`, the booking system's
//! `JobBooked`, both from the sample account) bound to it in its settings (`event_sources`),
//! without which it receives no event. `make dev` binds `t-1`; the benchmarks and the tests'
//! harness bind the businesses they send samples for.

use anyhow::{anyhow, Result};
use scl_aws::DynamoStore;
use scl_core::ports::{SettingsStore, StoreError};
use scl_domain::event_source::{AccountId, SourceBinding, SourceName};
use scl_domain::TenantId;

/// The account the samples' events come from.
pub const SAMPLE_ACCOUNT: &str = "123456789012";

/// The samples' sources: the phone platform's and the booking system's.
pub const SAMPLE_SOURCES: [&str; 2] = ["phone.platform", "booking.system"];

pub fn sample_bindings() -> Vec<SourceBinding> {
    SAMPLE_SOURCES
        .iter()
        .filter_map(|source| {
            Some(SourceBinding {
                source: SourceName::parse("source", source).ok()?,
                account: Some(AccountId::parse("account", SAMPLE_ACCOUNT).ok()?),
            })
        })
        .collect()
}

/// Adds the samples' sources to `tenant`'s bindings (keeping the rest of its settings).
pub async fn bind_sample_sources(store: &DynamoStore, tenant: &str) -> Result<()> {
    let id = TenantId::parse("tenant_id", tenant).map_err(|e| anyhow!("{e}"))?;
    loop {
        let (mut settings, version) = store.settings_versioned(&id).await?;
        let missing: Vec<_> = sample_bindings()
            .into_iter()
            .filter(|b| !settings.event_sources.contains(b))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        settings.event_sources.extend(missing);
        match store.save_settings(&id, &settings, version).await {
            Err(StoreError::VersionConflict) => continue,
            done => return Ok(done?),
        }
    }
}
