//! The detector's corpus and shipped weights (model/README.md). Its quality on calls it was not
//! fitted on is measured by `make eval` (model/src/eval.rs), which `make test` runs too and
//! which fails below the floors.

use std::collections::BTreeSet;

use scl_model::corpus::Call;
use scl_model::fit::HYPER;

fn training() -> Vec<Call> {
    scl_model::training_calls().expect("the training writers' calls")
}

#[test]
fn the_corpus_comes_from_many_writers_in_every_style_across_forty_trades() {
    let calls = training();
    let writers: BTreeSet<&str> = calls.iter().map(|c| c.writer.as_str()).collect();
    let trades: BTreeSet<&str> = calls.iter().map(|c| c.trade.as_str()).collect();
    let leads = calls.iter().filter(|c| c.is_lead).count();
    println!(
        "detection corpus: {} training calls, {} writers, {} leads, {} trades",
        calls.len(),
        writers.len(),
        leads,
        trades.len()
    );
    assert!(calls.len() >= 1500, "at least 1,500 training calls");
    assert!(
        writers.len() >= 8,
        "several independent writers: {writers:?}"
    );
    assert!(trades.len() >= 40, "at least 40 trades: {}", trades.len());
    assert!(
        calls.iter().all(|c| !c.style.is_empty()),
        "every file names its style"
    );
    let share = leads as f64 / calls.len() as f64;
    assert!((0.4..=0.6).contains(&share), "about half leads: {share:.2}");
    let terse = calls.iter().filter(|c| c.turns() <= 3).count();
    let long = calls.iter().filter(|c| c.turns() >= 10).count();
    assert!(terse >= 150 && long >= 150, "terse {terse}, long {long}");
}

#[test]
fn the_shipped_weights_are_what_make_train_fits_from_the_training_writers() {
    let (text, table) = scl_model::render(&scl_model::train(&training(), HYPER));
    let shipped = std::fs::read_to_string(scl_model::weights_path()).expect("weights file");
    let shipped_table = std::fs::read(scl_model::hashed_weights_path()).expect("hashed table");
    assert!(
        text == shipped && table == shipped_table,
        "shared/detection/src/weights.rs or hashed_weights.bin is not what the corpus and features give: run `make train`"
    );
}
