//! A tenant's settings.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::*;
use scl_domain::settings::TenantSettings;
use scl_domain::status::ColdAfterDays;
use scl_domain::TenantId;

/// A tenant's settings and the version they were stored at (0 when never stored).
pub trait SettingsStore: Send + Sync {
    fn settings_versioned(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<(TenantSettings, u64), StoreError>> + Send;

    fn settings(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<TenantSettings, StoreError>> + Send {
        async { self.settings_versioned(tenant).await.map(|(s, _)| s) }
    }

    /// Stores settings if the stored version is still `expected` (`VersionConflict` if not).
    fn save_settings(
        &self,
        tenant: &TenantId,
        settings: &TenantSettings,
        expected: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Recomputes `cold_at` of the tenant's Open/Cold leads after `cold_after_days` changed,
    /// placing each in Open or Cold as of `now`. Returns how many leads were rewritten.
    fn recompute_cold_at(
        &self,
        tenant: &TenantId,
        cold_after_days: ColdAfterDays,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}
