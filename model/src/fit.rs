//! L2-regularised logistic regression over the named features and the hashed n-gram buckets,
//! fitted by full-batch Adam. Deterministic: the same examples in the same order give the same
//! weights, bit for bit, on the same platform.

use scl_detection::features::{CallFeatures, Sign, FEATURES, HASH_BUCKETS, N_FEATURES};
use scl_detection::model::{logistic, HashedWeights, Weights};

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
    /// L2 strength on the hashed buckets.
    pub l2_hashed: f64,
    pub iterations: usize,
    pub learning_rate: f64,
}

/// Chosen by leave-one-writer-out cross-validation on the training writers (model/README.md);
/// never on the blind split.
pub const HYPER: Hyper = Hyper {
    l2_features: 0.003,
    l2_hashed: 0.0005,
    iterations: 400,
    learning_rate: 0.05,
};

const OFFSET: usize = 1 + N_FEATURES;

pub fn fit(examples: &[&Example], hyper: Hyper) -> Weights {
    let dims = OFFSET + HASH_BUCKETS;
    let mut w = vec![0.0f64; dims];
    for (k, f) in FEATURES.iter().enumerate() {
        w[1 + k] = f.prior();
    }
    // Only the buckets some example uses move (the rest have no gradient but their L2, and
    // start at zero), so the update skips the others.
    let mut used = vec![false; HASH_BUCKETS];
    for e in examples {
        for &(b, _) in &e.features.hashed {
            used[b as usize] = true;
        }
    }
    let active: Vec<usize> = (0..1 + N_FEATURES)
        .chain((0..HASH_BUCKETS).filter(|&b| used[b]).map(|b| OFFSET + b))
        .collect();
    let (mut m, mut v) = (vec![0.0f64; dims], vec![0.0f64; dims]);
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8f64);
    let n = examples.len().max(1) as f64;
    let mut grad = vec![0.0f64; dims];
    for t in 1..=hyper.iterations {
        for &d in &active {
            grad[d] = 0.0;
        }
        for e in examples {
            let mut z = w[0];
            for (k, x) in e.features.values.iter().enumerate() {
                z += w[1 + k] * f64::from(*x);
            }
            for &(b, x) in &e.features.hashed {
                z += w[OFFSET + b as usize] * f64::from(x);
            }
            let err = (logistic(z) - if e.is_lead { 1.0 } else { 0.0 }) / n;
            grad[0] += err;
            for (k, x) in e.features.values.iter().enumerate() {
                grad[1 + k] += err * f64::from(*x);
            }
            for &(b, x) in &e.features.hashed {
                grad[OFFSET + b as usize] += err * f64::from(x);
            }
        }
        for (k, f) in FEATURES.iter().enumerate() {
            grad[1 + k] += hyper.l2_features * (w[1 + k] - f.prior());
        }
        for &d in active.iter().filter(|&&d| d >= OFFSET) {
            grad[d] += hyper.l2_hashed * w[d];
        }
        let (c1, c2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
        for &d in &active {
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
    features.copy_from_slice(&w[1..OFFSET]);
    Weights {
        bias: w[0],
        features,
        hashed: HashedWeights::Dense(w[OFFSET..].iter().map(|&x| x as f32).collect()),
    }
}

/// The logit the weights give a call (before calibration).
pub fn logit(w: &Weights, f: &CallFeatures) -> f64 {
    w.breakdown(f).logit()
}

/// The hashed weights as shipped: one signed byte per bucket and the scale that multiplies
/// them (the largest weight maps to ±127).
pub fn quantise(hashed: &HashedWeights) -> (Vec<u8>, f64) {
    let weights: Vec<f64> = (0..HASH_BUCKETS as u32).map(|b| hashed.get(b)).collect();
    let max = weights.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    if max == 0.0 {
        return (vec![0; HASH_BUCKETS], 0.0);
    }
    let scale = max / 127.0;
    let table = weights
        .iter()
        .map(|w| ((w / scale).round().clamp(-127.0, 127.0) as i8) as u8)
        .collect();
    (table, scale)
}
