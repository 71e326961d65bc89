//! The detector against a labelled corpus of realistic calls (tests/fixtures/detection_corpus.json):
//! precision and recall must both reach 0.90. The figures are printed on every run.

use scl_shared::domain::detection::{detect, Strictness};
use scl_shared::domain::lead::{Speaker, TranscriptSegment};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    id: String,
    trade: String,
    label: String,
    call_reason: Option<String>,
    transcript: Vec<Segment>,
}

#[derive(Deserialize)]
struct Segment {
    speaker: Speaker,
    text: String,
}

#[test]
fn detector_precision_and_recall_are_at_least_090() {
    let path = scl_tests::repo_root().join("tests/fixtures/detection_corpus.json");
    let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(cases.len() >= 40, "the corpus needs at least 40 calls");
    let threshold = Strictness::default().threshold();
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    for case in &cases {
        let transcript: Vec<TranscriptSegment> = case
            .transcript
            .iter()
            .enumerate()
            .map(|(i, s)| TranscriptSegment {
                speaker: s.speaker,
                start_ms: i as u64 * 4000,
                text: s.text.clone(),
            })
            .collect();
        let extra: Vec<&str> = case.call_reason.iter().map(String::as_str).collect();
        let d = detect(&transcript, &extra, None);
        let predicted = d.score >= threshold;
        let actual = case.label == "lead";
        match (predicted, actual) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => tn += 1,
        }
        if predicted != actual {
            println!(
                "MISCLASSIFIED {} ({}) label={} score={} reasons={:?}",
                case.id, case.trade, case.label, d.score, d.reasons
            );
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!(
        "detection corpus: {} calls ({} leads); tp={tp} fp={fp} fn={fn_} tn={tn}; precision={precision:.3} recall={recall:.3}",
        cases.len(),
        tp + fn_
    );
    assert!(precision >= 0.90, "precision {precision:.3}");
    assert!(recall >= 0.90, "recall {recall:.3}");
}
