//! Between domain values and DynamoDB items, and between SDK errors and `StoreError`.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_dynamo::aws_sdk_dynamodb_1::to_item;

use super::*;
use crate::keys;
use scl_core::ports::StoreError;
use scl_domain::lead::{Lead, Transcript};

pub(crate) type Item = HashMap<String, AttributeValue>;

/// A failed DynamoDB call, named by its operation (`QueryError` -> `Query`), with the SDK's
/// error kept as the source.
pub(crate) fn backend<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let type_name = std::any::type_name::<E>();
    let operation = type_name
        .rsplit("::")
        .next()
        .unwrap_or(type_name)
        .trim_end_matches("Error");
    StoreError::Backend {
        operation: operation.to_owned(),
        source: Box::new(DisplayedSdkError(DisplayErrorContext(e).to_string())),
    }
}

/// The SDK error's full context as text (its own `Display` says only "service error").
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct DisplayedSdkError(String);

/// A request that could not even be built.
pub(crate) fn build_failed(what: &str, e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend {
        operation: format!("building {what}"),
        source: Box::new(e),
    }
}

pub(crate) fn encode<T: Serialize>(v: &T) -> Result<Item, StoreError> {
    to_item(v).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))
}

/// An item as the type it stores (`item_de`: straight from the SDK's values, in the format
/// `encode` writes).
pub(crate) fn decode<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    super::item_de::from_item(item).map_err(|e| StoreError::Corrupt(format!("decode: {e}")))
}

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn entity_of(item: &Item) -> Option<&str> {
    item.get("entity")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

pub(crate) fn is_condition_failure<E, R>(e: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    matches!(e, SdkError::ServiceError(se) if se.err().code() == Some("ConditionalCheckFailedException"))
}

pub(crate) fn assemble_transcript(lead: &Lead, mut chunks: Vec<TranscriptChunkItem>) -> Transcript {
    let prefix = keys::transcript_call_prefix(lead.call.started_at, &lead.call.call_id);
    chunks.retain(|c| c.sk.starts_with(&prefix));
    chunks.sort_by(|a, b| a.sk.cmp(&b.sk));
    Transcript {
        truncated: chunks.iter().any(|c| c.truncated),
        segments: chunks.into_iter().flat_map(|c| c.segments).collect(),
    }
}

/// The capacity units a request reports it consumed (0 when it was not asked to report).
pub(crate) fn capacity_units(consumed: Option<&aws_sdk_dynamodb::types::ConsumedCapacity>) -> f64 {
    consumed.and_then(|c| c.capacity_units()).unwrap_or(0.0)
}
