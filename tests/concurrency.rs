//! The local stack runs functions the way Lambda does under load: up to
//! `SCL_LOCAL_CONCURRENCY` (default 4) execution environments per function, another one
//! started (cold) when all are busy. So the races the design handles happen here for real,
//! between separate processes, not only between tasks of one test.

use futures::future::join_all;
use scl_tests::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_run_in_several_environments_and_every_race_is_decided() {
    let stack = start_stack("concurrency", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let tenant = unique("t");
    let token = csr_token(&tenant);

    // Twenty calls from ten new numbers, all at once: ten leads with two calls each.
    let ingest = invoke_url(&stack, "IngestCallFunction");
    let outcomes = join_all((0..20).map(|i| {
        let (http, url) = (http.clone(), ingest.clone());
        let event = call_completed(
            &tenant,
            &format!("conc-{i}"),
            json!({"from_number": format!("+1512556{:04}", i / 2)}),
        );
        async move { invoke_json(&http, &url, &event).await }
    }))
    .await;
    let count = |o: &str| outcomes.iter().filter(|v| v["outcome"] == o).count();
    assert_eq!(
        (count("created"), count("attached")),
        (10, 10),
        "{outcomes:?}"
    );
    assert!(
        stack.functions()["IngestCallFunction"].environments_started() > 1,
        "concurrent invocations started more environments"
    );

    // Ten notes on one lead at once, without If-Match: every one lands.
    let id = outcomes
        .iter()
        .find_map(|o| o["lead_id"].as_str())
        .unwrap()
        .to_owned();
    let statuses = join_all((0..10).map(|i| {
        let (http, url, token) = (
            http.clone(),
            format!("{api}/leads/{id}/notes"),
            token.clone(),
        );
        async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({"text": format!("note {i}")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    }))
    .await;
    assert_eq!(statuses, vec![201; 10]);
    let detail: Value = get_json(&http, &format!("{api}/leads/{id}"), &token).await;
    assert_eq!(detail["notes"].as_array().unwrap().len(), 10, "{detail}");
    let notes = &stack.functions()["AddNoteFunction"];
    assert!(notes.environments_started() > 1);
    assert!(notes.environments_started() <= scl_local::runtime::concurrency_from_env());
}
