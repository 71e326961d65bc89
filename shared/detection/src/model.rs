//! The fitted logistic model: a weight per named feature, weights for hashed word n-grams, and
//! the thresholds of the three strictness levels. The weights compiled into the detector are
//! in `weights.rs`, written by `make train`; the trainer builds other `Weights` while it fits.

use std::sync::LazyLock;

use super::features::{CallFeatures, Feature, FEATURES, N_FEATURES};
use super::weights;

#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub bias: f64,
    pub features: [f64; N_FEATURES],
    /// (n-gram hash, weight), sorted by hash.
    pub ngrams: Vec<(u32, f64)>,
}

/// Scores at or above which a call is a lead, per strictness level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub lenient: f64,
    pub balanced: f64,
    pub strict: f64,
}

/// The model the detector ships with.
pub struct Model {
    pub version: &'static str,
    pub weights: Weights,
    pub thresholds: Thresholds,
    /// Words too common in calls of every kind to teach anything about one business.
    pub common_terms: &'static [&'static str],
}

pub static MODEL: LazyLock<Model> = LazyLock::new(|| {
    let mut features = [0.0; N_FEATURES];
    for (i, (name, w)) in weights::FEATURE_WEIGHTS.iter().enumerate() {
        // A weights file for another feature list is caught by a test (`weights_match_features`);
        // a feature the file does not name keeps weight 0 rather than taking another's.
        if FEATURES.get(i).is_some_and(|f| f.name() == *name) {
            features[i] = f64::from(*w);
        }
    }
    Model {
        version: weights::MODEL_VERSION,
        weights: Weights {
            bias: f64::from(weights::BIAS),
            features,
            ngrams: weights::NGRAM_WEIGHTS
                .iter()
                .map(|&(h, w)| (h, f64::from(w)))
                .collect(),
        },
        thresholds: Thresholds {
            lenient: f64::from(weights::THRESHOLDS[0]),
            balanced: f64::from(weights::THRESHOLDS[1]),
            strict: f64::from(weights::THRESHOLDS[2]),
        },
        common_terms: weights::COMMON_TERMS,
    }
});

/// Where a call's score comes from, in logit units.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    pub bias: f64,
    pub features: [f64; N_FEATURES],
    pub ngrams: f64,
}

impl Breakdown {
    pub fn logit(&self) -> f64 {
        self.bias + self.features.iter().sum::<f64>() + self.ngrams
    }
}

/// The n-gram vector is scaled to unit length, so long calls do not score high for being long.
pub fn ngram_scale(count: usize) -> f64 {
    1.0 / (count.max(1) as f64).sqrt()
}

impl Weights {
    pub fn zero() -> Self {
        Weights {
            bias: 0.0,
            features: [0.0; N_FEATURES],
            ngrams: Vec::new(),
        }
    }

    fn ngram_weight(&self, hash: u32) -> f64 {
        self.ngrams
            .binary_search_by_key(&hash, |&(h, _)| h)
            .map(|i| self.ngrams[i].1)
            .unwrap_or(0.0)
    }

    pub fn breakdown(&self, f: &CallFeatures) -> Breakdown {
        let mut features = [0.0; N_FEATURES];
        for (i, c) in features.iter_mut().enumerate() {
            *c = self.features[i] * f64::from(f.values[i]);
        }
        let ngrams = f.ngrams.iter().map(|&h| self.ngram_weight(h)).sum::<f64>()
            * ngram_scale(f.ngrams.len());
        Breakdown {
            bias: self.bias,
            features,
            ngrams,
        }
    }
}

pub fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Reasons shown for a feature only when it moved the score at least this much (logits).
const REASON_FOR: f64 = 0.5;
const REASON_AGAINST: f64 = -0.75;
const MAX_REASONS_FOR: usize = 4;
const MAX_REASONS_AGAINST: usize = 2;
/// Word-level evidence worth a sentence of its own.
const WORDING_REASON: f64 = 1.0;
/// A business's learned adjustment worth mentioning.
const ADJUSTMENT_REASON: f64 = 0.5;

/// The strongest contributions, in words a CSR understands: what spoke for a lead first, then
/// what spoke against it.
pub fn reasons(b: &Breakdown, f: &CallFeatures, adjustment: f64) -> Vec<String> {
    let mut ranked: Vec<(Feature, f64)> = FEATURES
        .iter()
        .map(|&feat| (feat, b.features[feat.index()]))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut out: Vec<String> = ranked
        .iter()
        .filter(|(_, c)| *c >= REASON_FOR)
        .take(MAX_REASONS_FOR)
        .map(|(feat, _)| feat.reason(f.category).to_owned())
        .collect();
    if b.ngrams >= WORDING_REASON {
        out.push("the caller's wording is like that of earlier leads".into());
    }
    if adjustment >= ADJUSTMENT_REASON {
        out.push("your team treated similar calls as leads".into());
    }
    if adjustment <= -ADJUSTMENT_REASON {
        out.push("your team marked similar calls Not a Lead".into());
    }
    out.extend(
        ranked
            .iter()
            .rev()
            .filter(|(_, c)| *c <= REASON_AGAINST)
            .take(MAX_REASONS_AGAINST)
            .map(|(feat, _)| feat.reason(f.category).to_owned()),
    );
    if b.ngrams <= -WORDING_REASON {
        out.push("the caller's wording is like that of calls that were not leads".into());
    }
    if out.is_empty() {
        out.push("no clear sign of a sales opportunity".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_match_features() {
        assert_eq!(
            weights::FEATURE_WEIGHTS.len(),
            N_FEATURES,
            "the weights file was fitted for another feature list: run `make train`"
        );
        for (i, (name, _)) in weights::FEATURE_WEIGHTS.iter().enumerate() {
            assert_eq!(*name, FEATURES[i].name(), "run `make train`");
        }
        let hashes: Vec<u32> = weights::NGRAM_WEIGHTS.iter().map(|p| p.0).collect();
        assert!(
            hashes.windows(2).all(|w| w[0] < w[1]),
            "n-gram weights must be sorted"
        );
        let t = MODEL.thresholds;
        assert!(t.lenient < t.balanced && t.balanced < t.strict, "{t:?}");
        assert!(weights::COMMON_TERMS.windows(2).all(|w| w[0] < w[1]));
    }
}
