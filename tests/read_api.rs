//! The read API (list, detail, transcript search) against DynamoDB Local, through the same
//! API Gateway event decoding Lambda uses.

use scl_tests::*;
use serde_json::{json, Value};

/// `GET /leads?query` with exactly `caller`'s claims.
async fn list_as(
    app: &TestApp,
    query: &str,
    caller: Option<serde_json::Map<String, Value>>,
) -> (u16, Value) {
    let r = app
        .call("GET", "/leads")
        .query(query)
        .claims(caller)
        .send()
        .await;
    (r.status, r.body)
}

/// `GET /leads/{id}` as a CSR of `tenant` with `scope`.
async fn get_as(
    app: &TestApp,
    id: &str,
    tenant: &str,
    scope: &str,
) -> (u16, Value, Option<String>) {
    let r = app
        .call("GET", "/leads/{id}")
        .id(id)
        .tenant(tenant)
        .scope(scope)
        .send()
        .await;
    (r.status, r.body, r.etag)
}

/// `GET /leads/{id}/transcript/search?query` as a CSR of `tenant`.
async fn search_as(app: &TestApp, id: &str, query: &str, tenant: &str) -> (u16, Value) {
    let r = app
        .call("GET", "/leads/{id}/transcript/search")
        .id(id)
        .query(query)
        .tenant(tenant)
        .send()
        .await;
    (r.status, r.body)
}

#[tokio::test]
async fn detail_view_has_transcript_history_calls_and_an_etag() {
    let app = TestApp::new().await;
    let id = app
        .create(&call_completed(app.tenant(), "call-1", json!({})))
        .await;
    let (status, body, etag) = get_as(&app, &id, app.tenant(), "scl.view").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(etag.as_deref(), Some("\"1\""));
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["call"]["call_id"], "call-1");
    assert_eq!(body["call"]["duration_seconds"], 252);
    assert_eq!(body["call"]["csr_notes"], "Customer will think about it");
    assert_eq!(body["customer"]["name"], "Dana Reyes");
    let transcript = body["transcript"].as_array().unwrap();
    assert_eq!(transcript.len(), 6);
    assert_eq!(transcript[1]["speaker"], "customer");
    assert_eq!(transcript[1]["start_ms"], 3000);
    assert_eq!(body["history"][0]["action"], "created");
    assert_eq!(body["history"][0]["to_status"], "new");
    assert_eq!(body["history"][0]["actor_id"], "system");
    assert_eq!(body["calls"].as_array().unwrap().len(), 1);
    assert_eq!(body["notes"], json!([]));
    assert_eq!(body["booking"], Value::Null);
}

#[tokio::test]
async fn a_list_page_and_a_detail_read_cost_one_dynamodb_request_each() {
    let app = TestApp::new().await;
    let mut ids = vec![];
    for i in 0..5 {
        ids.push(
            app.create(&call_completed(
                app.tenant(),
                &format!("c-{i}"),
                json!({"from_number": format!("+1512555010{i}")}),
            ))
            .await,
        );
    }
    app.env.requests.reset();
    app.list("tab=open&limit=2").await;
    assert_eq!(app.env.requests.get(), 1, "open list page");
    app.env.requests.reset();
    app.list("tab=open&status=new").await;
    assert_eq!(app.env.requests.get(), 1, "status-filtered list page");
    app.env.requests.reset();
    app.list("tab=done").await;
    assert_eq!(app.env.requests.get(), 1, "done list page");
    app.env.requests.reset();
    app.list("tab=cold").await;
    assert_eq!(
        app.env.requests.get(),
        2,
        "cold list page: its partition, and the leads due but not moved yet"
    );
    app.env.requests.reset();
    let (status, _, _) = get_as(&app, &ids[0], app.tenant(), "scl.view").await;
    assert_eq!(status, 200);
    assert_eq!(app.env.requests.get(), 1, "detail read");
    app.env.requests.reset();
    let (status, _) = search_as(&app, &ids[0], "q=price", app.tenant()).await;
    assert_eq!(status, 200);
    assert_eq!(app.env.requests.get(), 1, "transcript search");
}

#[tokio::test]
async fn pagination_is_newest_call_first_without_duplicates_or_gaps() {
    let app = TestApp::new().await;
    let mut expected = vec![];
    // Calls of the last day and a half, interleaved in time (all Open: cold-after is 3 days).
    let now = chrono::Utc::now();
    for i in 0..7 {
        let start = now - chrono::Duration::hours(10 + 24 * (i % 2) + i);
        let started = rfc3339_seconds(start);
        let ended = rfc3339_seconds(start + chrono::Duration::minutes(5));
        let id = app.create(&call_completed(app.tenant(), &format!("c-{i}"), json!({"from_number": format!("+1512555020{i}"), "started_at": started, "ended_at": ended, "duration_seconds": 300})),
        )
        .await;
        expected.push((started, id));
    }
    expected.sort();
    expected.reverse();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();

    let tab = "open";
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("tab={tab}&limit=3&cursor={c}"),
            None => format!("tab={tab}&limit=3"),
        };
        let page = app.list(&q).await;
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(seen, expected);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn an_untouched_old_lead_is_cold_not_open() {
    let app = TestApp::new().await;
    let old = app.create(&call_completed(app.tenant(), "old", json!({"started_at": days_ago(10), "ended_at": days_ago(10), "duration_seconds": 300, "from_number": "+15125550301"})),
    )
    .await;
    // Ended just now: decided at once with no After Call Work Time.
    app.put_settings(json!({"after_call_work_minutes": 0}))
        .await;
    let fresh = app.create(&call_completed(app.tenant(), "fresh", json!({"started_at": days_ago(0), "ended_at": days_ago(0), "from_number": "+15125550302"}))).await;
    let open: Vec<Value> = app.list("tab=open").await["items"]
        .as_array()
        .unwrap()
        .clone();
    let cold: Vec<Value> = app.list("tab=cold").await["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        open.iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![fresh.as_str()]
    );
    assert_eq!(
        cold.iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![old.as_str()]
    );
    assert_eq!(cold[0]["tab"], "cold");
    let (_, detail, _) = get_as(&app, &old, app.tenant(), "scl.view").await;
    assert_eq!(detail["tab"], "cold");
}

#[tokio::test]
async fn auth_errors_401_and_403() {
    let app = TestApp::new().await;
    let (status, body) = list_as(&app, "", None).await;
    assert_error(status, &body, 401, "unauthorized");
    let mut no_tenant = claims(app.tenant(), "u-1", "scl.view");
    no_tenant.remove("tenant_id");
    let (status, body) = list_as(&app, "", Some(no_tenant)).await;
    assert_error(status, &body, 401, "unauthorized");
    let (status, body) = list_as(
        &app,
        "",
        Some(claims(app.tenant(), "u-1", "openid profile")),
    )
    .await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = list_as(&app, "", Some(claims(app.tenant(), "u-1", "scl.admin"))).await;
    assert_error(status, &body, 403, "forbidden");
    let id = app
        .create(&call_completed(app.tenant(), "c", json!({})))
        .await;
    let (status, body, _) = get_as(&app, &id, app.tenant(), "").await;
    assert_error(status, &body, 403, "forbidden");
}

#[tokio::test]
async fn another_tenants_lead_is_404_like_a_missing_one() {
    let app = TestApp::new().await;
    let id = app
        .create(&call_completed(app.tenant(), "c", json!({})))
        .await;
    let stranger = unique("t");
    let (status, theirs, _) = get_as(&app, &id, &stranger, "scl.view").await;
    assert_error(status, &theirs, 404, "not_found");
    let missing = ulid::Ulid::generate().to_string();
    let (status, body, _) = get_as(&app, &missing, app.tenant(), "scl.view").await;
    assert_error(status, &body, 404, "not_found");
    assert_eq!(
        theirs, body,
        "another tenant's lead is indistinguishable from a missing one"
    );
    let (status, body) = search_as(&app, &id, "q=price", &stranger).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = list_as(&app, "", Some(claims(&stranger, "u", "scl.view"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["items"], json!([]));
}

#[tokio::test]
async fn bad_query_parameters_are_400_naming_the_field() {
    let app = TestApp::new().await;
    for (query, field) in [
        ("tab=later", "tab"),
        ("tab=open&status=not_a_lead", "status"),
        ("tab=done&status=new", "status"),
        ("tab=cold&status=booked_by_scl", "status"),
        ("status=whatever", "status"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=Zm9v", "cursor"),
        ("colour=red", "colour"),
    ] {
        let (status, body) =
            list_as(&app, query, Some(claims(app.tenant(), "u", "scl.view"))).await;
        assert_error(status, &body, 400, "validation_failed");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let (status, body, _) = get_as(&app, "not-an-id", app.tenant(), "scl.view").await;
    assert_error(status, &body, 400, "validation_failed");
    assert_eq!(body["error"]["field"], "id");
}

#[tokio::test]
async fn a_cursor_from_one_list_cannot_be_used_on_another() {
    let app = TestApp::new().await;
    for i in 0..3 {
        app.create(&call_completed(
            app.tenant(),
            &format!("c{i}"),
            json!({"from_number": format!("+1512555040{i}")}),
        ))
        .await;
    }
    let page = app.list("tab=open&limit=1").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (status, body) = list_as(
        &app,
        &format!("tab=done&cursor={cursor}"),
        Some(claims(app.tenant(), "u", "scl.view")),
    )
    .await;
    assert_error(status, &body, 400, "validation_failed");
    assert_eq!(body["error"]["field"], "cursor");
    // Another tenant using it only pages through their own (empty) list.
    let (status, body) = list_as(
        &app,
        &format!("tab=open&cursor={cursor}"),
        Some(claims(&unique("t"), "u", "scl.view")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["items"], json!([]));
}

#[tokio::test]
async fn transcript_search_is_case_insensitive_with_highlights() {
    let app = TestApp::new().await;
    let id = app
        .create(&call_completed(app.tenant(), "c", json!({})))
        .await;
    let (status, body) = search_as(&app, &id, "q=PRICE", app.tenant()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["query"], "PRICE");
    let matches = body["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 2);
    assert_eq!(matches[0]["segment_index"], 3);
    assert_eq!(matches[0]["speaker"], "customer");
    assert_eq!(matches[0]["start_ms"], 12000);
    assert_eq!(matches[0]["highlights"], json!([[11, 16]]));
    let (_, body) = search_as(&app, &id, "q=call%20you%20back", app.tenant()).await;
    assert_eq!(body["matches"][0]["segment_index"], 5);
    let (_, body) = search_as(&app, &id, "q=xylophone", app.tenant()).await;
    assert_eq!(body["matches"], json!([]));
    for (q, field) in [("", "q"), ("q=", "q"), ("q=a&other=1", "other")] {
        let (status, body) = search_as(&app, &id, q, app.tenant()).await;
        assert_error(status, &body, 400, "validation_failed");
        assert_eq!(body["error"]["field"], field, "{q}");
    }
    let long = "a".repeat(201);
    let (status, _) = search_as(&app, &id, &format!("q={long}"), app.tenant()).await;
    assert_eq!(status, 400);
}
