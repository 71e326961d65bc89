//! `make bench`: the CPU a read costs once DynamoDB has answered, in a release build — turning
//! the items of a queue page into leads and rendering the page, the same for a lead's detail
//! with a 200-segment transcript, and transcript search over it. (What DynamoDB costs is
//! measured through the local stack: BENCHMARKS.md, The queue at 10,000 leads.)

use std::collections::HashMap;
use std::hint::black_box;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use scl_aws::dynamo::{decode_lead, decode_lead_row, decode_transcript_chunk};
use scl_aws::items::{LeadItem, TranscriptChunkItem, LEAD_ROW_ATTRIBUTES};
use scl_domain::detection::{Detection, Evidence, EvidenceField, EvidenceSpan};
use scl_domain::lead::{
    Actor, CallInfo, Customer, HistoryAction, HistoryEntry, Lead, LeadDetail, NewLead, Note,
    QualifiedCall, Transcript, TranscriptSegment,
};
use scl_domain::search::{search, SearchQuery};
use scl_domain::status::{ColdAfterDays, LeadStatus};
use scl_domain::transcript::Speaker;
use scl_domain::{CallId, CrmId, LeadId, NumberingPlan, PhoneNumber, TenantId};
use scl_edge::api::view::{LeadDetailView, LeadView, PageView};
use serde_dynamo::aws_sdk_dynamodb_1::to_item;

type Item = HashMap<String, AttributeValue>;

/// A lead as the queue holds them: a named customer, a call reason and notes, five reasons,
/// twenty learned terms.
fn realistic_lead(i: usize) -> Lead {
    let ended = Utc::now() - Duration::hours(1);
    let new = NewLead {
        id: LeadId::generate(),
        qualified: QualifiedCall {
        tenant_id: TenantId::parse("tenant_id", "t-1").expect("tenant"),
        customer: Customer {
            phone: PhoneNumber::parse_field("phone", &format!("+1512555{:04}", 100 + i))
                .expect("phone"),
            name: Some("Dana Reyes".into()),
            customer_id: Some(CrmId::parse("customer_id", "c-881").expect("id")),
            location_id: Some(CrmId::parse("location_id", "l-42").expect("id")),
        },
        call: CallInfo {
            call_id: CallId::parse("call_id", &format!("call-{i}")).expect("call id"),
            started_at: ended - Duration::minutes(4),
            ended_at: ended,
            duration_seconds: 240,
            call_reason: Some("AC not cooling".into()),
            agent_id: Some("u-7".into()),
            agent_name: Some("Sam".into()),
            csr_notes: Some("Customer will think about it and call back".into()),
            recording_url: Some(format!("https://recordings.example/call-{i}.mp3")),
        },
        summary:
            "AC stopped cooling; asked the price of a diagnostic visit and said they would call back."
                .into(),
        summary_is_generated: true,
        detection: Detection {
            score: 0.0,
            reasons: vec![],
            evidence: vec![],
            model_version: String::new(),
            platform: None,
        },
        terms: vec![],
        },
    };
    let mut lead = Lead::flagged(new, ColdAfterDays::DEFAULT, ended);
    lead.detection = Detection {
        score: 0.91,
        reasons: vec![
            "The caller described a problem with their equipment".into(),
            "The caller asked about price".into(),
            "The agent offered a visit".into(),
            "The caller put off deciding".into(),
            "No job was booked on the call".into(),
        ],
        // Where each of the first four reasons was said: two places each, as scoring keeps.
        evidence: (0..4)
            .map(|r| Evidence {
                reason: format!("reason {r}"),
                spans: (0..2)
                    .map(|k| EvidenceSpan {
                        field: EvidenceField::Transcript,
                        segment_index: Some(r * 2 + k),
                        start: 4,
                        end: 21,
                    })
                    .collect(),
            })
            .collect(),
        model_version: "2026-11-25.1".into(),
        platform: None,
    };
    lead.detection_terms = (0..20).map(|w| format!("word{w}")).collect();
    lead
}

fn transcript(segments: usize) -> Vec<TranscriptSegment> {
    (0..segments)
        .map(|i| TranscriptSegment {
            speaker: if i % 2 == 0 {
                Speaker::Agent
            } else {
                Speaker::Customer
            },
            start_ms: i as u64 * 4_000,
            text: format!(
                "Segment {i}: the unit is making a noise and the price of the repair worries me."
            ),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let now = Utc::now();
    // A page: the 26 items one Query returns (25 and one more), as the SDK hands them over,
    // with the attributes the list's Query projects.
    let page: Vec<Item> = (0..26)
        .map(|i| {
            let mut item = to_item(LeadItem::new(&realistic_lead(i), now)).expect("item");
            item.retain(|name, _| LEAD_ROW_ATTRIBUTES.contains(&name.as_str()));
            item
        })
        .collect();
    // The SDK hands the items over owned: copying them is set-up, not measured. One request's
    // items exist at a time (`PerIteration`), as in a function, which handles one request at a
    // time: with criterion's batches of copies alive at once, glibc's allocator and the page
    // faults of a heap growing and shrinking were most of the figure and of its spread
    // (BENCHMARKS.md, The read path's CPU).
    c.bench_function("queue page of 25: decode 26 items, render the JSON", |b| {
        b.iter_batched(
            || page.clone(),
            |items| {
                let leads: Vec<Lead> = items
                    .into_iter()
                    .map(|item| decode_lead_row(item).expect("lead").lead)
                    .take(25)
                    .collect();
                let items: Vec<LeadView> = leads.iter().map(|l| LeadView::new(l, now)).collect();
                scl_render::page(&PageView {
                    items,
                    next_cursor: Some("x".to_owned()),
                })
            },
            BatchSize::PerIteration,
        )
    });

    // The page's two halves, to see where its time goes.
    c.bench_function("queue page: decode 26 items alone", |b| {
        b.iter_batched(
            || page.clone(),
            |items| {
                items
                    .into_iter()
                    .map(|item| decode_lead_row(item).expect("lead").lead)
                    .collect::<Vec<Lead>>()
            },
            BatchSize::PerIteration,
        )
    });
    let leads: Vec<Lead> = page
        .iter()
        .take(25)
        .map(|item| decode_lead_row(item.clone()).expect("lead").lead)
        .collect();
    c.bench_function("queue page: render 25 leads alone", |b| {
        b.iter(|| {
            let items: Vec<LeadView> = black_box(&leads)
                .iter()
                .map(|l| LeadView::new(l, now))
                .collect();
            scl_render::page(&PageView {
                items,
                next_cursor: Some("x".to_owned()),
            })
        })
    });

    // A detail: the lead, one transcript chunk of 200 segments, 10 notes, 20 history entries.
    let lead = realistic_lead(0);
    let segments = transcript(200);
    let chunk: Item = to_item(TranscriptChunkItem {
        pk: "TENANT#t-1#LEAD#x".into(),
        sk: "LEAD#TX#x#00".into(),
        entity: "transcript".into(),
        expires_at: None,
        chunk: 0,
        truncated: false,
        segments: segments.clone(),
    })
    .expect("chunk");
    let lead_item: Item = to_item(LeadItem::new(&lead, now)).expect("item");
    let notes: Vec<Note> = (0..10)
        .map(|i| Note {
            id: format!("note-{i}"),
            author_id: "u-7".into(),
            author_name: Some("Sam".into()),
            text: "Called, left a voicemail with the call-back number.".into(),
            created_at: now - Duration::minutes(i),
            copied_to: vec!["customer".into()],
        })
        .collect();
    let history: Vec<HistoryEntry> = (0..20)
        .map(|i| HistoryEntry {
            at: now - Duration::minutes(i),
            actor_id: Actor::System,
            actor_name: None,
            action: HistoryAction::NoteAdded,
            from_status: Some(LeadStatus::New),
            to_status: Some(LeadStatus::New),
            reason: None,
            note: Some("Called, left a voicemail.".into()),
        })
        .collect();
    c.bench_function(
        "lead detail, 200-segment transcript: decode, render the JSON",
        |b| {
            b.iter_batched(
                || (lead_item.clone(), chunk.clone()),
                |(lead_item, chunk)| {
                    let lead = decode_lead(lead_item).expect("lead").lead;
                    let chunk = decode_transcript_chunk(chunk).expect("chunk");
                    let detail = LeadDetail {
                        calls: vec![lead.call.clone()],
                        lead,
                        transcript: Transcript {
                            segments: chunk.segments,
                            truncated: chunk.truncated,
                        },
                        notes: notes.clone(),
                        history: history.clone(),
                    };
                    scl_render::lead_detail(&LeadDetailView::new(&detail, now), 1)
                },
                BatchSize::PerIteration,
            )
        },
    );

    // What the first phone number in a process costs on top of a warm parse: loading the
    // bundled numbering plan it needs (shared/domain/src/phone/mod.rs).
    c.bench_function(
        "numbering plan: load North America's and read a number",
        |b| b.iter(|| NumberingPlan::north_america().map(|p| p.read(black_box("(512) 555-0100")))),
    );
    c.bench_function("numbering plan: load the world's and read a number", |b| {
        b.iter(|| NumberingPlan::world().map(|p| p.read(black_box("+44 20 7946 0958"))))
    });
    // What parsing a number from outside costs; decoding a stored one now checks its shape
    // only (`PhoneNumber`'s docs), which took this off every lead of a page.
    c.bench_function("PhoneNumber::parse of an E.164 number (warm)", |b| {
        b.iter(|| PhoneNumber::parse(black_box("+15125550100")))
    });

    let query = SearchQuery::parse("q", "price of the repair").expect("query");
    c.bench_function(
        "transcript search, 200 segments, a phrase in every other one",
        |b| b.iter(|| search(black_box(&segments), &query)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
