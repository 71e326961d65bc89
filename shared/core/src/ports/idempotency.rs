//! Idempotency records for client retries (`scl_domain::idempotency`).

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;
use scl_domain::idempotency::IdempotencyKey;
use scl_domain::{TenantId, UserId};

/// Whose key: keys are per user, so two CSRs can never collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyScope {
    pub tenant: TenantId,
    pub user: UserId,
    pub key: IdempotencyKey,
}

/// The first answer, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: String,
    pub etag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is ours: run the request, then complete or release it.
    Proceed,
    /// The same request was answered before: send that answer again.
    Replay(StoredAnswer),
    /// The same request is running right now.
    InProgress,
    /// The key was used for a different request.
    Reused,
}

pub trait IdempotencyStore: Send + Sync {
    /// Takes the key for a request with `fingerprint`, or says why not, in one conditional
    /// write.
    fn claim(
        &self,
        scope: &IdempotencyScope,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Keeps the answer for replays (only while the key is still this request's).
    fn complete(
        &self,
        scope: &IdempotencyScope,
        fingerprint: &str,
        answer: &StoredAnswer,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives the key back after a failure the client may retry (a 5xx).
    fn release(
        &self,
        scope: &IdempotencyScope,
        fingerprint: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
