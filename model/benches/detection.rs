//! `make bench`: how long the detector takes to score one call, in a release build.
//! The call is the first training call of 20 turns or more, cut to its first 20 segments (a
//! long call's worth of speech); scoring is feature extraction, the fitted model, reasons with
//! their evidence, and the business's adjustment.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use scl_detection::adaptation::Adjustment;
use scl_detection::{features, lexicon, preload, score_call, Utterance};
use scl_model::corpus::Segment;

/// 20 segments of a real long call.
fn twenty_segments() -> Vec<Segment> {
    let calls = scl_model::training_calls().expect("the training writers' calls");
    let call = calls
        .iter()
        .find(|c| c.turns() >= 20)
        .expect("a call of 20 turns or more");
    call.transcript[..20].to_vec()
}

fn bench(c: &mut Criterion) {
    preload();
    let segments = twenty_segments();
    let transcript: Vec<Utterance> = segments
        .iter()
        .map(|s| Utterance {
            speaker: s.speaker,
            text: &s.text,
        })
        .collect();
    let extra = [
        "Water heater leaking",
        "Customer will call back after talking to spouse",
    ];
    let none = Adjustment::default();
    // A business that has taught the detector 300 words.
    let mut taught = Adjustment::default();
    for i in 0..300 {
        taught.weights.insert(format!("word{i}"), -0.5);
    }
    taught.weights.insert("leak".into(), -1.0);

    c.bench_function("score one call (20 segments)", |b| {
        b.iter(|| score_call(black_box(&transcript), black_box(&extra), &none))
    });
    c.bench_function("score one call (20 segments), 300 learned words", |b| {
        b.iter(|| score_call(black_box(&transcript), black_box(&extra), &taught))
    });
    c.bench_function("extract features only (20 segments)", |b| {
        b.iter(|| features::extract(black_box(&transcript), black_box(&extra)))
    });
    // The matcher's tables are compiled into the binary (shared/detection/build.rs): nothing to build
    // at start.
    println!("lexicon phrases: {}", lexicon::phrase_count());
}

criterion_group!(benches, bench);
criterion_main!(benches);
