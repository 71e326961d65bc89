//! Per-business learning from CSR feedback, end to end against DynamoDB Local through the real
//! handlers: calls in through IngestCallFunction, dispositions through the CSR routes, labels
//! through the table's stream into LearnLabelsFunction (the local stack's mapping, run
//! in-process), stats and reset through DetectionFunction.

use scl_tests::*;
use serde_json::{json, Value};

/// Septic pumping calls to a plumber that does not offer it: each reads like a lead.
const SEPTIC: &[&str] = &[
    "Hi, we need our septic tank pumped, it has been about four years. How much do you charge?",
    "Our septic alarm keeps going off and the yard over the tank is soggy. Can you pump it this week? What would that run?",
    "Hi, I'd like a quote to pump out our septic tank, we just bought the house.",
    "I need the septic pumped before a party on Saturday, how soon can you come?",
    "Do you pump septic tanks? Ours is backing up into the basement shower. What's the price?",
    "Looking to get the septic tank cleaned out and inspected, how much would that be?",
    "We need septic pumping, the drain field smells. When could somebody come out?",
    "Hi, how much for a septic pump out? It's a thousand gallon tank.",
    "Our septic tank needs pumping, the toilets are slow. Can you come tomorrow?",
    "I'm calling about septic tank pumping, what do you charge and how soon can you come?",
];
const NEXT_SEPTIC: &str =
    "Hi, we need the septic tank pumped, it's overdue and gurgling. What would that cost?";
/// This plumber's ordinary leads.
const ORDINARY: &[&str] = &[
    "My water heater is leaking from the bottom. How much for a new one?",
    "The kitchen sink is clogged and backing up. Can someone come today? What's the price?",
    "Our toilet keeps running and the handle is broken. How much to fix it?",
    "We need a new garbage disposal installed, ours just hums. What do you charge?",
];
const NEXT_ORDINARY: &str = "There's water dripping under the bathroom sink and the cabinet is wet. How soon can you come and what does it cost?";

fn call(tenant: &str, call_id: &str, said: &str) -> Value {
    call_completed(
        tenant,
        call_id,
        json!({
            "from_number": unique_phone(),
            "call_reason": null,
            "csr_notes": null,
            "transcript": [
                {"speaker": "agent", "start_ms": 0, "text": "Thanks for calling Clearwater Plumbing."},
                {"speaker": "customer", "start_ms": 3000, "text": said},
                {"speaker": "agent", "start_ms": 9000, "text": "Let me check and have someone call you back."},
                {"speaker": "customer", "start_ms": 14000, "text": "Okay, thanks."}
            ]
        }),
    )
}

struct App(TestApp);

impl App {
    async fn new() -> App {
        App(TestApp::new().await)
    }

    async fn ingest(&self, event: &Value) -> Value {
        self.0.ingest(event).await
    }

    async fn dismiss(&self, lead: &str, user: &str) {
        let r = self
            .0
            .call("POST", "/leads/{id}/dismiss")
            .id(lead)
            .user(user)
            .json(json!({"reason": "not_a_lead", "comment": "we don't do septic"}))
            .send()
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    async fn set_status(&self, lead: &str, user: &str, status: &str) {
        let r = self
            .0
            .call("PUT", "/leads/{id}/status")
            .id(lead)
            .user(user)
            .json(json!({"status": status, "note": "worked it"}))
            .send()
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    async fn worked(&self, lead: &str, user: &str) {
        self.set_status(lead, user, "call_back_attempted").await
    }

    async fn detection(&self, method: &'static str, route: &'static str, scope: &str) -> Resp {
        self.0
            .call(method, route)
            .user("admin-1")
            .scope(scope)
            .send()
            .await
    }

    /// Sends each call; the leads of those flagged, which must be at least nine in ten (the
    /// floor of recall on a trade family the model was not fitted on, model/README.md).
    async fn flagged_at_base(&self, tenant: &str, prefix: &str, calls: &[&str]) -> Vec<String> {
        let mut leads = Vec::new();
        let mut missed = Vec::new();
        for (i, said) in calls.iter().enumerate() {
            let out = self
                .ingest(&call(tenant, &format!("{prefix}-{i}"), said))
                .await;
            match out["lead_id"].as_str() {
                Some(id) if out["outcome"] == "created" => leads.push(id.to_owned()),
                _ => missed.push(format!("{said}: {out}")),
            }
        }
        assert!(
            leads.len() * 10 >= calls.len() * 9,
            "{} of {} flagged; missed {missed:#?}",
            leads.len(),
            calls.len()
        );
        leads
    }

    async fn stats(&self) -> Value {
        self.0.detection_stats().await
    }

    async fn stats_when(&self, leads: u64, not_a_lead: u64) -> Value {
        self.0
            .stats_with_labels(json!({"lead": leads, "not_a_lead": not_a_lead}))
            .await
    }
}

#[tokio::test]
async fn a_plumber_whose_csrs_dismiss_septic_calls_stops_getting_them_while_its_leads_and_other_businesses_are_unaffected(
) {
    let app = App::new().await;
    let _labels = StreamMappingRun::labels(&app.0.env).await;
    let tenant = app.0.tenant().to_owned();

    // Before any feedback, septic calls are flagged like any lead (at least the recall the
    // evaluation's held-out trade families must reach), and so are ordinary ones.
    let septic_leads = app.flagged_at_base(&tenant, "septic", SEPTIC).await;
    let n = septic_leads.len() as u64;
    let mut ordinary_leads = Vec::new();
    for (i, said) in ORDINARY.iter().enumerate() {
        let out = app
            .ingest(&call(&tenant, &format!("ordinary-{i}"), said))
            .await;
        assert_eq!(out["outcome"], "created", "{said}: {out}");
        ordinary_leads.push(out["lead_id"].as_str().unwrap().to_owned());
    }
    let stats = app.stats().await;
    assert_eq!(stats["adapted"], false, "{stats}");
    assert_eq!(stats["precision_from_dispositions"], Value::Null);

    // Two CSRs dismiss the septic calls as Not a Lead and work the ordinary ones.
    for (i, lead) in septic_leads.iter().enumerate() {
        app.dismiss(lead, if i % 2 == 0 { "csr-ana" } else { "csr-ben" })
            .await;
    }
    for (i, lead) in ordinary_leads.iter().enumerate() {
        app.worked(lead, if i % 2 == 0 { "csr-ana" } else { "csr-ben" })
            .await;
    }
    let stats = app.stats_when(4, n).await;
    assert_eq!(stats["adapted"], true, "{stats}");
    assert_eq!(
        stats["precision_from_dispositions"],
        json!((4.0 / (4.0 + n as f64) * 1000.0).round() / 1000.0),
        "4 of {}",
        4 + n
    );
    assert!(stats["model_version"].as_str().unwrap().starts_with("lr-"));

    // The next septic call is not flagged: a near miss, saying why.
    let out = app.ingest(&call(&tenant, "septic-next", NEXT_SEPTIC)).await;
    assert_eq!(out["outcome"], "near_miss", "{out}");
    assert!(
        out["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("your team marked similar calls Not a Lead")),
        "{out}"
    );
    // Its ordinary leads still are.
    let out = app
        .ingest(&call(&tenant, "ordinary-next", NEXT_ORDINARY))
        .await;
    assert_eq!(out["outcome"], "created", "{out}");
    // Another business gets the same septic call flagged.
    let other = unique("t");
    let out = app.ingest(&call(&other, "septic-other", NEXT_SEPTIC)).await;
    assert_eq!(out["outcome"], "created", "{out}");

    // A redelivered label changes nothing; a changed disposition moves its count.
    app.set_status(&septic_leads[0], "csr-ana", "not_following_up")
        .await;
    app.stats_when(5, n - 1).await;

    // Stats and reset need scl.admin; a reset forgets the adjustment but not the labels.
    let r = app.detection("GET", "/detection/stats", "scl.view").await;
    assert_eq!((r.status, r.error().0), (403, "forbidden"));
    let r = app
        .detection("DELETE", "/detection/adaptation", "scl.admin")
        .await;
    let (status, body) = (r.status, r.body);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["adapted"], false, "{body}");
    assert_eq!(body["labels"], json!({"lead": 5, "not_a_lead": n - 1}));
    let out = app
        .ingest(&call(&tenant, "septic-after-reset", NEXT_SEPTIC))
        .await;
    assert_eq!(out["outcome"], "created", "after a reset: {out}");
}

#[tokio::test]
async fn one_csr_marking_everything_not_a_lead_cannot_switch_detection_off() {
    let app = App::new().await;
    let _labels = StreamMappingRun::labels(&app.0.env).await;
    let tenant = app.0.tenant().to_owned();
    let mut leads = app.flagged_at_base(&tenant, "septic", SEPTIC).await;
    for (i, said) in ORDINARY.iter().enumerate() {
        let out = app.ingest(&call(&tenant, &format!("c-{i}"), said)).await;
        assert_eq!(out["outcome"], "created", "{out}");
        leads.push(out["lead_id"].as_str().unwrap().to_owned());
    }
    for lead in &leads {
        app.dismiss(lead, "careless-csr").await;
    }
    let stats = app.stats_when(0, leads.len() as u64).await;
    assert_eq!(
        stats["adapted"], false,
        "one person's labels teach nothing: {stats}"
    );
    for (i, said) in [NEXT_SEPTIC, NEXT_ORDINARY].iter().enumerate() {
        let out = app.ingest(&call(&tenant, &format!("next-{i}"), said)).await;
        assert_eq!(out["outcome"], "created", "{out}");
    }
}
