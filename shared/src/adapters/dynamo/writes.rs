//! Conditional writes and transactions, and the items of a lead write.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::Duration;

use super::*;
use crate::adapters::keys;
use crate::ports::{CallDecision, StoreError};

pub(crate) fn put(
    table: &str,
    item: Item,
    condition: Option<&str>,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .set_condition_expression(condition.map(str::to_owned))
                .build()
                .map_err(|e| build_failed("a transaction item", e))?,
        )
        .build())
}

pub(crate) fn put_with_version(
    table: &str,
    item: Item,
    expected: u64,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
                .build()
                .map_err(|e| build_failed("a transaction item", e))?,
        )
        .build())
}

pub(crate) const NOT_EXISTS: &str = "attribute_not_exists(pk)";

pub(crate) enum LeadCondition {
    New,
    Version(u64),
    /// A new lead made of a near miss.
    Promoted,
}

pub(crate) fn decision_item(d: &CallDecision) -> CallDecisionItem {
    CallDecisionItem {
        pk: keys::call_marker_pk(&d.tenant_id, &d.call_id),
        sk: keys::CALL_MARKER_SK.into(),
        entity: ENTITY_CALL_DECISION.into(),
        expires_at: (d.decided_at + Duration::days(DECISION_TTL_DAYS)).timestamp(),
        decision: d.clone(),
    }
}
