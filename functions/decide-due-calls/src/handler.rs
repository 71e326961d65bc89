//! `DecideDueCallsFunction`: decides the calls whose After Call Work Time has ended, as
//! `IngestCallFunction` would have decided them on arrival (docs/data-model.md, Calls waiting
//! for their decision). Two ways in:
//!
//! - **the decide queue** (the usual way): each waiting call's turn, delayed by SQS until it is
//!   due. A turn that fails is reported (`batchItemFailures`) and comes round again a few
//!   seconds later, sooner each time it is not the first (the message's visibility is cut to a
//!   backoff), and after the queue's bounded receives goes to its dead-letter queue; a turn
//!   that comes before its time (a wait longer than SQS's 15-minute delay) is put back.
//! - **the schedule** (every minute): the sweep decides whatever is still waiting two minutes
//!   after its time (a turn dead-lettered, or a call kept before the queue existed). The run
//!   fails only when the waiting calls cannot be read at all.
//!
//! A function of its own so that the decision's second half is not in every cold start of
//! ingestion (IngestCall's bootstrap; BENCHMARKS.md, Deployment artifacts).

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use lambda_runtime::{Error, LambdaEvent};
use scl_aws::fanout::{Fanout, WaitingCallTurn};
use scl_aws::DynamoStore;
use scl_core::ports::IngestStore;
use scl_core::service::ingest::{decide_due_calls, decide_waiting_call, Turn};
use scl_core::service::stream::{BatchItemFailure, BatchResponse};
use scl_domain::{CallId, TenantId};
use scl_edge::events_in::scheduled_at;
use serde_json::Value;
use tracing::Instrument;

pub struct State<S = DynamoStore> {
    pub store: S,
    /// Where a turn that came early is put back.
    pub decide_queue: Fanout,
}

/// Turns decided at once by one invocation (a batch holds at most ten).
const TURNS_AT_ONCE: usize = 10;

pub async fn handle<S: IngestStore>(
    state: &State<S>,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let span = tracing::info_span!("decide_due_calls", request_id = %event.context.request_id);
    handle_payload(state, &event.payload).instrument(span).await
}

/// The same, for a bare payload (tests and tools): the decide queue's messages, or the
/// schedule's event (its `time` is the clock, so a missed run replayed decides as it would
/// have).
pub async fn handle_payload<S: IngestStore>(
    state: &State<S>,
    payload: &Value,
) -> Result<Value, Error> {
    match payload.get("Records").and_then(Value::as_array) {
        Some(messages) => Ok(serde_json::to_value(take_turns(state, messages).await)?),
        None => {
            let report = decide_due_calls(&state.store, scheduled_at(payload)).await?;
            tracing::info!(
                decided = report.decided,
                failed = report.failed,
                "waiting calls swept"
            );
            Ok(serde_json::to_value(report)?)
        }
    }
}

async fn take_turns<S: IngestStore>(state: &State<S>, messages: &[Value]) -> BatchResponse {
    let now = scl_domain::lead::now_millis();
    let failed: Vec<BatchItemFailure> = futures_util::stream::iter(messages)
        .map(|message| async move {
            let id = message.get("messageId").and_then(Value::as_str);
            match take_turn(state, message, now).await {
                Ok(()) => None,
                Err(why) => {
                    tracing::warn!(message_id = id.unwrap_or("-"), error = %why, "turn not taken; the queue brings it again");
                    state.decide_queue.retry_soon(message).await;
                    Some(BatchItemFailure {
                        item_identifier: id.unwrap_or_default().to_owned(),
                    })
                }
            }
        })
        .buffer_unordered(TURNS_AT_ONCE)
        .filter_map(|f| async move { f })
        .collect()
        .await;
    BatchResponse {
        batch_item_failures: failed,
    }
}

#[derive(Debug, thiserror::Error)]
enum TurnError {
    #[error("the message is not a waiting call's turn")]
    Unreadable,
    #[error(transparent)]
    Store(#[from] scl_core::ports::StoreError),
    #[error(transparent)]
    Requeue(#[from] scl_aws::fanout::SendError),
}

async fn take_turn<S: IngestStore>(
    state: &State<S>,
    message: &Value,
    now: DateTime<Utc>,
) -> Result<(), TurnError> {
    let body = message
        .get("body")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let turn: WaitingCallTurn = serde_json::from_str(body).map_err(|_| TurnError::Unreadable)?;
    let tenant =
        TenantId::parse("tenant_id", &turn.tenant_id).map_err(|_| TurnError::Unreadable)?;
    let call = CallId::parse("call_id", &turn.call_id).map_err(|_| TurnError::Unreadable)?;
    match decide_waiting_call(&state.store, &tenant, &call, now).await? {
        Turn::Decided(_) | Turn::AlreadyDecided => Ok(()),
        Turn::NotDue { decide_at } => {
            let turn = WaitingCallTurn {
                decide_at: decide_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                ..turn
            };
            state.decide_queue.requeue_turn(&turn, now).await?;
            Ok(())
        }
    }
}
