//! The fitted logistic model: a weight per named feature, a weight per hashed n-gram bucket,
//! the calibration that turns its logit into a probability, and the thresholds of the three
//! strictness levels. The weights compiled into the detector are in `weights.rs` and
//! `hashed_weights.bin`, written by `make train`; the trainer builds other `Weights` while it
//! fits.

use std::sync::LazyLock;

use super::features::{CallFeatures, Feature, Span, FEATURES, HASH_BUCKETS, N_FEATURES};
use super::weights;

/// The hashed n-grams' weights: one per bucket.
#[derive(Debug, Clone, PartialEq)]
pub enum HashedWeights {
    /// As the trainer fits them.
    Dense(Vec<f32>),
    /// As shipped: a 4-bit code per bucket, two to a byte (the even bucket in the low half),
    /// and the value each code stands for.
    Quantised {
        table: &'static [u8],
        levels: &'static [f32; 16],
    },
}

impl HashedWeights {
    pub fn zero() -> Self {
        HashedWeights::Dense(vec![0.0; HASH_BUCKETS])
    }

    pub fn get(&self, bucket: u32) -> f64 {
        let b = bucket as usize;
        match self {
            HashedWeights::Dense(w) => w.get(b).copied().map_or(0.0, f64::from),
            HashedWeights::Quantised { table, levels } => {
                super::half_byte(table, b).map_or(0.0, |code| f64::from(levels[usize::from(code)]))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub bias: f64,
    pub features: [f64; N_FEATURES],
    pub hashed: HashedWeights,
}

/// Turns the model's logit into the probability that the call is a lead among calls that pass
/// the gates, at the lead rate such calls really have (model/README.md, Calibration): Platt
/// scaling fitted on held-out logits, its intercept moved from the corpus's lead rate to the
/// realistic one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    pub slope: f64,
    pub intercept: f64,
}

impl Calibration {
    pub const IDENTITY: Calibration = Calibration {
        slope: 1.0,
        intercept: 0.0,
    };

    pub fn logit(&self, z: f64) -> f64 {
        self.slope * z + self.intercept
    }

    pub fn probability(&self, z: f64) -> f64 {
        logistic(self.logit(z))
    }
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
    pub calibration: Calibration,
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
            hashed: HashedWeights::Quantised {
                table: HASHED_TABLE,
                levels: &weights::HASHED_LEVELS,
            },
        },
        calibration: Calibration {
            slope: f64::from(weights::CALIBRATION[0]),
            intercept: f64::from(weights::CALIBRATION[1]),
        },
        thresholds: Thresholds {
            lenient: f64::from(weights::THRESHOLDS[0]),
            balanced: f64::from(weights::THRESHOLDS[1]),
            strict: f64::from(weights::THRESHOLDS[2]),
        },
        common_terms: weights::COMMON_TERMS,
    }
});

static HASHED_TABLE: &[u8] = include_bytes!("hashed_weights.bin");

/// Where a call's score comes from, in logit units (before calibration).
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    pub bias: f64,
    pub features: [f64; N_FEATURES],
    pub hashed: f64,
}

impl Breakdown {
    pub fn logit(&self) -> f64 {
        self.bias + self.features.iter().sum::<f64>() + self.hashed
    }
}

impl Weights {
    pub fn zero() -> Self {
        Weights {
            bias: 0.0,
            features: [0.0; N_FEATURES],
            hashed: HashedWeights::zero(),
        }
    }

    pub fn breakdown(&self, f: &CallFeatures) -> Breakdown {
        let mut features = [0.0; N_FEATURES];
        for (i, c) in features.iter_mut().enumerate() {
            *c = self.features[i] * f64::from(f.values[i]);
        }
        let hashed = f
            .hashed
            .iter()
            .map(|&(b, v)| self.hashed.get(b) * f64::from(v))
            .sum::<f64>();
        Breakdown {
            bias: self.bias,
            features,
            hashed,
        }
    }
}

pub fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// A reason a CSR reads, and where in the call it was said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub text: String,
    pub evidence: Vec<Span>,
}

/// What moved a call's score besides the named features, with where it was said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extra {
    /// The business's learned adjustment (logits) and the words that matched it.
    pub adjustment: f64,
    pub adjustment_evidence: Vec<Span>,
    /// The words that carried the hashed n-grams' weight, for or against.
    pub wording_for: Vec<Span>,
    pub wording_against: Vec<Span>,
}

/// Reasons shown for a feature only when it moved the score at least this much (calibrated
/// logits).
const REASON_FOR: f64 = 0.5;
const REASON_AGAINST: f64 = -0.75;
const MAX_REASONS_FOR: usize = 4;
const MAX_REASONS_AGAINST: usize = 2;
/// Word-level evidence worth a sentence of its own.
const WORDING_REASON: f64 = 1.0;
/// A business's learned adjustment worth mentioning.
const ADJUSTMENT_REASON: f64 = 0.5;

/// The strongest contributions, in words a CSR understands, each with where it was said: what
/// spoke for a lead first, then what spoke against it. `slope` turns the model's logits into
/// the calibrated ones the thresholds are in.
pub fn reasons(b: &Breakdown, f: &CallFeatures, slope: f64, extra: &Extra) -> Vec<Reason> {
    let reason = |feat: Feature| Reason {
        text: feat.reason(f.category).to_owned(),
        evidence: f.evidence[feat.index()].clone(),
    };
    let mut ranked: Vec<(Feature, f64)> = FEATURES
        .iter()
        .map(|&feat| (feat, b.features[feat.index()] * slope))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut out: Vec<Reason> = ranked
        .iter()
        .filter(|(_, c)| *c >= REASON_FOR)
        .take(MAX_REASONS_FOR)
        .map(|(feat, _)| reason(*feat))
        .collect();
    if b.hashed * slope >= WORDING_REASON {
        out.push(Reason {
            text: "the call's wording is like that of earlier leads".into(),
            evidence: extra.wording_for.clone(),
        });
    }
    if extra.adjustment >= ADJUSTMENT_REASON {
        out.push(Reason {
            text: "your team treated similar calls as leads".into(),
            evidence: extra.adjustment_evidence.clone(),
        });
    }
    if extra.adjustment <= -ADJUSTMENT_REASON {
        out.push(Reason {
            text: "your team marked similar calls Not a Lead".into(),
            evidence: extra.adjustment_evidence.clone(),
        });
    }
    out.extend(
        ranked
            .iter()
            .rev()
            .filter(|(_, c)| *c <= REASON_AGAINST)
            .take(MAX_REASONS_AGAINST)
            .map(|(feat, _)| reason(*feat)),
    );
    if b.hashed * slope <= -WORDING_REASON {
        out.push(Reason {
            text: "the call's wording is like that of calls that were not leads".into(),
            evidence: extra.wording_against.clone(),
        });
    }
    if out.is_empty() {
        out.push(Reason {
            text: "no clear sign of a sales opportunity".into(),
            evidence: Vec::new(),
        });
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
        assert_eq!(
            HASHED_TABLE.len() * 2,
            HASH_BUCKETS,
            "the hashed table was fitted for another number of buckets: run `make train`"
        );
        let t = MODEL.thresholds;
        assert!(t.lenient < t.balanced && t.balanced < t.strict, "{t:?}");
        assert!(weights::COMMON_TERMS.windows(2).all(|w| w[0] < w[1]));
    }
}
