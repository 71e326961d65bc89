//! L2-regularised logistic regression, fitted by full-batch Adam. Deterministic: the same
//! examples in the same order give the same weights, bit for bit, on the same platform.

use std::collections::HashMap;

use scl_detection::features::{CallFeatures, Sign, FEATURES, N_FEATURES};
use scl_detection::model::{logistic, ngram_scale, Weights};

/// A corpus call as the fit sees it.
#[derive(Debug, Clone)]
pub struct Example {
    pub features: CallFeatures,
    pub is_lead: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyper {
    /// L2 strength on the named features (towards each feature's prior).
    pub l2_features: f64,
    /// L2 strength on the n-gram weights: much stronger, as there are thousands of them and
    /// each is seen in few calls; they refine, the named features generalise.
    pub l2_ngrams: f64,
    pub iterations: usize,
    pub learning_rate: f64,
}

/// Chosen by cross-validation on the training split (model/README.md); never on the test split.
pub const HYPER: Hyper = Hyper {
    l2_features: 0.003,
    l2_ngrams: 0.03,
    iterations: 600,
    learning_rate: 0.05,
};

/// N-gram weights smaller than this are left out of the weights file.
pub const NGRAM_PRUNE: f64 = 0.002;

pub fn fit(examples: &[&Example], hyper: Hyper) -> Weights {
    // Dense indices for the n-grams these examples contain.
    let mut index: HashMap<u32, usize> = HashMap::new();
    let mut hashes: Vec<u32> = Vec::new();
    let rows: Vec<(Vec<usize>, f64)> = examples
        .iter()
        .map(|e| {
            let idx = e
                .features
                .ngrams
                .iter()
                .map(|h| {
                    *index.entry(*h).or_insert_with(|| {
                        hashes.push(*h);
                        hashes.len() - 1
                    })
                })
                .collect();
            (idx, ngram_scale(e.features.ngrams.len()))
        })
        .collect();
    let dims = 1 + N_FEATURES + hashes.len();
    let mut w = vec![0.0f64; dims];
    for (k, f) in FEATURES.iter().enumerate() {
        w[1 + k] = f.prior();
    }
    let (mut m, mut v) = (vec![0.0f64; dims], vec![0.0f64; dims]);
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8f64);
    let n = examples.len().max(1) as f64;
    let mut grad = vec![0.0f64; dims];
    for t in 1..=hyper.iterations {
        grad.iter_mut().for_each(|g| *g = 0.0);
        for (e, (idx, scale)) in examples.iter().zip(&rows) {
            let mut z = w[0];
            for (k, x) in e.features.values.iter().enumerate() {
                z += w[1 + k] * f64::from(*x);
            }
            for &j in idx {
                z += w[1 + N_FEATURES + j] * scale;
            }
            let err = (logistic(z) - if e.is_lead { 1.0 } else { 0.0 }) / n;
            grad[0] += err;
            for (k, x) in e.features.values.iter().enumerate() {
                grad[1 + k] += err * f64::from(*x);
            }
            for &j in idx {
                grad[1 + N_FEATURES + j] += err * scale;
            }
        }
        for (k, f) in FEATURES.iter().enumerate() {
            grad[1 + k] += hyper.l2_features * (w[1 + k] - f.prior());
        }
        for j in 0..hashes.len() {
            grad[1 + N_FEATURES + j] += hyper.l2_ngrams * w[1 + N_FEATURES + j];
        }
        let (c1, c2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
        for d in 0..dims {
            m[d] = b1 * m[d] + (1.0 - b1) * grad[d];
            v[d] = b2 * v[d] + (1.0 - b2) * grad[d] * grad[d];
            w[d] -= hyper.learning_rate * (m[d] / c1) / ((v[d] / c2).sqrt() + eps);
        }
        // Projected onto the signs the features may take.
        for (k, f) in FEATURES.iter().enumerate() {
            match f.sign() {
                Some(Sign::ForALead) => w[1 + k] = w[1 + k].max(0.0),
                Some(Sign::AgainstALead) => w[1 + k] = w[1 + k].min(0.0),
                None => {}
            }
        }
    }
    let mut features = [0.0; N_FEATURES];
    features.copy_from_slice(&w[1..=N_FEATURES]);
    let mut ngrams: Vec<(u32, f64)> = hashes
        .iter()
        .enumerate()
        .map(|(j, h)| (*h, w[1 + N_FEATURES + j]))
        .filter(|(_, x)| x.abs() >= NGRAM_PRUNE)
        .collect();
    ngrams.sort_by_key(|p| p.0);
    Weights {
        bias: w[0],
        features,
        ngrams,
    }
}

/// The probability the weights give a call.
pub fn score(w: &Weights, f: &CallFeatures) -> f64 {
    logistic(w.breakdown(f).logit())
}
