//! `IdempotencyStore`: one item per (tenant, user, key), claimed with one conditional write.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use chrono::{DateTime, Utc};

use super::*;
use crate::keys;
use scl_core::ports::{Claim, IdempotencyScope, IdempotencyStore, StoreError, StoredAnswer};
use scl_domain::idempotency::{IN_PROGRESS_FOR, REPLAY_WINDOW};

const IN_PROGRESS: &str = "in_progress";
const COMPLETED: &str = "completed";

/// The key is free when it was never used, its replay window is over, or the request that took
/// it has been running longer than any request can (it died).
const CLAIMABLE: &str = "attribute_not_exists(pk) OR expires_at < :now \
     OR (#state = :in_progress AND in_progress_until < :now)";
/// Only the request holding the key completes or releases it.
const HELD: &str = "#state = :in_progress AND fingerprint = :fp";

/// Adds the `HELD` condition to a put or a delete (their builders share no trait).
macro_rules! held {
    ($builder:expr, $fingerprint:expr) => {
        $builder
            .condition_expression(HELD)
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":fp", s($fingerprint))
    };
}

fn item(
    scope: &IdempotencyScope,
    state: &str,
    fingerprint: &str,
    answer: Option<&StoredAnswer>,
    now: DateTime<Utc>,
) -> Result<Item, StoreError> {
    encode(&IdempotencyItem {
        pk: keys::idempotency_pk(&scope.tenant, &scope.user),
        sk: scope.key.as_str().to_owned(),
        entity: ENTITY_IDEMPOTENCY.into(),
        state: state.into(),
        fingerprint: fingerprint.into(),
        in_progress_until: (now + IN_PROGRESS_FOR).timestamp(),
        answer: answer.cloned(),
        expires_at: (now + REPLAY_WINDOW).timestamp(),
    })
}

/// A completion or release that finds the key no longer held: it was taken over after it
/// looked dead, and the other request's record stands.
fn unless_taken_over<T, E, R>(result: Result<T, SdkError<E, R>>) -> Result<(), StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Err(e) if is_condition_failure(&e) => Ok(()),
        other => other.map(|_| ()).map_err(backend),
    }
}

/// Why a key someone holds cannot be ours.
fn held_by(found: IdempotencyItem, fingerprint: &str) -> Claim {
    if found.fingerprint != fingerprint {
        Claim::Reused
    } else {
        match found.answer {
            Some(answer) if found.state == COMPLETED => Claim::Replay(answer),
            _ => Claim::InProgress,
        }
    }
}

impl IdempotencyStore for DynamoStore {
    async fn claim(
        &self,
        scope: &IdempotencyScope,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        // Twice at most: the item in the way may expire and vanish between put and read.
        for _ in 0..2 {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item(scope, IN_PROGRESS, fingerprint, None, now)?))
                .condition_expression(CLAIMABLE)
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
                .expression_attribute_values(":in_progress", s(IN_PROGRESS))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(Claim::Proceed),
                Err(e) if is_condition_failure(&e) => e,
                Err(e) => return Err(backend(e)),
            };
            // The item in the way comes back with the failure; read it if it did not.
            let found = match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(c)) if c.item().is_some() => {
                    c.item().cloned()
                }
                _ => {
                    self.get_consistent(
                        keys::idempotency_pk(&scope.tenant, &scope.user),
                        scope.key.as_str(),
                    )
                    .await?
                }
            };
            if let Some(found) = found {
                return Ok(held_by(decode::<IdempotencyItem>(found)?, fingerprint));
            }
        }
        Ok(Claim::InProgress)
    }

    async fn complete(
        &self,
        scope: &IdempotencyScope,
        fingerprint: &str,
        answer: &StoredAnswer,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                scope,
                COMPLETED,
                fingerprint,
                Some(answer),
                now,
            )?));
        let result = held!(put, fingerprint).send().await;
        unless_taken_over(result)
    }

    async fn release(&self, scope: &IdempotencyScope, fingerprint: &str) -> Result<(), StoreError> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::idempotency_pk(&scope.tenant, &scope.user)))
            .key("sk", s(scope.key.as_str()));
        let result = held!(delete, fingerprint).send().await;
        unless_taken_over(result)
    }
}
