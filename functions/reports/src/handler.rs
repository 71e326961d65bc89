//! `ReportsFunction`: `GET /reports/summary` and `GET /reports/summary.csv` - what the queue
//! recovered over a period, per day and per CSR, from the totals the table's stream keeps
//! (docs/api.md, Reports): the settings, then one Query of the period's days and one read of
//! the queue counts; and `GET /reports/queue`, the queue's tab counts now (one read).

use lambda_http::{Body, Error, Request, RequestExt, Response};
use scl_aws::DynamoStore;
use scl_core::ports::{ReportStore, SettingsStore};
use scl_core::service::reports::{queue_counts, summary};
use scl_domain::lead::now_millis;
use scl_edge::api::{self, ApiError, Caller, Scope};

pub type State<S = DynamoStore> = scl_edge::state::WithStore<S>;

pub async fn handle<S: ReportStore + SettingsStore>(
    state: &State<S>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let span = tracing::info_span!("reports", request_id = %api::request_id(&req));
    api::route::read(&req, span, Scope::View, |caller| {
        report(state, caller, &req)
    })
    .await
}

async fn report<S: ReportStore + SettingsStore>(
    state: &State<S>,
    caller: Caller,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    if req.uri().path().ends_with("/reports/queue") {
        api::reject_query_params(req, &[])?;
        let counts = queue_counts(&state.store, &caller.tenant_id).await?;
        return Ok(api::json(200, &counts, None));
    }
    let params = req.query_string_parameters();
    let query = scl_edge::query::report_query(params.iter())?;
    let report = summary(&state.store, &caller.tenant_id, query, now_millis()).await?;
    if !req.uri().path().ends_with(".csv") {
        return Ok(api::json(200, &report, None));
    }
    let file = format!("scl-report-{}-to-{}.csv", report.from, report.to);
    Response::builder()
        .status(200)
        .header("content-type", "text/csv; charset=utf-8")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{file}\""),
        )
        .body(Body::Text(report.to_csv()))
        .map_err(|e| ApiError::Internal(Box::new(e)))
}
