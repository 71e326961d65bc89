//! The whole local stack with the real built binaries running under AWS's Lambda Runtime
//! Interface Emulator: a CallCompleted sent to the Invoke API appears in GET /leads through the
//! HTTP API, whose JWT authorizer answers 401/403 itself.
//!
//! Needs `cargo build --bins` first and the emulator at SCL_RIE_BIN (`make test` does both).

use scl_local::jwt::{self, DevClaims};
use scl_tests::*;
use serde_json::{json, Value};

#[tokio::test]
async fn real_binaries_through_the_runtime_api_behind_the_local_gateway() {
    let stack = start_stack("rt", "test-secret").await;
    let http = reqwest::Client::new();
    let api = format!("http://{}", stack.api_addr);
    let invoke = invoke_url(&stack, "IngestCallFunction");

    assert_eq!(
        http.get(format!("{api}/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let tenant = unique("t");
    let event = call_completed(&tenant, "call-rt-1", json!({}));
    let out: Value = invoke_json(&http, &invoke, &event).await;
    assert_eq!(out["outcome"], "created", "{out}");
    let again: Value = invoke_json(&http, &invoke, &event).await;
    assert_eq!(again["outcome"], "duplicate", "{again}");
    let bad: Value = invoke_json(
        &http,
        &invoke,
        &call_completed(&tenant, "call-rt-2", json!({"from_number": "nope"})),
    )
    .await;
    assert_eq!(bad["error"]["field"], "detail.from_number", "{bad}");

    let token = csr_token(&tenant);
    let resp = http
        .get(format!("{api}/leads?tab=open&status=new"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let page: Value = resp.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    let id = items[0]["id"].as_str().unwrap().to_owned();

    let resp = http
        .get(format!("{api}/leads/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["etag"], "\"1\"");
    let detail: Value = resp.json().await.unwrap();
    assert_eq!(detail["transcript"].as_array().unwrap().len(), 6);

    let resp = http
        .get(format!(
            "{api}/leads/{id}/transcript/search?q=call%20you%20back"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let found: Value = resp.json().await.unwrap();
    assert_eq!(found["matches"][0]["segment_index"], 5, "{found}");

    // The gateway's authorizer: no token, a forged token, a token without the scope.
    let resp = http.get(format!("{api}/leads")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "unauthorized"
    );
    let forged = jwt::mint(
        &DevClaims::new("u-1", &tenant, "scl.view", 300),
        "wrong-secret",
    )
    .unwrap();
    assert_eq!(
        http.get(format!("{api}/leads"))
            .bearer_auth(forged)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let no_scope = jwt::mint(
        &DevClaims::new("u-1", &tenant, "openid", 300),
        "test-secret",
    )
    .unwrap();
    let resp = http
        .get(format!("{api}/leads"))
        .bearer_auth(no_scope)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "forbidden"
    );

    // Access tokens shaped as the stack's Cognito user pool issues them: the app client in
    // client_id (no aud), resource-server scopes.
    let cognito = |scope: &str, client: &str| {
        jwt::mint(
            &jwt::cognito_access_claims("u-1", &tenant, scope, client),
            "test-secret",
        )
        .unwrap()
    };
    // (token's scope, its client, path, expected status, why)
    let cases = [
        (
            "openid email scl-api/scl.view",
            jwt::AUDIENCE,
            format!("/leads/{id}"),
            200,
            "a Cognito viewer reads the lead",
        ),
        (
            "openid scl-api/scl.admin",
            jwt::AUDIENCE,
            "/settings".into(),
            200,
            "a Cognito administrator reads the settings",
        ),
        (
            "openid scl-api/scl.admin",
            jwt::AUDIENCE,
            "/leads".into(),
            403,
            "administration alone does not open the queue",
        ),
        (
            "openid scl-api/scl.view",
            "another-app-client",
            "/leads".into(),
            401,
            "a token for another app client",
        ),
        (
            "openid billing/scl.view",
            jwt::AUDIENCE,
            "/leads".into(),
            403,
            "another resource server's scope",
        ),
    ];
    for (scope, client, path, want, why) in cases {
        let resp = http
            .get(format!("{api}{path}"))
            .bearer_auth(cognito(scope, client))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), want, "{why}");
    }

    // CSR actions through the gateway: settings (admin), a call-back published to the topic in
    // moto, a note, the banner.
    let admin = jwt::mint(
        &DevClaims::new("u-1", &tenant, "scl.admin", 300),
        "test-secret",
    )
    .unwrap();
    let resp = http
        .put(format!("{api}/settings"))
        .bearer_auth(&admin)
        .json(&json!({"callback_caller_id": "+15125550000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http
        .put(format!("{api}/settings"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "settings need scl.admin");
    let resp = http
        .post(format!("{api}/leads/{id}/callback"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["etag"], "\"2\"");
    let lead: Value = resp.json().await.unwrap();
    assert_eq!(lead["status"], "call_back_attempted");
    let resp = http
        .post(format!("{api}/leads/{id}/notes"))
        .bearer_auth(&token)
        .json(&json!({"text": "called, left voicemail", "copy_to": ["customer"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let resp = http
        .put(format!("{api}/leads/{id}/status"))
        .bearer_auth(&token)
        .header("If-Match", "\"1\"")
        .json(&json!({"status": "new"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 412);
    let banner: Value = get_json(
        &http,
        &format!("{api}/banner?phone=%28512%29%20555-0100"),
        &token,
    )
    .await;
    assert_eq!(banner["linked"], true, "{banner}");
    assert_eq!(banner["lead"]["status"], "call_back_attempted");

    // Another tenant's token never sees the lead.
    let other = jwt::mint(
        &DevClaims::new("u-2", &unique("t"), "scl.view", 300),
        "test-secret",
    )
    .unwrap();
    let resp = http
        .get(format!("{api}/leads/{id}"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    // A JobBooked through the Invoke API reaches the lead through the table's stream (the local
    // event source mapping in front of the real BookingStreamFunction binary).
    let booking_invoke = invoke_url(&stack, "IngestBookingFunction");
    let started = std::time::Instant::now();
    let out: Value = invoke_json(
        &http,
        &booking_invoke,
        &job_booked(&tenant, "job-rt-1", "512.555.0100", None),
    )
    .await;
    assert_eq!(out["outcome"], "stored", "{out}");
    let lead_url = format!("{api}/leads/{id}");
    let waited = eventually(2, || {
        let (http, url, token) = (http.clone(), lead_url.clone(), token.clone());
        async move {
            let d: Value = get_json(&http, &url, &token).await;
            d["status"] == "booked_by_scl"
        }
    })
    .await;
    assert!(
        waited.is_some(),
        "the booking did not reach the lead within 2 s"
    );
    println!(
        "JobBooked -> lead booked_by_scl through the local stack in {:?}",
        started.elapsed()
    );

    // A new lead notifies its recipients through the stream (the real NotifyFunction binary).
    let resp = http
        .put(format!("{api}/settings"))
        .bearer_auth(&admin)
        .json(&json!({"recipients": [{"user_id": "u-1", "channels": ["in_app"]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let out: Value = invoke_json(
        &http,
        &invoke,
        &call_completed(&tenant, "call-rt-3", json!({"from_number": "+15125550177"})),
    )
    .await;
    assert_eq!(out["outcome"], "created", "{out}");
    let feed_url = format!("{api}/notifications?unread_only=true");
    let notified = eventually(3, || {
        let (http, url, token) = (http.clone(), feed_url.clone(), token.clone());
        async move {
            let feed: Value = get_json(&http, &url, &token).await;
            feed["items"].as_array().is_some_and(|i| i.len() == 1)
        }
    })
    .await;
    assert!(notified.is_some(), "the in-app notification never arrived");

    // A near miss: listed through the gateway, promoted once by the real PromoteCallFunction,
    // and counted as a "lead" label by the real LearnLabelsFunction through the stream.
    let near = call_completed(
        &tenant,
        "call-rt-near",
        json!({
            "from_number": "+15125550188",
            "call_reason": null,
            "csr_notes": null,
            "transcript": [
                {"speaker": "customer", "start_ms": 0, "text": "Hi, is my technician still coming today? The appointment was at two."},
                {"speaker": "agent", "start_ms": 4000, "text": "Yes, he is on his way."}
            ]
        }),
    );
    let out: Value = invoke_json(&http, &invoke, &near).await;
    assert_eq!(out["outcome"], "near_miss", "{out}");
    let page: Value = get_json(&http, &format!("{api}/calls/near-misses?limit=10"), &token).await;
    assert_eq!(page["items"][0]["call_id"], "call-rt-near", "{page}");
    let resp = http
        .get(format!("{api}/calls/near-misses?sort=asc"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let promote = format!("{api}/calls/call-rt-near/promote");
    let (status, etag, promoted) = post_json(&http, &promote, &token, &json!({})).await;
    assert_eq!(
        (status, etag.as_deref()),
        (201, Some("\"1\"")),
        "{promoted}"
    );
    assert_eq!(promoted["status"], "new", "{promoted}");
    let (status, _, body) = post_json(&http, &promote, &token, &json!({})).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("already_a_lead"))
    );
    let (status, _, _) = post_json(&http, &promote, &other, &json!({})).await;
    assert_eq!(status, 404, "another tenant's call");
    let stats_url = format!("{api}/detection/stats");
    let counted = eventually(15, || {
        let (http, url, admin) = (http.clone(), stats_url.clone(), admin.clone());
        async move {
            let stats: Value = get_json(&http, &url, &admin).await;
            // The call-back earlier and this promotion.
            stats["labels"]["lead"] == 2
        }
    })
    .await;
    assert!(
        counted.is_some(),
        "labels never counted: {}",
        get_json(&http, &stats_url, &admin).await
    );
    let resp = http
        .get(&stats_url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "stats need scl.admin");
}
