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
    /// The features of a noisy copy of the call (`augment`), fitted beside the call itself.
    pub noisy: Option<CallFeatures>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyper {
    /// L2 strength on the named features (towards each feature's prior).
    pub l2_features: f64,
    /// L2 strength on the hashed buckets.
    pub l2_hashed: f64,
    pub iterations: usize,
    pub learning_rate: f64,
    /// Fit each call's noisy copy too.
    pub augment: bool,
}

/// Chosen by leave-one-writer-out cross-validation on the training writers (model/README.md,
/// `cargo run --release -p scl-model --example tune`); never on the blind split.
pub const HYPER: Hyper = Hyper {
    l2_features: 0.003,
    l2_hashed: 0.0002,
    iterations: 400,
    learning_rate: 0.05,
    augment: true,
};

const OFFSET: usize = 1 + N_FEATURES;

/// The examples as one sparse matrix (compressed rows: each example's non-zero columns, the
/// bias first), so the fitting loops read memory in order.
struct Rows {
    start: Vec<usize>,
    column: Vec<u32>,
    value: Vec<f32>,
    label: Vec<f64>,
}

impl Rows {
    fn new(examples: &[&Example], augment: bool) -> Self {
        let mut rows = Rows {
            start: vec![0],
            column: Vec::new(),
            value: Vec::new(),
            label: Vec::new(),
        };
        let copies = examples.iter().flat_map(|e| {
            let noisy = e.noisy.as_ref().filter(|_| augment);
            std::iter::once(&e.features)
                .chain(noisy)
                .map(|f| (f, e.is_lead))
        });
        for (features, is_lead) in copies {
            rows.column.push(0);
            rows.value.push(1.0);
            for (k, x) in features.values.iter().enumerate() {
                if *x != 0.0 {
                    rows.column.push((1 + k) as u32);
                    rows.value.push(*x);
                }
            }
            for &(b, x) in &features.hashed {
                rows.column.push(OFFSET as u32 + b);
                rows.value.push(x);
            }
            rows.start.push(rows.column.len());
            rows.label.push(if is_lead { 1.0 } else { 0.0 });
        }
        rows
    }

    fn len(&self) -> usize {
        self.label.len()
    }

    /// The loss gradient over rows `from..to` (without regularisation), added into `grad`.
    fn add_gradient(&self, w: &[f64], from: usize, to: usize, scale: f64, grad: &mut [f64]) {
        for r in from..to {
            let cols = self.start[r]..self.start[r + 1];
            let mut z = 0.0;
            for k in cols.clone() {
                z += w[self.column[k] as usize] * f64::from(self.value[k]);
            }
            let err = (logistic(z) - self.label[r]) * scale;
            for k in cols {
                grad[self.column[k] as usize] += err * f64::from(self.value[k]);
            }
        }
    }
}

/// Threads the gradient is computed on: the machine's cores, at most four. Each sums its own
/// share of the rows, and the shares are added in a fixed order, so the result does not depend
/// on how the threads were scheduled.
fn threads() -> usize {
    std::env::var("SCL_FIT_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(4)))
}

pub fn fit(examples: &[&Example], hyper: Hyper) -> Weights {
    let dims = OFFSET + HASH_BUCKETS;
    let rows = Rows::new(examples, hyper.augment);
    let mut w = vec![0.0f64; dims];
    for (k, f) in FEATURES.iter().enumerate() {
        w[1 + k] = f.prior();
    }
    // Only the columns some example uses move (the rest have no gradient but their L2, and
    // start at zero), so the update skips the others.
    let mut used = vec![false; dims];
    for &c in &rows.column {
        used[c as usize] = true;
    }
    let active: Vec<usize> = (0..dims).filter(|&d| d < OFFSET || used[d]).collect();
    let (mut m, mut v) = (vec![0.0f64; dims], vec![0.0f64; dims]);
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8f64);
    let scale = 1.0 / rows.len().max(1) as f64;
    let parts = threads().min(rows.len().max(1));
    let bounds: Vec<(usize, usize)> = (0..parts)
        .map(|p| (rows.len() * p / parts, rows.len() * (p + 1) / parts))
        .collect();
    let mut grads = vec![vec![0.0f64; dims]; parts];
    let mut grad = vec![0.0f64; OFFSET];
    for t in 1..=hyper.iterations {
        std::thread::scope(|s| {
            for (g, &(from, to)) in grads.iter_mut().zip(&bounds) {
                let (rows, w, active) = (&rows, &w, &active);
                s.spawn(move || {
                    for &d in active {
                        g[d] = 0.0;
                    }
                    rows.add_gradient(w, from, to, scale, g);
                });
            }
        });
        for k in 0..OFFSET {
            let g: f64 = grads.iter().map(|g| g[k]).sum();
            let f = if k == 0 { None } else { FEATURES.get(k - 1) };
            grad[k] = g + f.map_or(0.0, |f| hyper.l2_features * (w[k] - f.prior()));
        }
        let (c1, c2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
        let adam = |g: f64, w: &mut f64, m: &mut f64, v: &mut f64| {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *w -= hyper.learning_rate * (*m / c1) / ((*v / c2).sqrt() + eps);
        };
        for k in 0..OFFSET {
            adam(grad[k], &mut w[k], &mut m[k], &mut v[k]);
        }
        // The buckets, split between the threads: each sums the threads' gradients for its
        // own buckets, adds their L2 and takes the step.
        {
            let (wb, mb, vb) = (&mut w[OFFSET..], &mut m[OFFSET..], &mut v[OFFSET..]);
            let chunk = HASH_BUCKETS.div_ceil(parts);
            let grads = &grads;
            let used = &used[OFFSET..];
            std::thread::scope(|s| {
                for (p, ((wc, mc), vc)) in wb
                    .chunks_mut(chunk)
                    .zip(mb.chunks_mut(chunk))
                    .zip(vb.chunks_mut(chunk))
                    .enumerate()
                {
                    s.spawn(move || {
                        for i in 0..wc.len() {
                            let b = p * chunk + i;
                            if !used[b] {
                                continue;
                            }
                            let g: f64 = grads.iter().map(|g| g[OFFSET + b]).sum::<f64>()
                                + hyper.l2_hashed * wc[i];
                            adam(g, &mut wc[i], &mut mc[i], &mut vc[i]);
                        }
                    });
                }
            });
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
