//! `make simulate`: the platform at a million calls a day, extrapolated from the pipeline run
//! with many businesses (`pipeline.rs`) using AWS's published default quotas. The local stack
//! cannot hold 10,000 businesses' traffic; what it can measure is each call's work, which does
//! not depend on how many businesses there are (every key is a business's own), and the rate
//! at which this machine sustains it.

use std::collections::BTreeMap;

use super::cost::unbooked_share;
use super::pipeline::{Figures, Work};

/// One call's work, averaged over the mix of calls (`cost::per_thousand_calls` explains it).
#[derive(Debug, Default)]
struct PerCall {
    /// Per function: invocations and billed ms.
    functions: BTreeMap<String, (f64, f64)>,
    /// Per (service, operation): requests, messages, capacity units.
    operations: BTreeMap<(String, String), (f64, f64, f64)>,
}

impl PerCall {
    fn add(&mut self, work: &Work, weight: f64) {
        for (name, f) in &work.functions {
            let e = self.functions.entry(name.clone()).or_default();
            e.0 += f.invocations.count as f64 * weight;
            e.1 += f.invocations.billed_ms as f64 * weight;
        }
        for (k, c) in work.operations() {
            let e = self.operations.entry(k).or_default();
            e.0 += c.requests as f64 * weight;
            e.1 += c.messages as f64 * weight;
            e.2 += c.capacity_units * weight;
        }
    }

    fn mix(f: &Figures) -> PerCall {
        let share = unbooked_share();
        let leads_per_unbooked = f.leads as f64 / f.load.calls.max(1) as f64;
        let mut per = PerCall::default();
        per.add(
            &f.booked_calls,
            (1.0 - share) / f.load.booked_calls.max(1) as f64,
        );
        per.add(&f.burst, share / f.load.calls.max(1) as f64);
        per.add(
            &f.worked,
            share * leads_per_unbooked / f.load.worked_leads.max(1) as f64,
        );
        per
    }

    fn sum_ops(&self, pick: impl Fn(&str, &str) -> bool, field: usize) -> f64 {
        self.operations
            .iter()
            .filter(|((s, o), _)| pick(s, o))
            .map(|(_, v)| [v.0, v.1, v.2][field])
            .sum::<f64>()
            + 0.0
    }
}

/// A limit the platform meets: what it needs at the day's mean and at the peak, against AWS's
/// default quota.
struct Limit {
    what: &'static str,
    unit: &'static str,
    per_call: f64,
    quota: f64,
    quota_note: &'static str,
}

/// 1 M calls a day, in a 10-hour business day.
const CALLS_A_DAY: f64 = 1_000_000.0;
const BUSINESS_HOURS: f64 = 10.0;
/// The peak: 5,000 calls a minute.
const PEAK_CALLS_A_SECOND: f64 = 5000.0 / 60.0;

pub(crate) fn section(f: &Figures) -> String {
    let per = PerCall::mix(f);
    let mean = CALLS_A_DAY / (BUSINESS_HOURS * 3600.0);
    let is_read = scl_local::iam::changes_nothing;
    let wcu = per.sum_ops(|s, o| s == "dynamodb" && !is_read(o), 2);
    let rcu = per.sum_ops(|s, o| s == "dynamodb" && is_read(o), 2);
    // Every change to the table is one stream record.
    let records = per.sum_ops(|s, o| s == "dynamodb" && !is_read(o), 0);
    let ms: f64 = per.functions.values().map(|v| v.1).sum();
    let dispatcher = f
        .burst
        .functions
        .get("StreamDispatchFunction")
        .map(|d| d.invocations)
        .unwrap_or_default();
    let limits = [
        Limit {
            what: "Lambda concurrency (account, all functions)",
            unit: "environments busy",
            per_call: ms / 1000.0,
            quota: 1000.0,
            quota_note: "1,000 per Region by default; raised on request",
        },
        Limit {
            what: "DynamoDB on-demand table, writes",
            unit: "WRU/s",
            per_call: wcu,
            quota: 4000.0,
            quota_note: "a new on-demand table serves 4,000 WRU/s at once and doubles its peak within 30 min; 40,000 per table by default",
        },
        Limit {
            what: "DynamoDB on-demand table, reads",
            unit: "RRU/s",
            per_call: rcu,
            quota: 12000.0,
            quota_note: "12,000 RRU/s for a new table, 40,000 by default",
        },
        Limit {
            what: "DynamoDB stream records (the dispatcher reads them)",
            unit: "records/s",
            per_call: records,
            quota: 1000.0,
            quota_note: "a shard takes a partition's writes, up to 1,000 a second; shards split with the table",
        },
        Limit {
            what: "SES sending rate",
            unit: "emails/s",
            per_call: per.sum_ops(|s, o| s == "ses" && o.starts_with("Send"), 1),
            quota: 14.0,
            quota_note: "14 a second is a common starting quota out of the sandbox; raised on request",
        },
        Limit {
            what: "SNS text messages",
            unit: "SMS/s",
            per_call: per.sum_ops(|s, o| s == "sns" && o == "Publish (SMS)", 1),
            quota: 20.0,
            quota_note: "20 a second per account; a toll-free origination number sends 3 a second, a 10DLC campaign its carrier's rate",
        },
        Limit {
            what: "EventBridge PutEvents",
            unit: "entries/s",
            per_call: per.sum_ops(|s, o| s == "events" && o == "PutEvents", 1),
            quota: 10000.0,
            quota_note: "10,000 a second in us-east-1 (fewer in smaller Regions)",
        },
        Limit {
            what: "SQS (the dispatcher's sends)",
            unit: "messages/s",
            per_call: per.sum_ops(|s, o| s == "sqs" && o.starts_with("SendMessage"), 1),
            quota: 70000.0,
            quota_note: "high-throughput FIFO: 70,000 a second per queue in us-east-1; standard queues: no limit",
        },
    ];
    let mut out = format!(
        "\n### The platform at a million calls a day\n\n\
         The per-call work of this run ({} businesses; {:.0} % of calls unbooked, each lead \
         worked once), times the rate: a million calls over a {BUSINESS_HOURS:.0}-hour day is \
         {mean:.1} calls/s on average; the peak is 5,000 calls a minute ({PEAK_CALLS_A_SECOND:.1}/s). \
         This machine sustained {:.1} calls/s of intake with every reader caught up within the \
         figures above. Lambda time per call (all functions, x86_64 against the emulators, an \
         upper bound for arm64 against DynamoDB): {ms:.1} ms.\n\n\
         | resource | per call | at the mean | at the peak | default quota | peak / quota |\n\
         |---|---:|---:|---:|---:|---:|\n",
        f.load.businesses,
        unbooked_share() * 100.0,
        f.load.calls as f64 / f.intake.as_secs_f64().max(0.001),
    );
    let mut ranked = vec![];
    for l in &limits {
        let peak = l.per_call * PEAK_CALLS_A_SECOND;
        ranked.push((peak / l.quota, l.what));
        out.push_str(&format!(
            "| {} ({}) | {:.3} | {:.1} | {:.1} | {} | {:.2} |\n",
            l.what,
            l.unit,
            l.per_call,
            l.per_call * mean,
            peak,
            l.quota,
            peak / l.quota
        ));
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    out.push_str("\nQuotas: ");
    out.push_str(
        &limits
            .iter()
            .map(|l| format!("{}: {}", l.what, l.quota_note))
            .collect::<Vec<_>>()
            .join("; "),
    );
    out.push_str(&format!(
        ".\n\nFirst limit met at the peak: **{}** ({:.0} % of its default quota), then {} \
         ({:.0} %). The dispatcher took {} invocations for the burst's {} calls ({:.1} calls \
         an invocation).\n",
        ranked[0].1,
        ranked[0].0 * 100.0,
        ranked[1].1,
        ranked[1].0 * 100.0,
        dispatcher.count,
        f.load.calls,
        f.load.calls as f64 / dispatcher.count.max(1) as f64,
    ));
    out
}
