//! Near misses (docs/api.md, Near misses and detection) against DynamoDB Local through the real handlers: calls that
//! passed every gate but scored under the threshold are listed newest first, a page per Query,
//! for 30 days, and promoted to a lead exactly once.

use scl_tests::*;
use serde_json::{json, Value};

fn at(minutes_ago: i64) -> (String, String) {
    let start = chrono::Utc::now() - chrono::Duration::minutes(minutes_ago);
    let end = start + chrono::Duration::minutes(4);
    let f = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    (f(start), f(end))
}

struct App(TestApp);

impl App {
    async fn new() -> App {
        App(TestApp::new().await)
    }

    async fn near_miss(&self, tenant: &str, call_id: &str, minutes_ago: i64) {
        let (start, end) = at(minutes_ago);
        let out = self
            .0
            .ingest(&near_miss_call(tenant, call_id, &start, &end))
            .await;
        assert_eq!(out["outcome"], "near_miss", "{out}");
    }

    async fn list(&self, tenant: &str, query: &str) -> (u16, Value) {
        let r = self
            .0
            .call("GET", "/calls/near-misses")
            .as_caller(tenant, "csr-1", "scl.view")
            .query(query)
            .send()
            .await;
        (r.status, r.body)
    }

    async fn promote(&self, tenant: &str, call_id: &str, user: &str) -> (u16, Value) {
        let r = self
            .0
            .call("POST", "/calls/{call_id}/promote")
            .param("call_id", call_id)
            .as_caller(tenant, user, "scl.view")
            .body("{}")
            .send()
            .await;
        (r.status, r.body)
    }
}

fn call_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["call_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn near_misses_are_listed_newest_first_a_page_per_query_for_thirty_days_and_only_to_their_business(
) {
    let app = App::new().await;
    let tenant = app.0.tenant().to_owned();
    for (i, minutes_ago) in [50, 10, 30, 40, 20].iter().enumerate() {
        app.near_miss(&tenant, &format!("nm-{i}"), *minutes_ago)
            .await;
    }
    // Older than 30 days: kept out of the list even before TTL removes it.
    app.near_miss(&tenant, "nm-old", 31 * 24 * 60).await;
    let other = unique("t");
    app.near_miss(&other, "nm-other", 5).await;

    app.0.env.requests.reset();
    let (status, page) = app.list(&tenant, "limit=2").await;
    assert_eq!(app.0.env.requests.get(), 1, "one Query per page");
    assert_eq!(status, 200, "{page}");
    assert_eq!(call_ids(&page), vec!["nm-1", "nm-4"]);
    let item = &page["items"][0];
    assert!(item["customer_phone"].as_str().unwrap().starts_with("+1"));
    assert_eq!(item["duration_seconds"], 252);
    assert!(item["score"].as_f64().unwrap() < 0.5, "{item}");
    assert!(!item["reasons"].as_array().unwrap().is_empty());
    assert!(!item["summary"].as_str().unwrap().is_empty());
    let mut seen = call_ids(&page);
    let mut cursor = page["next_cursor"].as_str().unwrap().to_owned();
    loop {
        let (status, page) = app.list(&tenant, &format!("limit=2&cursor={cursor}")).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(call_ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, vec!["nm-1", "nm-4", "nm-2", "nm-3", "nm-0"]);

    let (_, page) = app.list(&other, "").await;
    assert_eq!(call_ids(&page), vec!["nm-other"]);
    let (_, page) = app.list(&unique("t"), "").await;
    assert_eq!(page, json!({"items": [], "next_cursor": null}));

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("tab=open", "tab"),
        ("limit=5&limit=6", "limit"),
    ] {
        let (status, body) = app.list(&tenant, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    // A lead-list cursor is refused here.
    let lead_cursor = scl_core::query::PageCursor {
        list: "open".into(),
        after: "2026-11-24T15:00:00.000Z#01JDX3Q8M7V4K2N9P5R6S8T0W1".into(),
    }
    .encode();
    let (status, body) = app.list(&tenant, &format!("cursor={lead_cursor}")).await;
    assert_eq!((status, &body["error"]["field"]), (400, &json!("cursor")));
    // A cursor kept past the 30 days: nothing after it is kept any more.
    let stale = scl_core::query::PageCursor {
        list: scl_core::query::NearMissRequest::LIST.into(),
        after: "2020-01-01T00:00:00.000Z#nm-0".into(),
    }
    .encode();
    let (status, page) = app.list(&tenant, &format!("cursor={stale}")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page, json!({"items": [], "next_cursor": null}));
}

#[tokio::test]
async fn a_promotion_makes_one_lead_with_its_transcript_and_history_and_every_other_answer_is_409_or_404(
) {
    let app = App::new().await;
    let tenant = app.0.tenant().to_owned();
    app.near_miss(&tenant, "nm-1", 15).await;

    // Eight CSRs promote the same call at once: one lead.
    let results = futures::future::join_all(
        (0..8).map(|i| app.promote(&tenant, "nm-1", if i % 2 == 0 { "csr-1" } else { "csr-2" })),
    )
    .await;
    let created: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(created.len(), 1, "{results:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(*status, 409, "{body}");
        assert_eq!(body["error"]["code"], "already_a_lead");
        assert_eq!(body["error"]["field"], "call_id");
    }
    let lead = created[0];
    assert_eq!(lead["status"], "new");
    assert_eq!(lead["tab"], "open");
    assert_eq!(lead["version"], 1);
    assert_eq!(lead["call"]["call_id"], "nm-1");
    assert!(lead["detection"]["reasons"]
        .as_array()
        .unwrap()
        .contains(&json!("promoted from the near misses by a CSR")));

    let detail = app.0.detail(lead["id"].as_str().unwrap()).await;
    assert_eq!(detail["history"][0]["action"], "promoted", "{detail}");
    assert_eq!(detail["transcript"].as_array().unwrap().len(), 4);

    // It leaves the near-miss list; promoting it again is a conflict.
    let (_, page) = app.list(&tenant, "").await;
    assert_eq!(call_ids(&page), Vec::<String>::new());
    let (status, body) = app.promote(&tenant, "nm-1", "csr-3").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("already_a_lead"))
    );

    // A call that became a lead the usual way is one too; unknown, another business's, gated
    // out or older than 30 days: 404, and nothing is created.
    let out = app
        .0
        .ingest(&call_completed(&tenant, "lead-call", json!({})))
        .await;
    assert_eq!(out["outcome"], "created");
    let (status, body) = app.promote(&tenant, "lead-call", "csr-1").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("already_a_lead"))
    );
    let other = unique("t");
    app.near_miss(&other, "nm-other", 5).await;
    let short = call_completed(
        &tenant,
        "short",
        json!({"duration_seconds": 20,
               "started_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::minutes(10)),
               "ended_at": rfc3339_seconds(chrono::Utc::now() - chrono::Duration::minutes(10) + chrono::Duration::seconds(20))}),
    );
    assert_eq!(app.0.ingest(&short).await["outcome"], "not_a_lead");
    app.near_miss(&tenant, "nm-old", 31 * 24 * 60).await;
    for call in ["no-such-call", "nm-other", "short", "nm-old"] {
        let (status, body) = app.promote(&tenant, call, "csr-1").await;
        assert_eq!(status, 404, "{call}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (status, body) = app.promote(&tenant, "bad#id", "csr-1").await;
    assert_eq!((status, &body["error"]["field"]), (400, &json!("call_id")));
    // The other business can still promote its own.
    assert_eq!(app.promote(&other, "nm-other", "csr-9").await.0, 201);
}

#[tokio::test]
async fn a_promotion_is_a_lead_label_for_the_business() {
    let app = App::new().await;
    let _labels = StreamMappingRun::labels(&app.0.env).await;
    let tenant = app.0.tenant().to_owned();
    app.near_miss(&tenant, "nm-1", 15).await;
    assert_eq!(app.promote(&tenant, "nm-1", "csr-1").await.0, 201);
    let s = app
        .0
        .stats_with_labels(json!({"lead": 1, "not_a_lead": 0}))
        .await;
    // Detection did not flag it, so it says nothing about detection's precision.
    assert_eq!(s["precision_from_dispositions"], Value::Null, "{s}");
}
