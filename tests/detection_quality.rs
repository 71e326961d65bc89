//! How well the detector finds leads on calls it was not fitted on (model/README.md):
//! - nested k-fold cross-validation on the training split (weights and threshold fitted without
//!   the fold scored);
//! - the frozen test split, scored by the weights that ship, which were fitted on the
//!   training split only.
//!
//! Both must reach 0.90 precision and recall. The figures are printed on every `make test`.
//! Only aggregate figures are printed for the frozen split: its calls are never examined to
//! improve the detector.

use std::collections::BTreeSet;

use scl_detection::adaptation::Adjustment;
use scl_detection::{score_call, Speaker, Strictness};
use scl_model::corpus::{self, Call};
use scl_model::fit::HYPER;
use scl_model::metrics::Confusion;

fn load() -> (Vec<Call>, Vec<Call>) {
    let train = corpus::load(&scl_model::train_path()).expect("training split");
    let test = corpus::load(&scl_model::test_path()).expect("test split");
    (train, test)
}

#[test]
fn the_corpus_is_large_varied_balanced_and_its_splits_do_not_overlap() {
    let (train, test) = load();
    let all: Vec<&Call> = train.iter().chain(&test).collect();
    let leads = all.iter().filter(|c| c.is_lead).count();
    let trades: BTreeSet<&str> = all.iter().map(|c| c.trade.as_str()).collect();
    println!(
        "detection corpus: {} calls ({} training, {} frozen test), {} leads, {} trades",
        all.len(),
        train.len(),
        test.len(),
        leads,
        trades.len()
    );
    assert!(all.len() >= 300, "at least 300 labelled calls");
    assert!(trades.len() >= 12, "at least 12 trades: {trades:?}");
    let share = leads as f64 / all.len() as f64;
    assert!((0.4..=0.6).contains(&share), "about half leads: {share:.2}");
    let ids: BTreeSet<&str> = train.iter().map(|c| c.id.as_str()).collect();
    assert!(test.iter().all(|c| !ids.contains(c.id.as_str())));
    // No descriptive caller line (ten words or more) is shared between the splits.
    let lines = |calls: &[Call]| -> BTreeSet<String> {
        calls
            .iter()
            .flat_map(|c| &c.transcript)
            .filter(|s| s.speaker == Speaker::Customer && s.text.split_whitespace().count() >= 10)
            .map(|s| s.text.to_lowercase())
            .collect()
    };
    let shared: Vec<String> = lines(&train).intersection(&lines(&test)).cloned().collect();
    assert!(shared.is_empty(), "caller lines in both splits: {shared:?}");
}

#[test]
fn cross_validated_precision_and_recall_are_at_least_090() {
    let (train, _) = load();
    let examples = scl_model::examples(&train);
    let c = scl_model::nested_cross_validation(&train, &examples, scl_model::FOLDS, HYPER);
    println!(
        "detection, nested {}-fold cross-validation on the training split ({} calls): {c}",
        scl_model::FOLDS,
        train.len()
    );
    assert!(c.precision() >= 0.90, "{c}");
    assert!(c.recall() >= 0.90, "{c}");
}

#[test]
fn frozen_test_precision_and_recall_are_at_least_090() {
    let (_, test) = load();
    let scores: Vec<f64> = test
        .iter()
        .map(|c| score_call(&c.utterances(), &c.extra(), &Adjustment::default()).score)
        .collect();
    let labels: Vec<bool> = test.iter().map(|c| c.is_lead).collect();
    for level in [
        Strictness::Lenient,
        Strictness::Balanced,
        Strictness::Strict,
    ] {
        let c = Confusion::at(&scores, &labels, level.threshold());
        println!(
            "detection, frozen test split ({} calls) at {level:?} ({:.3}): {c}",
            test.len(),
            level.threshold()
        );
    }
    let c = Confusion::at(&scores, &labels, Strictness::Balanced.threshold());
    assert!(c.precision() >= 0.90, "{c}");
    assert!(c.recall() >= 0.90, "{c}");
}

#[test]
fn the_shipped_weights_are_what_make_train_fits_from_the_training_split() {
    let (train, _) = load();
    let fitted = scl_model::render(&scl_model::train(&train, HYPER));
    let shipped = std::fs::read_to_string(scl_model::weights_path()).expect("weights file");
    assert!(
        fitted == shipped,
        "shared/detection/src/weights.rs is not what the corpus and features give: run `make train`"
    );
}
