//! Fits and measures the lead detector (`make train`, `make eval`, and the fast evaluation in
//! `make test`).
//!
//! - `corpus`: the labelled calls, one file per writer (`model/corpus/writers/`), and the blind
//!   split (`model/corpus/blind/`), which only the evaluation opens (`eval`).
//! - `trades`: the trade families, for per-family figures and for holding a family out.
//! - `fit`: logistic regression over the detector's own features (`scl_detection`'s
//!   `features`), so what is fitted is exactly what ships.
//! - `metrics`: precision, recall, the strictness thresholds and the probability calibration.
//! - Grouped cross-validation here: calls are held out a writer (or a trade family) at a time,
//!   so a score never comes from a model that saw its writer's wording.
//! - `render` writes `shared/detection/src/weights.rs` and its hashed-weights table.

pub mod augment;
pub mod corpus;
pub mod eval;
pub mod fit;
pub mod metrics;
pub mod trades;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scl_detection::features::{self, FEATURES};
use scl_detection::model::{Calibration, Thresholds, Weights};

use corpus::Call;
use fit::{fit, logit, Example, Hyper};
use metrics::{calibrate_probability, calibrate_thresholds};

/// A word used by at least this share of the training calls is too common for per-business
/// learning to learn from.
pub const COMMON_TERM_SHARE: f64 = 0.04;
/// The inner cross-validation that calibrates a held-out model: the other writers dealt into
/// this many groups (`make eval`); `make test`'s faster run deals them into `INNER_GROUPS_FAST`.
pub const INNER_GROUPS: usize = 4;
pub const INNER_GROUPS_FAST: usize = 2;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The training corpus: every writer's file.
pub fn writers_dir() -> PathBuf {
    repo_root().join("model/corpus/writers")
}

/// The blind split: opened by `eval` alone.
pub(crate) fn blind_dir() -> PathBuf {
    repo_root().join("model/corpus/blind")
}

pub fn weights_path() -> PathBuf {
    repo_root().join("shared/detection/src/weights.rs")
}

pub fn hashed_weights_path() -> PathBuf {
    repo_root().join("shared/detection/src/hashed_weights.bin")
}

/// The training corpus, loaded.
pub fn training_calls() -> Result<Vec<Call>, corpus::CorpusError> {
    corpus::load_dir(&writers_dir())
}

pub fn example(c: &Call) -> Example {
    let noisy = augment::noisy(c);
    Example {
        features: features::extract(&c.utterances(), &c.extra()),
        is_lead: c.is_lead,
        noisy: Some(features::extract(&noisy.utterances(), &noisy.extra())),
    }
}

pub fn examples(calls: &[Call]) -> Vec<Example> {
    calls.iter().map(example).collect()
}

fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Which group each call belongs to, for cross-validation that holds a whole group out.
#[derive(Debug, Clone, PartialEq)]
pub struct Groups {
    pub of: Vec<usize>,
    pub names: Vec<String>,
}

impl Groups {
    fn from_keys(keys: Vec<String>) -> Self {
        let mut names: Vec<String> = keys.clone();
        names.sort();
        names.dedup();
        let of = keys
            .iter()
            .map(|k| names.iter().position(|n| n == k).unwrap_or(0))
            .collect();
        Groups { of, names }
    }

    /// One group per writer: leave-one-writer-out.
    pub fn by_writer(calls: &[Call]) -> Self {
        Self::from_keys(calls.iter().map(|c| c.writer.clone()).collect())
    }

    /// One group per trade family: leave-one-family-out.
    pub fn by_family(calls: &[Call]) -> Self {
        Self::from_keys(calls.iter().map(|c| c.family.name().to_owned()).collect())
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// These groups dealt into at most `k` (each group whole, ordered by a hash of its name).
    pub fn merged(&self, k: usize) -> Groups {
        let mut order: Vec<(u32, usize)> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (fnv(n), i))
            .collect();
        order.sort();
        let k = k.min(self.len()).max(1);
        let mut to = vec![0; self.len()];
        for (n, (_, g)) in order.into_iter().enumerate() {
            to[g] = n % k;
        }
        Groups {
            of: self.of.iter().map(|&g| to[g]).collect(),
            names: (0..k).map(|i| format!("merged-{i}")).collect(),
        }
    }
}

/// Out-of-group logits: each call scored by weights fitted without its group.
pub fn out_of_group_logits(examples: &[Example], groups: &Groups, hyper: Hyper) -> Vec<f64> {
    let mut logits = vec![0.0; examples.len()];
    for g in 0..groups.len() {
        let train: Vec<&Example> = examples
            .iter()
            .zip(&groups.of)
            .filter(|(_, h)| **h != g)
            .map(|(e, _)| e)
            .collect();
        if train.len() == examples.len() {
            continue;
        }
        let w = fit(&train, hyper);
        for (i, e) in examples.iter().enumerate() {
            if groups.of[i] == g {
                logits[i] = logit(&w, &e.features);
            }
        }
    }
    logits
}

/// A model as the detector uses it: weights, the calibration of their logits, thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibrated {
    pub weights: Weights,
    pub calibration: Calibration,
    pub thresholds: Thresholds,
}

impl Calibrated {
    pub fn score(&self, e: &Example) -> f64 {
        self.calibration
            .probability(logit(&self.weights, &e.features))
    }
}

/// Fits on `examples` and calibrates on their own out-of-group logits (`groups`): the
/// probability calibration and the thresholds never see a score from a model that was fitted
/// on the call it scores.
pub fn fit_calibrated(examples: &[Example], groups: &Groups, hyper: Hyper) -> Calibrated {
    let oog = out_of_group_logits(examples, groups, hyper);
    let labels: Vec<bool> = examples.iter().map(|e| e.is_lead).collect();
    let calibration = calibrate_probability(&oog, &labels);
    let scores: Vec<f64> = oog.iter().map(|&z| calibration.probability(z)).collect();
    let thresholds = calibrate_thresholds(&scores, &labels);
    let weights = fit(&examples.iter().collect::<Vec<_>>(), hyper);
    Calibrated {
        weights,
        calibration,
        thresholds,
    }
}

/// Scores of every call from a model that never saw its group, calibrated without it too:
/// for each group, a model is fitted and calibrated (over the other groups, dealt into
/// `inner_groups` groups) on the rest, then scores the group. Returns each call's score and the
/// thresholds its model used.
pub fn held_out_scores(
    examples: &[Example],
    groups: &Groups,
    hyper: Hyper,
    inner_groups: usize,
) -> Vec<(f64, Thresholds)> {
    let none = Thresholds {
        lenient: 0.5,
        balanced: 0.5,
        strict: 0.5,
    };
    let mut out = vec![(0.0, none); examples.len()];
    for g in 0..groups.len() {
        let inner_idx: Vec<usize> = (0..examples.len()).filter(|&i| groups.of[i] != g).collect();
        if inner_idx.len() == examples.len() {
            continue;
        }
        let inner: Vec<Example> = inner_idx.iter().map(|&i| examples[i].clone()).collect();
        let calibration_groups = Groups {
            of: inner_idx.iter().map(|&i| groups.of[i]).collect(),
            names: groups.names.clone(),
        }
        .compacted()
        .merged(inner_groups);
        let model = fit_calibrated(&inner, &calibration_groups, hyper);
        for i in (0..examples.len()).filter(|&i| groups.of[i] == g) {
            out[i] = (model.score(&examples[i]), model.thresholds);
        }
    }
    out
}

impl Groups {
    /// The same grouping without the names no call uses.
    fn compacted(&self) -> Groups {
        let keys = self.of.iter().map(|&g| self.names[g].clone()).collect();
        Groups::from_keys(keys)
    }
}

/// The model fitted on the whole training corpus, calibrated on leave-one-writer-out scores.
pub struct Trained {
    pub model: Calibrated,
    pub common_terms: Vec<String>,
    pub calls: usize,
}

pub fn train(calls: &[Call], hyper: Hyper) -> Trained {
    let examples = examples(calls);
    let model = fit_calibrated(&examples, &Groups::by_writer(calls), hyper);
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
        model,
        common_terms,
        calls: calls.len(),
    }
}

fn round(x: f64, places: i32) -> f64 {
    let p = 10f64.powi(places);
    (x * p).round() / p
}

/// The weights file the detector compiles in, and the hashed-weights table beside it.
pub fn render(t: &Trained) -> (String, Vec<u8>) {
    let w = &t.model.weights;
    let (table, levels) = fit::quantise(&w.hashed);
    let mut body = String::new();
    body.push_str(&format!(
        "pub const BIAS: f32 = {:?};\n",
        round(w.bias, 4) as f32
    ));
    let c = t.model.calibration;
    body.push_str(&format!(
        "pub const CALIBRATION: [f32; 2] = [{:?}, {:?}];\n",
        round(c.slope, 4) as f32,
        round(c.intercept, 4) as f32
    ));
    let th = t.model.thresholds;
    body.push_str(&format!(
        "pub const THRESHOLDS: [f32; 3] = [{:?}, {:?}, {:?}];\n",
        round(th.lenient, 3) as f32,
        round(th.balanced, 3) as f32,
        round(th.strict, 3) as f32
    ));
    body.push_str(&format!(
        "pub const FEATURE_WEIGHTS: [(&str, f32); {}] = [\n",
        FEATURES.len()
    ));
    for (f, x) in FEATURES.iter().zip(w.features.iter()) {
        body.push_str(&format!(
            "    ({:?}, {:?}),\n",
            f.name(),
            round(*x, 4) as f32
        ));
    }
    body.push_str("];\n");
    body.push_str(&format!(
        "/// What each hashed bucket's 4-bit code in `hashed_weights.bin` stands for.\npub const HASHED_LEVELS: [f32; {}] = {:?};\n",
        levels.len(),
        levels
    ));
    body.push_str("pub const COMMON_TERMS: &[&str] = &[\n");
    for term in &t.common_terms {
        body.push_str(&format!("    {term:?},\n"));
    }
    body.push_str("];\n");
    let table_hash = table.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    });
    let version = format!("lr-{}-{:08x}", t.calls, fnv(&body) ^ table_hash);
    let text = format!(
        "// @generated by `make train` (model/src/bin/scl-train.rs) from model/corpus/writers/.\n\
         // Do not edit by hand: change the corpus or the features, then run `make train`.\n\
         // Fitted numbers may happen to be near a constant (1.0472 ~ pi/3): not a typo.\n\
         #![allow(clippy::approx_constant)]\n\
         \n\
         pub const MODEL_VERSION: &str = {version:?};\n{body}"
    );
    (text, table)
}
