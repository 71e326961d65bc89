//! The pipeline's work in dollars: on-demand list prices (us-east-1, arm64) applied to what the
//! pipeline bench counted, per 1,000 calls, per month for one business of 50 CSRs and 3,000
//! calls a day, and for 10,000 such businesses.

use std::collections::BTreeMap;

use super::pipeline::{Figures, Work};

/// us-east-1 on-demand list prices in US dollars, as published by AWS's pricing pages in late
/// 2026 (not fetched by the bench; update them here when they change).
pub(crate) mod price {
    /// DynamoDB on-demand, per write request unit and per read request unit.
    pub const DYNAMODB_WRITE_UNIT: f64 = 0.625 / 1e6;
    pub const DYNAMODB_READ_UNIT: f64 = 0.125 / 1e6;
    /// DynamoDB Standard table class storage, per GB-month.
    pub const DYNAMODB_GB_MONTH: f64 = 0.25;
    /// Lambda on arm64, per GB-second, and per request.
    pub const LAMBDA_GB_SECOND: f64 = 0.000_013_333_4;
    pub const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
    /// SQS FIFO requests (standard queues are $0.40; every request is priced as FIFO here).
    pub const SQS_REQUEST: f64 = 0.50 / 1e6;
    /// An SMS to a US number: SNS's price plus the carriers' fees, per message part.
    pub const SMS_US: f64 = 0.00581 + 0.00302;
    /// SNS publishes to a topic.
    pub const SNS_PUBLISH: f64 = 0.50 / 1e6;
    /// SES outbound email, per recipient.
    pub const SES_EMAIL: f64 = 0.10 / 1000.0;
    /// EventBridge custom events, per entry put.
    pub const EVENTBRIDGE_EVENT: f64 = 1.00 / 1e6;
    /// Secrets Manager API calls, and one secret stored for a month.
    pub const SECRETS_CALL: f64 = 0.05 / 10_000.0;
    pub const SECRET_MONTH: f64 = 0.40;
    /// API Gateway HTTP API requests (the first 300 million a month).
    pub const HTTP_API_REQUEST: f64 = 1.00 / 1e6;
    /// CloudWatch Logs standard ingestion, per GB.
    pub const LOGS_GB: f64 = 0.50;
    /// X-Ray traces recorded (the template's `Tracing: Active`; the default sampling rule
    /// records about 5 % of invocations beyond the first each second).
    pub const XRAY_TRACE: f64 = 5.00 / 1e6;
    pub const XRAY_SAMPLED: f64 = 0.05;
    /// Cognito Essentials, per monthly active user beyond the first 10,000.
    pub const COGNITO_MAU: f64 = 0.015;
}

/// Every function's memory (the template's `Globals`), in GB.
const FUNCTION_GB: f64 = 256.0 / 1024.0;

/// Lambda invokes every reader from an SQS queue except the dispatcher, which reads the
/// table's stream: each queue reader's invocation is a receive and a delete.
fn queue_readers() -> impl Iterator<Item = &'static str> {
    super::pipeline::READERS
        .iter()
        .copied()
        .filter(|f| *f != "StreamDispatchFunction")
}

/// The cost lines, each in dollars for `work`.
pub(crate) fn lines(work: &Work) -> BTreeMap<&'static str, f64> {
    let ops = work.operations();
    let mut writes = 0.0;
    let mut reads = 0.0;
    for ((service, op), c) in &ops {
        if service == "dynamodb" {
            if scl_local::iam::changes_nothing(op) {
                reads += c.capacity_units;
            } else {
                writes += c.capacity_units;
            }
        }
    }
    let of = |service: &str, op: &str| {
        ops.get(&(service.to_owned(), op.to_owned()))
            .copied()
            .unwrap_or_default()
    };
    let invocations: u64 = work.functions.values().map(|f| f.invocations.count).sum();
    let billed_ms: u64 = work
        .functions
        .values()
        .map(|f| f.invocations.billed_ms)
        .sum();
    let log_bytes: u64 = work.functions.values().map(|f| f.log_bytes).sum();
    let sqs_sent: u64 = ops
        .iter()
        .filter(|((s, _), _)| s == "sqs")
        .map(|(_, c)| c.requests)
        .sum();
    let sqs_polled: u64 = queue_readers()
        .filter_map(|f| work.functions.get(f))
        .map(|f| 2 * f.invocations.count)
        .sum();
    let emails = of("ses", "SendEmail").messages + of("ses", "SendRawEmail").messages;
    BTreeMap::from([
        ("DynamoDB writes", writes * price::DYNAMODB_WRITE_UNIT),
        ("DynamoDB reads", reads * price::DYNAMODB_READ_UNIT),
        (
            "DynamoDB storage (a month)",
            work.stored_bytes.max(0) as f64 / 1e9 * price::DYNAMODB_GB_MONTH,
        ),
        (
            "Lambda duration",
            billed_ms as f64 / 1000.0 * FUNCTION_GB * price::LAMBDA_GB_SECOND,
        ),
        (
            "Lambda requests",
            invocations as f64 * price::LAMBDA_REQUEST,
        ),
        (
            "SQS requests",
            (sqs_sent + sqs_polled) as f64 * price::SQS_REQUEST,
        ),
        (
            "SNS text messages",
            of("sns", "Publish (SMS)").messages as f64 * price::SMS_US,
        ),
        (
            "SNS publishes",
            (of("sns", "Publish").requests + of("sns", "PublishBatch").requests) as f64
                * price::SNS_PUBLISH,
        ),
        ("SES email", emails as f64 * price::SES_EMAIL),
        (
            "EventBridge events",
            of("events", "PutEvents").messages as f64 * price::EVENTBRIDGE_EVENT,
        ),
        (
            "Secrets Manager calls",
            of("secretsmanager", "GetSecretValue").requests as f64 * price::SECRETS_CALL,
        ),
        (
            "API Gateway requests",
            work.gateway_requests as f64 * price::HTTP_API_REQUEST,
        ),
        ("CloudWatch Logs", log_bytes as f64 / 1e9 * price::LOGS_GB),
        (
            "X-Ray traces",
            invocations as f64 * price::XRAY_SAMPLED * price::XRAY_TRACE,
        ),
    ])
}

/// `SCL_BENCH_UNBOOKED_SHARE` (default 0.25): the share of a business's calls that end
/// unbooked and become leads; the rest are booked on the call.
pub(crate) fn unbooked_share() -> f64 {
    super::env_or("SCL_BENCH_UNBOOKED_SHARE", "0.25")
        .parse()
        .unwrap_or(0.25)
}

/// Dollars per 1,000 calls, by line: booked calls at their measured cost, unbooked calls at the
/// burst's (the lead, its notifications, reports and events, a booking during the wrap-up of
/// one in 30), and every lead worked once by a CSR.
pub(crate) fn per_thousand_calls(f: &Figures) -> BTreeMap<&'static str, f64> {
    let share = unbooked_share();
    let per = |work: &Work, n: usize| -> BTreeMap<&'static str, f64> {
        lines(work)
            .into_iter()
            .map(|(k, v)| (k, if n == 0 { 0.0 } else { v / n as f64 }))
            .collect()
    };
    let booked = per(&f.booked_calls, f.load.booked_calls);
    let unbooked = per(&f.burst, f.load.calls);
    let worked = per(&f.worked, f.load.worked_leads);
    let leads_per_unbooked = f.leads as f64 / f.load.calls.max(1) as f64;
    booked
        .keys()
        .map(|k| {
            let dollars = 1000.0
                * ((1.0 - share) * booked[k]
                    + share * (unbooked[k] + leads_per_unbooked * worked[k]));
            (*k, dollars)
        })
        .collect()
}

/// A month of a business with 50 CSRs and 3,000 calls a day.
pub(crate) const BUSINESS_CALLS_A_MONTH: f64 = 3000.0 * 30.4;

/// The cost table as Markdown.
pub(crate) fn section(f: &Figures) -> String {
    let lines = per_thousand_calls(f);
    let total: f64 = lines.values().sum();
    let month = BUSINESS_CALLS_A_MONTH / 1000.0;
    let mut sorted: Vec<(&str, f64)> = lines.iter().map(|(k, v)| (*k, *v)).collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut out = format!(
        "\n### What it costs (on-demand list prices, us-east-1, arm64)\n\n\
         Of 1,000 calls, {:.0} % end unbooked and become leads (`SCL_BENCH_UNBOOKED_SHARE`), \
         each worked once by a CSR; the rest were booked on the call. Measured: {} booked calls, \
         the burst's {} unbooked calls ({} leads), {} leads worked.\n\n\
         | line | per 1,000 calls ($) | a business, a month ($) | 10,000 businesses, a month ($) |\n\
         |---|---:|---:|---:|\n",
        unbooked_share() * 100.0,
        f.load.booked_calls,
        f.load.calls,
        f.leads,
        f.load.worked_leads,
    );
    for (k, v) in &sorted {
        out.push_str(&format!(
            "| {k} | {v:.4} | {:.2} | {:.0} |\n",
            v * month,
            v * month * 10_000.0
        ));
    }
    out.push_str(&format!(
        "| **total** | **{total:.4}** | **{:.2}** | **{:.0}** |\n",
        total * month,
        total * month * 10_000.0
    ));
    let cognito = 50.0 * price::COGNITO_MAU;
    out.push_str(&format!(
        "\nNot per call: Cognito's users (50 CSRs: ${cognito:.2} a business-month beyond the \
         first 10,000 users), a business's webhook secrets (${:.2} each a month), the stack's \
         queues' empty polls and its alarms.\n",
        price::SECRET_MONTH
    ));
    out
}

/// Requests, units and milliseconds per call, by function and operation, as Markdown (the
/// figures the cost table and the platform extrapolation start from).
pub(crate) fn work_section(title: &str, work: &Work, per: usize) -> String {
    let n = per.max(1) as f64;
    let mut out = format!(
        "\n#### {title}: work per call\n\n\
         | function | invocations | billed ms | log bytes | AWS operations (requests; messages; capacity units) |\n\
         |---|---:|---:|---:|---|\n"
    );
    for (name, f) in &work.functions {
        let ops: Vec<String> = f
            .operations
            .iter()
            .map(|((s, op), c)| {
                let mut s = format!("{s} {op} {:.2}", c.requests as f64 / n);
                if c.messages != c.requests {
                    s.push_str(&format!("; {:.2} msg", c.messages as f64 / n));
                }
                if c.capacity_units > 0.0 {
                    s.push_str(&format!("; {:.2} units", c.capacity_units / n));
                }
                s
            })
            .collect();
        out.push_str(&format!(
            "| {name} | {:.2} | {:.1} | {:.0} | {} |\n",
            f.invocations.count as f64 / n,
            f.invocations.billed_ms as f64 / n,
            f.log_bytes as f64 / n,
            ops.join("<br>")
        ));
    }
    let spent = work.units_by_index();
    if !spent.is_empty() {
        let row: Vec<String> = spent
            .iter()
            .map(|((op, index), u)| format!("{op} on {index} {:.2}", u / n))
            .collect();
        out.push_str(&format!(
            "\nDynamoDB capacity units a call, by where they were spent: {}.\n",
            row.join(", ")
        ));
    }
    out.push_str(&format!(
        "\nGateway requests {:.2} a call; the table grew by {:.0} bytes a call.\n",
        work.gateway_requests as f64 / n,
        work.stored_bytes as f64 / n
    ));
    out
}
