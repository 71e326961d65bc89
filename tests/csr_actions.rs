//! Everything a CSR does to a lead, against DynamoDB Local and moto (SNS -> SQS subscription).

use std::sync::Arc;

use scl_tests::*;
use serde_json::{json, Value};

const NOTES: &str = "/leads/{id}/notes";
const DISMISS: &str = "/leads/{id}/dismiss";
const CALLBACK: &str = "/leads/{id}/callback";
const STATUS: &str = "/leads/{id}/status";

#[tokio::test]
async fn notes_record_author_and_time_and_copies_publish_note_copied() {
    let app = TestApp::new().await;
    let _publishing = app.publishing().await;
    let id = app.lead("c1", json!({})).await;
    let r = app
        .act(
            "POST",
            NOTES,
            &id,
            r#"{"text": "Left a voicemail", "copy_to": ["customer", "location"]}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["text"], "Left a voicemail");
    assert_eq!(r.body["author_id"], "u-7");
    assert_eq!(r.body["author_name"], "Test User");
    assert_eq!(r.body["copied_to"], json!(["customer", "location"]));
    assert!(r.body["created_at"].as_str().is_some());
    assert_eq!(r.etag.as_deref(), Some("\"2\""));

    let d = app.detail(&id).await;
    assert_eq!(d["notes"][0]["text"], "Left a voicemail");
    assert_eq!(d["version"], 2);
    let last = d["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "note_added");
    assert_eq!(last["actor_id"], "u-7");

    let events = app.published("NoteCopied", 2).await;
    assert_eq!(events.len(), 2, "{events:?}");
    for event in &events {
        let msg = &event.message;
        assert!(event.event_id.starts_with(&format!("{id}.2.")), "{event:?}");
        assert_eq!(msg["lead_id"], id.as_str());
        assert_eq!(msg["customer_id"], "c-881");
        assert_eq!(msg["location_id"], "l-42");
        assert_eq!(msg["text"], "Left a voicemail");
        assert_eq!(msg["author_id"], "u-7");
        assert_eq!(msg["tenant_id"], app.tenant());
    }
    let mut targets: Vec<&str> = events
        .iter()
        .map(|e| e.message["target"].as_str().unwrap())
        .collect();
    targets.sort();
    assert_eq!(targets, vec!["customer", "location"]);
}

#[tokio::test]
async fn bad_notes_are_400_and_change_nothing() {
    let app = TestApp::new().await;
    let _publishing = app.publishing().await;
    let id = app
        .lead("c1", json!({"customer_id": null, "location_id": "l-1"}))
        .await;
    for (body, field) in [
        (
            r#"{"text": "x", "copy_to": ["customer"]}"#.to_owned(),
            "copy_to",
        ),
        (r#"{"text": ""}"#.to_owned(), "text"),
        (format!(r#"{{"text": "{}"}}"#, "x".repeat(5001)), "text"),
        (r#"{"text": "x", "pin": true}"#.to_owned(), "pin"),
        (
            r#"{"text": "x", "copy_to": ["crm"]}"#.to_owned(),
            "copy_to[0]",
        ),
        ("{not json".to_owned(), "body"),
    ] {
        let r = app.act("POST", NOTES, &id, &body).await;
        r.assert_error(400, "validation_failed");
        assert_eq!(r.body["error"]["field"], field, "{body}");
    }
    let d = app.detail(&id).await;
    assert_eq!(d["version"], 1, "nothing written");
    assert_eq!(d["notes"], json!([]));
    let r = app
        .act(
            "POST",
            NOTES,
            &id,
            r#"{"text": "to the location", "copy_to": ["location"]}"#,
        )
        .await;
    assert_eq!(r.status, 201);
    // Only the accepted note was copied.
    let copied = app.published("NoteCopied", 1).await;
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert_eq!(copied[0].message["target"], "location");
}

#[tokio::test]
async fn dismissing_moves_to_done_and_repeating_it_changes_nothing() {
    let app = TestApp::new().await;
    let id = app.lead("c1", json!({})).await;
    let r = app
        .act(
            "POST",
            DISMISS,
            &id,
            r#"{"reason": "not_a_lead", "comment": "vendor call"}"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "not_a_lead");
    assert_eq!(r.body["status_label"], "Reviewed - Not a Lead");
    assert_eq!(r.body["tab"], "done");
    assert_eq!(r.etag.as_deref(), Some("\"2\""));
    let again = app
        .act("POST", DISMISS, &id, r#"{"reason": "not_a_lead"}"#)
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["version"], 2, "no-op keeps the version");
    let other = app
        .act(
            "POST",
            DISMISS,
            &id,
            r#"{"reason": "lead_not_following_up"}"#,
        )
        .await;
    other.assert_error(409, "invalid_transition");
    let d = app.detail(&id).await;
    let history = d["history"].as_array().unwrap();
    assert_eq!(
        history.len(),
        2,
        "created + dismissed, no entry for the no-op"
    );
    assert_eq!(history[1]["action"], "dismissed");
    assert_eq!(history[1]["reason"], "not_a_lead");
    assert_eq!(history[1]["note"], "vendor call");
    assert_eq!(history[1]["from_status"], "new");
    assert_eq!(history[1]["to_status"], "not_a_lead");
    assert_eq!(
        app.list_ids("tab=done&status=not_a_lead").await,
        vec![id.clone()]
    );
    assert!(app.list_ids("tab=open").await.is_empty());

    let id2 = app.lead("c2", json!({"from_number": "+15125550111"})).await;
    let r = app
        .act(
            "POST",
            DISMISS,
            &id2,
            r#"{"reason": "lead_not_following_up"}"#,
        )
        .await;
    assert_eq!(r.body["status"], "not_following_up");
    let r = app
        .act("POST", DISMISS, &id2, r#"{"reason": "because"}"#)
        .await;
    r.assert_error(400, "validation_failed");
    assert_eq!(r.body["error"]["field"], "reason");
}

#[tokio::test]
async fn call_back_needs_a_caller_id_then_counts_attempts_and_publishes() {
    let app = TestApp::new().await;
    let _publishing = app.publishing().await;
    let id = app.lead("c1", json!({})).await;
    let r = app.act("POST", CALLBACK, &id, "{}").await;
    r.assert_error(400, "validation_failed");
    assert_eq!(r.body["error"]["field"], "callback_caller_id");
    assert_eq!(app.detail(&id).await["version"], 1);

    let s = app.put_settings(json!({"callback_caller_id": "(512) 555-0000", "voicemail_callback_number": "512.555.0001"})).await;
    assert_eq!(s.status, 200, "{}", s.body);
    let r = app.act("POST", CALLBACK, &id, "{}").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "call_back_attempted");
    assert_eq!(r.body["tab"], "open");
    assert_eq!(r.body["callback_attempts"], 1);
    // The CSR (scl.view only) is told what to call from and leave on voicemail.
    assert_eq!(
        r.body["callback"],
        json!({"caller_id": "+15125550000", "voicemail_callback_number": "+15125550001"})
    );
    let r = app.act("POST", CALLBACK, &id, "").await;
    assert_eq!(r.body["callback_attempts"], 2, "every attempt counts");
    assert_eq!(r.body["version"], 3);
    // Without a voicemail number of its own the business leaves its caller ID.
    app.put_settings(json!({"voicemail_callback_number": null}))
        .await;
    let r = app.act("POST", CALLBACK, &id, "").await;
    assert_eq!(
        r.body["callback"]["voicemail_callback_number"],
        "+15125550000"
    );

    let mut events = app.published("CallbackRequested", 3).await;
    assert_eq!(events.len(), 3, "{events:?}");
    events.sort_by_key(|e| e.message["attempt"].as_u64());
    let msg = &events[0].message;
    assert_eq!(msg["attempt"], 1);
    assert_eq!(msg["lead_id"], id.as_str());
    assert_eq!(msg["customer_phone"], "+15125550100");
    assert_eq!(msg["caller_id"], "+15125550000");
    assert_eq!(msg["voicemail_callback_number"], "+15125550001");
    assert_eq!(msg["agent_id"], "u-7");
    assert!(msg["requested_at"].as_str().is_some());

    let r = app.act("POST", CALLBACK, &id, r#"{"urgent": true}"#).await;
    assert_eq!(r.body["error"]["field"], "urgent");
    app.act(
        "POST",
        DISMISS,
        &id,
        r#"{"reason": "lead_not_following_up"}"#,
    )
    .await;
    let r = app.act("POST", CALLBACK, &id, "{}").await;
    r.assert_error(409, "invalid_transition");
}

#[tokio::test]
async fn manual_status_rules_if_match_and_locked_leads() {
    let app = TestApp::new().await;
    let id = app.lead("c1", json!({})).await;
    let r = app
        .act(
            "PUT",
            STATUS,
            &id,
            r#"{"status": "not_able_to_save", "note": "customer went with a competitor"}"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "not_able_to_save");
    assert_eq!(r.etag.as_deref(), Some("\"2\""));
    let same = app
        .act("PUT", STATUS, &id, r#"{"status": "not_able_to_save"}"#)
        .await;
    assert_eq!((same.status, same.body["version"].as_u64()), (200, Some(2)));
    let back = app.act("PUT", STATUS, &id, r#"{"status": "new"}"#).await;
    assert_eq!(back.body["status"], "new");
    assert_eq!(back.body["tab"], "open");

    for booked in ["booked_by_scl", "booked_elsewhere"] {
        let r = app
            .act("PUT", STATUS, &id, &format!(r#"{{"status": "{booked}"}}"#))
            .await;
        r.assert_error(400, "status_not_settable");
    }
    let r = app.act("PUT", STATUS, &id, r#"{"status": "won"}"#).await;
    r.assert_error(400, "validation_failed");

    let stale = app
        .call("PUT", STATUS)
        .id(&id)
        .body(r#"{"status": "not_a_lead"}"#)
        .header("If-Match", "\"1\"")
        .send()
        .await;
    stale.assert_error(412, "version_conflict");
    let fresh = app
        .call("PUT", STATUS)
        .id(&id)
        .body(r#"{"status": "not_a_lead"}"#)
        .header("If-Match", "\"3\"")
        .send()
        .await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    assert_eq!(fresh.etag.as_deref(), Some("\"4\""));
    let bad = app
        .call("PUT", STATUS)
        .id(&id)
        .body(r#"{"status": "new"}"#)
        .header("If-Match", "yesterday")
        .send()
        .await;
    bad.assert_error(400, "validation_failed");

    let d = app.detail(&id).await;
    let h = d["history"].as_array().unwrap();
    assert_eq!(h.len(), 4);
    assert_eq!(h[1]["note"], "customer went with a competitor");

    // Reopened, then booked through SCL: the lead locks.
    let r = app.act("PUT", STATUS, &id, r#"{"status": "new"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.apply_booking(&job_booked(app.tenant(), "j-1", "+15125550100", Some(&id)))
        .await;
    assert_eq!(app.detail(&id).await["status"], "booked_by_scl");
    for (method, route, body) in [
        ("PUT", STATUS, r#"{"status": "new"}"#),
        ("POST", DISMISS, r#"{"reason": "not_a_lead"}"#),
        ("POST", CALLBACK, "{}"),
        ("POST", NOTES, r#"{"text": "hi"}"#),
    ] {
        let r = app.act(method, route, &id, body).await;
        r.assert_error(409, "lead_locked");
    }
}

#[tokio::test]
async fn every_action_answers_404_for_another_tenants_lead_and_checks_the_token() {
    let app = TestApp::new().await;
    let id = app.lead("c1", json!({})).await;
    let stranger = unique("t");
    let missing = ulid::Ulid::generate().to_string();
    for (method, route, body) in [
        ("POST", NOTES, r#"{"text": "hi"}"#),
        ("POST", DISMISS, r#"{"reason": "not_a_lead"}"#),
        ("POST", CALLBACK, "{}"),
        ("PUT", STATUS, r#"{"status": "not_a_lead"}"#),
    ] {
        let theirs = app
            .call(method, route)
            .id(&id)
            .body(body)
            .tenant(&stranger)
            .send()
            .await;
        theirs.assert_error(404, "not_found");
        let nobody = app.call(method, route).id(&missing).body(body).send().await;
        nobody.assert_error(404, "not_found");
        let forbidden = app
            .call(method, route)
            .id(&id)
            .body(body)
            .scope("scl.admin")
            .send()
            .await;
        forbidden.assert_error(403, "forbidden");
    }
    assert_eq!(app.detail(&id).await["version"], 1, "nothing changed");
    let r = app.call("GET", "/settings").send().await;
    r.assert_error(403, "forbidden");
    let r = app
        .call("GET", "/banner")
        .query("phone=5125550100")
        .scope("scl.admin")
        .send()
        .await;
    r.assert_error(403, "forbidden");
}

#[tokio::test]
async fn ten_concurrent_writers_with_if_match_exactly_one_wins() {
    let app = Arc::new(TestApp::new().await);
    let id = app.lead("c1", json!({})).await;
    let statuses = [
        "not_a_lead",
        "not_following_up",
        "not_able_to_save",
        "call_back_attempted",
        "not_a_lead",
        "not_following_up",
        "not_able_to_save",
        "call_back_attempted",
        "not_a_lead",
        "not_following_up",
    ];
    let tasks: Vec<_> = statuses
        .iter()
        .map(|s| {
            let (app, id, body) = (app.clone(), id.clone(), format!(r#"{{"status": "{s}"}}"#));
            tokio::spawn(async move {
                app.call("PUT", STATUS)
                    .id(&id)
                    .body(&body)
                    .header("If-Match", "\"1\"")
                    .send()
                    .await
                    .status
            })
        })
        .collect();
    let mut codes: Vec<u16> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    codes.sort();
    assert_eq!(codes, [vec![200], vec![412; 9]].concat());
    let d = app.detail(&id).await;
    assert_eq!(d["version"], 2, "version advanced exactly once");
    assert_eq!(d["history"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn ten_concurrent_writers_without_if_match_all_land_in_history() {
    let app = Arc::new(TestApp::new().await);
    let id = app.lead("c1", json!({})).await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (app, id) = (app.clone(), id.clone());
            tokio::spawn(async move {
                app.act("POST", NOTES, &id, &format!(r#"{{"text": "note {i}"}}"#))
                    .await
                    .status
            })
        })
        .collect();
    let codes: Vec<u16> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(codes, vec![201; 10]);
    let d = app.detail(&id).await;
    assert_eq!(d["version"], 11);
    let notes: Vec<&Value> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "note_added")
        .collect();
    assert_eq!(notes.len(), 10, "ten history entries for ten changes");
    assert_eq!(d["notes"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn cold_leads_list_under_cold_and_any_action_makes_them_open_again() {
    let app = TestApp::new().await;
    let old = app
        .lead(
            "old",
            json!({"started_at": days_ago(10), "ended_at": days_ago(10), "duration_seconds": 300}),
        )
        .await;
    assert_eq!(app.list_ids("tab=cold").await, vec![old.clone()]);
    assert!(app.list_ids("tab=open").await.is_empty());
    let r = app
        .act("POST", NOTES, &old, r#"{"text": "looked at it"}"#)
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(app.list_ids("tab=open").await, vec![old.clone()]);
    assert!(app.list_ids("tab=cold").await.is_empty());
    assert_eq!(app.detail(&old).await["tab"], "open");
}

#[tokio::test]
async fn changing_cold_after_days_moves_leads_between_open_and_cold() {
    let app = TestApp::new().await;
    let id = app
        .lead(
            "c",
            json!({"started_at": days_ago(5), "ended_at": days_ago(5), "duration_seconds": 300}),
        )
        .await;
    assert_eq!(
        app.list_ids("tab=cold").await,
        vec![id.clone()],
        "5 days > default 3"
    );
    assert_eq!(
        app.put_settings(json!({"cold_after_days": 7})).await.status,
        200
    );
    assert_eq!(
        app.list_ids("tab=open").await,
        vec![id.clone()],
        "5 days < 7"
    );
    assert_eq!(
        app.put_settings(json!({"cold_after_days": 4})).await.status,
        200
    );
    assert_eq!(app.list_ids("tab=cold").await, vec![id]);
}

#[tokio::test]
async fn the_banner_links_open_or_cold_leads_from_the_last_14_days() {
    let app = TestApp::new().await;
    let recent = app.lead("c10", json!({"from_number": "+15125550400", "started_at": days_ago(10), "ended_at": days_ago(10), "duration_seconds": 300})).await;
    app.lead("c20", json!({"from_number": "+15125550401", "started_at": days_ago(20), "ended_at": days_ago(20), "duration_seconds": 300})).await;
    let done = app
        .lead("c-done", json!({"from_number": "+15125550402"}))
        .await;
    app.act("POST", DISMISS, &done, r#"{"reason": "not_a_lead"}"#)
        .await;

    let banner = |q: &'static str| app.call("GET", "/banner").query(q).send();
    let r = banner("phone=(512)%20555-0400").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["linked"], true);
    assert_eq!(r.body["lead"]["id"], recent.as_str());
    assert_eq!(r.body["lead"]["status"], "new");
    assert_eq!(r.body["lead"]["status_label"], "New");
    assert_eq!(r.body["lead"]["tab"], "cold");
    assert!(r.body["lead"]["summary"].as_str().is_some());
    assert!(r.body["lead"]["call_started_at"].as_str().is_some());
    let r = banner("phone=%2B1%20512%20555%200400").await;
    assert_eq!(r.body["linked"], true, "written another way");
    assert_eq!(
        banner("phone=512.555.0401").await.body,
        json!({"linked": false}),
        "20 days is too old"
    );
    assert_eq!(
        banner("phone=5125550402").await.body,
        json!({"linked": false}),
        "Done is not linked"
    );
    assert_eq!(
        banner("phone=5125559999").await.body,
        json!({"linked": false})
    );
    let other = app
        .call("GET", "/banner")
        .query("phone=5125550400")
        .tenant(&unique("t"))
        .send()
        .await;
    assert_eq!(
        other.body,
        json!({"linked": false}),
        "other tenants never learn of the lead"
    );
    for q in ["phone=hello", "", "phone=5125550400&x=1"] {
        let r = banner(q).await;
        r.assert_error(400, "validation_failed");
    }
    env_requests_one(&app).await;
}

async fn env_requests_one(app: &TestApp) {
    app.env.requests.reset();
    app.call("GET", "/banner")
        .query("phone=5125550400")
        .send()
        .await;
    assert_eq!(app.env.requests.get(), 1, "the banner is one Query");
}

#[tokio::test]
async fn settings_defaults_partial_updates_and_validation() {
    let app = TestApp::new().await;
    let r = app.call("GET", "/settings").scope("scl.admin").send().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["cold_after_days"], 3);
    assert_eq!(r.body["min_call_seconds"], 60);
    assert_eq!(r.body["timezone"], "America/Chicago");
    assert_eq!(r.body["recipients"], json!([]));

    let full = json!({
        "timezone": "America/Denver", "cold_after_days": 5,
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "callback_caller_id": "+15125550000", "voicemail_callback_number": "+15125550001",
        "min_call_seconds": 90,
        "recipients": [{"user_id": "u-7", "name": "Sam", "email": "sam@example.com", "phone": "+15125550199", "channels": ["in_app", "email", "sms"]}]
    });
    let r = app.put_settings(full.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for (k, v) in full.as_object().unwrap() {
        assert_eq!(&r.body[k], v, "{k}");
    }
    let r = app.put_settings(json!({"min_call_seconds": 120})).await;
    assert_eq!(r.body["min_call_seconds"], 120);
    assert_eq!(
        r.body["timezone"], "America/Denver",
        "omitted fields keep their value"
    );
    assert_eq!(r.body["recipients"], full["recipients"]);
    let r = app.call("GET", "/settings").scope("scl.admin").send().await;
    assert_eq!(r.body["min_call_seconds"], 120);

    for (body, field) in [
        (json!({"timezone": "Nowhere/City"}), "timezone"),
        (json!({"cold_after_days": 15}), "cold_after_days"),
        (
            json!({"quiet_hours": {"start": "25:00", "end": "08:00"}}),
            "quiet_hours.start",
        ),
        (
            json!({"callback_caller_id": "call me"}),
            "callback_caller_id",
        ),
        (
            json!({"recipients": [{"user_id": "u-1", "email": "x@", "channels": ["email"]}]}),
            "recipients[0].email",
        ),
        (
            json!({"recipients": [{"user_id": "u-1", "channels": ["fax"]}]}),
            "recipients[0].channels[0]",
        ),
        (json!({"unknown": 1}), "unknown"),
    ] {
        let r = app.put_settings(body.clone()).await;
        r.assert_error(400, "validation_failed");
        assert_eq!(r.body["error"]["field"], field, "{body}");
    }
    // A PUT without a body is a mistake, not an empty update.
    let r = app.call("PUT", "/settings").scope("scl.admin").send().await;
    r.assert_error(400, "validation_failed");
    assert_eq!(r.body["error"]["field"], "body");
    let r = app.call("GET", "/settings").scope("scl.admin").send().await;
    assert_eq!(
        r.body["min_call_seconds"], 120,
        "rejected updates change nothing"
    );
    // Settings are per tenant.
    let r = app
        .call("GET", "/settings")
        .tenant(&unique("t"))
        .scope("scl.admin")
        .send()
        .await;
    assert_eq!(r.body["min_call_seconds"], 60);
}

#[tokio::test]
async fn every_route_answers_401_without_the_authorizers_claims() {
    let app = TestApp::new().await;
    let id = app.lead("c1", json!({})).await;
    for (method, route, body) in [
        ("POST", NOTES, Some(r#"{"text": "hi"}"#)),
        ("POST", DISMISS, Some(r#"{"reason": "not_a_lead"}"#)),
        ("POST", CALLBACK, Some("{}")),
        ("PUT", STATUS, Some(r#"{"status": "not_a_lead"}"#)),
        ("GET", "/banner", None),
        ("GET", "/settings", None),
        ("PUT", "/settings", Some("{}")),
    ] {
        let query = if route == "/banner" {
            "phone=5125550100"
        } else {
            ""
        };
        let mut call = app.call(method, route).id(&id).query(query).anonymous();
        if let Some(body) = body {
            call = call.body(body);
        }
        let r = call.send().await;
        r.assert_error(401, "unauthorized");
    }
    assert_eq!(app.detail(&id).await["version"], 1);
}
