//! `RepairReportsFunction`: an operator's commands on a business's report totals (docs/api.md,
//! Reports), invoked directly (the template's `RepairReportsFunctionName` output; locally the
//! Invoke API):
//!
//! - `{"rebuild": {"tenant_id": "t-1"}}` recounts every lead and repairs every total that does
//!   not add up (safe beside the running `CountReportsFunction`), answering what it did;
//! - `{"check": {"tenant_id": "t-1"}}` writes nothing and answers the totals that differ from
//!   the figures computed afresh (`{"differences": []}` when they agree).
//!
//! Apart from `CountReportsFunction`, which keeps the totals from the table's changes: a rebuild
//! reads every lead of a business and may take minutes, a stream reader needs seconds, and the
//! commands' code would put CountReports' bootstrap over 4 MB (BENCHMARKS.md, Deployment
//! artifacts).

use lambda_runtime::{Error, LambdaEvent};
use scl_aws::DynamoStore;
use scl_core::service::reports::{check, rebuild};
use scl_domain::TenantId;
use serde_json::{json, Value};
use tracing::Instrument;

pub type State = scl_edge::state::WithStore<DynamoStore>;

pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let span = tracing::info_span!("repair_reports", request_id = %event.context.request_id);
    handle_payload(state, &event.payload).instrument(span).await
}

pub async fn handle_payload(state: &State, payload: &Value) -> Result<Value, Error> {
    let tenant = |command: &str| -> Result<Option<TenantId>, Error> {
        match payload.pointer(&format!("/{command}/tenant_id")) {
            None => Ok(None),
            Some(t) => TenantId::parse("tenant_id", t.as_str().unwrap_or_default())
                .map(Some)
                .map_err(|e| Error::from(format!("{command}: {e}"))),
        }
    };
    if let Some(t) = tenant("rebuild")? {
        let report = rebuild(&state.store, &t).await?;
        return Ok(serde_json::to_value(report)?);
    }
    if let Some(t) = tenant("check")? {
        let differences = check(&state.store, &t).await?;
        return Ok(json!({ "differences": differences }));
    }
    Err(Error::from(
        r#"expected {"rebuild": {"tenant_id": "..."}} or {"check": {"tenant_id": "..."}}"#,
    ))
}
