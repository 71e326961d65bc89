//! Fits and measures the lead detector (`make train`, and the quality test in `make test`).
//!
//! - `corpus`: the labelled calls in `model/corpus/` (`train.txt` to fit, `test.txt` frozen).
//! - `fit`: logistic regression over the detector's own features (`scl_detection`'s
//!   `features`), so what is fitted is exactly what ships.
//! - `metrics`: precision, recall and the calibration of the strictness thresholds.
//! - Cross-validation here; `render` writes `shared/detection/src/weights.rs`.

pub mod corpus;
pub mod fit;
pub mod metrics;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scl_detection::features::{self, FEATURES};
use scl_detection::model::{Thresholds, Weights};

use corpus::Call;
use fit::{fit, score, Example, Hyper};
use metrics::{calibrate, Confusion};

pub const FOLDS: usize = 5;
/// A word used by at least this share of the training calls is too common for per-business
/// learning to learn from.
pub const COMMON_TERM_SHARE: f64 = 0.04;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub fn train_path() -> PathBuf {
    repo_root().join("model/corpus/train.txt")
}

pub fn test_path() -> PathBuf {
    repo_root().join("model/corpus/test.txt")
}

pub fn weights_path() -> PathBuf {
    repo_root().join("shared/detection/src/weights.rs")
}

pub fn examples(calls: &[Call]) -> Vec<Example> {
    calls
        .iter()
        .map(|c| Example {
            features: features::extract(&c.utterances(), &c.extra()),
            is_lead: c.is_lead,
        })
        .collect()
}

fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Stratified folds: within each label, calls ordered by a hash of their id and dealt round
/// robin, so every fold has about the same share of leads and the split never depends on file
/// order.
pub fn folds(calls: &[Call], k: usize) -> Vec<usize> {
    let mut fold = vec![0; calls.len()];
    for label in [true, false] {
        let mut ids: Vec<(u32, usize)> = calls
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_lead == label)
            .map(|(i, c)| (fnv(&c.id), i))
            .collect();
        ids.sort();
        for (n, (_, i)) in ids.into_iter().enumerate() {
            fold[i] = n % k;
        }
    }
    fold
}

/// Scores of each example from weights fitted without its fold.
pub fn out_of_fold_scores(
    examples: &[Example],
    fold: &[usize],
    k: usize,
    hyper: Hyper,
) -> Vec<f64> {
    let mut scores = vec![0.0; examples.len()];
    for f in 0..k {
        let train: Vec<&Example> = examples
            .iter()
            .zip(fold)
            .filter(|(_, g)| **g != f)
            .map(|(e, _)| e)
            .collect();
        let w = fit(&train, hyper);
        for (i, e) in examples.iter().enumerate() {
            if fold[i] == f {
                scores[i] = score(&w, &e.features);
            }
        }
    }
    scores
}

/// Cross-validated quality at the `balanced` threshold, nested so nothing scored was seen:
/// for each outer fold, the threshold is calibrated on inner cross-validation of the other
/// folds and the weights are fitted on those folds only.
pub fn nested_cross_validation(
    calls: &[Call],
    examples: &[Example],
    k: usize,
    hyper: Hyper,
) -> Confusion {
    let fold = folds(calls, k);
    let mut total = Confusion::default();
    for f in 0..k {
        let inner_idx: Vec<usize> = (0..calls.len()).filter(|&i| fold[i] != f).collect();
        let inner_calls: Vec<Call> = inner_idx.iter().map(|&i| calls[i].clone()).collect();
        let inner_examples: Vec<Example> = inner_idx.iter().map(|&i| examples[i].clone()).collect();
        let inner_fold = folds(&inner_calls, k);
        let inner_scores = out_of_fold_scores(&inner_examples, &inner_fold, k, hyper);
        let labels: Vec<bool> = inner_examples.iter().map(|e| e.is_lead).collect();
        let threshold = calibrate(&inner_scores, &labels).balanced;
        let w = fit(&inner_examples.iter().collect::<Vec<_>>(), hyper);
        for i in (0..calls.len()).filter(|&i| fold[i] == f) {
            total.add(
                score(&w, &examples[i].features) >= threshold,
                examples[i].is_lead,
            );
        }
    }
    total
}

/// The model fitted on the training split, with its calibrated thresholds.
pub struct Trained {
    pub weights: Weights,
    pub thresholds: Thresholds,
    pub common_terms: Vec<String>,
    pub calls: usize,
}

pub fn train(calls: &[Call], hyper: Hyper) -> Trained {
    let examples = examples(calls);
    let fold = folds(calls, FOLDS);
    let oof = out_of_fold_scores(&examples, &fold, FOLDS, hyper);
    let labels: Vec<bool> = examples.iter().map(|e| e.is_lead).collect();
    let thresholds = calibrate(&oof, &labels);
    let weights = fit(&examples.iter().collect::<Vec<_>>(), hyper);
    let mut df: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &examples {
        for t in &e.features.candidate_terms {
            *df.entry(t.as_str()).or_default() += 1;
        }
    }
    let min_calls = (COMMON_TERM_SHARE * calls.len() as f64).ceil().max(3.0) as usize;
    let common_terms = df
        .into_iter()
        .filter(|(_, n)| *n >= min_calls)
        .map(|(t, _)| t.to_owned())
        .collect();
    Trained {
        weights,
        thresholds,
        common_terms,
        calls: calls.len(),
    }
}

fn round(x: f64, places: i32) -> f64 {
    let p = 10f64.powi(places);
    (x * p).round() / p
}

/// The weights file the detector compiles in.
pub fn render(t: &Trained) -> String {
    let mut body = String::new();
    body.push_str(&format!(
        "pub const BIAS: f32 = {:?};\n",
        round(t.weights.bias, 4) as f32
    ));
    body.push_str(&format!(
        "pub const THRESHOLDS: [f32; 3] = [{:?}, {:?}, {:?}];\n",
        round(t.thresholds.lenient, 3) as f32,
        round(t.thresholds.balanced, 3) as f32,
        round(t.thresholds.strict, 3) as f32
    ));
    body.push_str(&format!(
        "pub const FEATURE_WEIGHTS: [(&str, f32); {}] = [\n",
        FEATURES.len()
    ));
    for (f, w) in FEATURES.iter().zip(t.weights.features.iter()) {
        body.push_str(&format!(
            "    ({:?}, {:?}),\n",
            f.name(),
            round(*w, 4) as f32
        ));
    }
    body.push_str("];\n");
    body.push_str("pub const NGRAM_WEIGHTS: &[(u32, f32)] = &[\n");
    for (h, w) in &t.weights.ngrams {
        let w = round(*w, 4);
        if w != 0.0 {
            body.push_str(&format!("    ({h}, {:?}),\n", w as f32));
        }
    }
    body.push_str("];\n");
    body.push_str("pub const COMMON_TERMS: &[&str] = &[\n");
    for term in &t.common_terms {
        body.push_str(&format!("    {term:?},\n"));
    }
    body.push_str("];\n");
    let version = format!("lr-{}-{:08x}", t.calls, fnv(&body));
    format!(
        "// @generated by `make train` (model/src/bin/scl-train.rs) from model/corpus/train.txt.\n\
         // Do not edit by hand: change the corpus or the features, then run `make train`.\n\
         // Fitted numbers may happen to be near a constant (1.0472 ~ pi/3): not a typo.\n\
         #![allow(clippy::approx_constant)]\n\
         \n\
         pub const MODEL_VERSION: &str = {version:?};\n{body}"
    )
}
