//! The Cold tab at any backlog (docs/data-model.md, The Cold tab): Open and Cold are stored
//! apart, a lead turns Cold at its exact moment whether or not the minute's sweep has moved it
//! yet, and no page shows a lead in both tabs or in neither.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use scl_tests::*;
use serde_json::{json, Value};

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A lead whose call ended so that, untouched, it turns Cold `secs` from now (the default
/// cold-after is 3 days); negative: that long ago.
async fn lead_turning_cold_in(app: &TestApp, call_id: &str, secs: i64) -> String {
    let ended = Utc::now() - Duration::days(3) + Duration::seconds(secs);
    let started = ended - Duration::minutes(5);
    app.lead(
        call_id,
        json!({"from_number": unique_phone(), "started_at": rfc3339(started),
               "ended_at": rfc3339(ended), "duration_seconds": 300}),
    )
    .await
}

/// ColdSweepFunction's handler, as the schedule runs it at `now`: how many leads it moved.
async fn sweep(app: &TestApp, now: DateTime<Utc>) -> u64 {
    let out = cold_sweep::handle_payload(&app.store(), &json!({"time": rfc3339(now)}))
        .await
        .unwrap();
    out["moved"].as_u64().unwrap()
}

/// Every id of a list, following its cursors `limit` at a time.
async fn all_ids(app: &TestApp, query: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&limit={limit}&cursor={c}"),
            None => format!("{query}&limit={limit}"),
        };
        let page = app.list(&q).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{page}");
        ids.extend(items.iter().map(|l| l["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
}

/// Which of Open and Cold list `id`, with and without the status filter.
async fn tabs_listing(app: &TestApp, id: &str) -> Vec<&'static str> {
    let mut tabs = Vec::new();
    for (tab, query) in [
        ("open", "tab=open"),
        ("cold", "tab=cold"),
        ("open:new", "tab=open&status=new"),
        ("cold:new", "tab=cold&status=new"),
    ] {
        if app.list_ids(query).await.iter().any(|i| i == id) {
            tabs.push(tab);
        }
    }
    tabs
}

#[tokio::test]
async fn a_lead_turns_cold_at_its_moment_before_and_after_the_sweep_moves_it() {
    let app = TestApp::new().await;
    let id = lead_turning_cold_in(&app, "edge", 3).await;
    assert_eq!(tabs_listing(&app, &id).await, ["open", "open:new"]);
    assert_eq!(app.detail(&id).await["tab"], "open");
    assert_eq!(sweep(&app, Utc::now()).await, 0, "not due yet");

    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    // Past its moment and not moved yet: Cold already, and only Cold.
    assert_eq!(tabs_listing(&app, &id).await, ["cold", "cold:new"]);
    assert_eq!(app.detail(&id).await["tab"], "cold");

    assert_eq!(sweep(&app, Utc::now()).await, 1);
    assert_eq!(sweep(&app, Utc::now()).await, 0, "moved once");
    assert_eq!(tabs_listing(&app, &id).await, ["cold", "cold:new"]);

    // A CSR action makes it Open again at once, and the sweep leaves it there.
    let r = app
        .act(
            "POST",
            "/leads/{id}/notes",
            &id,
            r#"{"text": "called, no answer"}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(tabs_listing(&app, &id).await, ["open", "open:new"]);
    assert_eq!(sweep(&app, Utc::now()).await, 0);
    assert_eq!(tabs_listing(&app, &id).await, ["open", "open:new"]);
}

#[tokio::test]
async fn a_lead_acted_on_between_its_moment_and_the_sweep_stays_open() {
    let app = TestApp::new().await;
    let id = lead_turning_cold_in(&app, "raced", -60).await;
    assert_eq!(tabs_listing(&app, &id).await, ["cold", "cold:new"]);
    let r = app
        .act(
            "PUT",
            "/leads/{id}/status",
            &id,
            r#"{"status": "call_back_attempted"}"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        sweep(&app, Utc::now()).await,
        0,
        "the action placed it itself"
    );
    assert_eq!(app.list_ids("tab=open").await, [id]);
    assert!(app.list_ids("tab=cold").await.is_empty());
}

#[tokio::test]
async fn cold_pages_list_moved_and_not_yet_moved_leads_once_each_newest_call_first() {
    let app = TestApp::new().await;
    // Five leads Cold when written (so stored as Cold), from 5 to 9 days ago.
    let mut stored_cold = Vec::new();
    for d in 0..5 {
        let started = Utc::now() - Duration::days(5 + d);
        stored_cold.push(
            app.lead(
                &format!("old-{d}"),
                json!({"from_number": unique_phone(), "started_at": rfc3339(started),
                       "ended_at": rfc3339(started + Duration::minutes(4)),
                       "duration_seconds": 240}),
            )
            .await,
        );
    }
    // Two that turn Cold in a moment: newer calls, still stored as Open when they do.
    let due_later = lead_turning_cold_in(&app, "due-1", 2).await;
    let due_sooner = lead_turning_cold_in(&app, "due-2", 1).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    let newest_first: Vec<String> = [due_later.clone(), due_sooner.clone()]
        .into_iter()
        .chain(stored_cold.iter().cloned())
        .collect();
    for limit in [1, 2, 3, 25] {
        assert_eq!(
            all_ids(&app, "tab=cold", limit).await,
            newest_first,
            "limit {limit}"
        );
        assert_eq!(
            all_ids(&app, "tab=cold&status=new", limit).await,
            newest_first
        );
    }
    assert!(all_ids(&app, "tab=open", 2).await.is_empty());

    assert_eq!(sweep(&app, Utc::now()).await, 2);
    for limit in [1, 2, 25] {
        assert_eq!(all_ids(&app, "tab=cold", limit).await, newest_first);
    }
    assert!(all_ids(&app, "tab=open", 2).await.is_empty());
    let detail: Value = app.detail(&due_sooner).await;
    assert_eq!(detail["tab"], "cold");
}
