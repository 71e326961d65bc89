//! L2-regularised logistic regression over the named features and the hashed n-gram buckets,
//! fitted by full-batch Adam. Deterministic: the same examples in the same order give the same
//! weights, bit for bit, on the same platform.

use scl_detection::features::{CallFeatures, Sign, FEATURES, HASH_BUCKETS, N_FEATURES};
use scl_detection::half_byte;
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

/// The shares of the rows whose gradients are summed on threads of their own. Fixed, not the
/// machine's core count: floating-point sums depend on how the rows are split, so the weights
/// `make train` writes (and `tests/detection_quality.rs` re-derives) are the same on any
/// machine. Four keeps two to four cores busy.
const PARTS: usize = 4;

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
    let parts = PARTS.min(rows.len().max(1));
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
    // What is evaluated is what ships: the buckets on their 4-bit codebook.
    let (table, levels) = quantise(&HashedWeights::Dense(
        w[OFFSET..].iter().map(|&x| x as f32).collect(),
    ));
    Weights {
        bias: w[0],
        features,
        hashed: dequantise(&table, &levels),
    }
}

/// The logit the weights give a call (before calibration).
pub fn logit(w: &Weights, f: &CallFeatures) -> f64 {
    w.breakdown(f).logit()
}

/// How many values a shipped hashed weight can take: a 4-bit code per bucket.
pub const LEVELS: usize = 16;

/// The hashed weights as shipped: a 4-bit code per bucket, two to a byte (the even bucket in
/// the low half), and the 16 values the codes stand for. The values are a codebook fitted to
/// the weights (Lloyd's algorithm, one dimension: each value the mean of the weights nearest
/// it), one of them exactly zero, where the buckets no call used stay. Weights that already
/// take at most 16 values (a fit's own output, see `fit`) come back exactly.
pub fn quantise(hashed: &HashedWeights) -> (Vec<u8>, [f32; LEVELS]) {
    let weights: Vec<f64> = (0..HASH_BUCKETS as u32).map(|b| hashed.get(b)).collect();
    let levels = codebook(&weights);
    let code = |w: f64| {
        levels
            .iter()
            .enumerate()
            .min_by(|a, b| {
                (f64::from(*a.1) - w)
                    .abs()
                    .total_cmp(&(f64::from(*b.1) - w).abs())
            })
            .map_or(0, |(i, _)| i as u8)
    };
    let table = weights
        .chunks(2)
        .map(|pair| code(pair[0]) | pair.get(1).map_or(0, |&w| code(w) << 4))
        .collect();
    (table, levels)
}

/// The 16 shipped values for these weights (index 0 is zero).
fn codebook(weights: &[f64]) -> [f32; LEVELS] {
    let mut nonzero: Vec<f64> = weights.iter().copied().filter(|w| *w != 0.0).collect();
    nonzero.sort_by(f64::total_cmp);
    let mut distinct = nonzero.clone();
    distinct.dedup();
    let mut levels = [0.0f32; LEVELS];
    if distinct.len() < LEVELS {
        for (l, w) in levels[1..].iter_mut().zip(&distinct) {
            *l = *w as f32;
        }
        return levels;
    }
    // Start at evenly spaced quantiles, then move each value to the mean of the weights
    // nearest it (zero stays: the weights nearest it are rounded to nothing).
    let n = nonzero.len();
    let mut centres: Vec<f64> = (0..LEVELS - 1)
        .map(|i| nonzero[((2 * i + 1) * n / (2 * (LEVELS - 1))).min(n - 1)])
        .collect();
    for _ in 0..100 {
        let mut sums = vec![(0.0f64, 0usize); centres.len()];
        for &w in &nonzero {
            let (best, d) = centres
                .iter()
                .enumerate()
                .map(|(i, c)| (i, (c - w).abs()))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, f64::INFINITY));
            if d < w.abs() {
                sums[best].0 += w;
                sums[best].1 += 1;
            }
        }
        let moved: Vec<f64> = centres
            .iter()
            .zip(&sums)
            .map(|(c, &(s, k))| if k == 0 { *c } else { s / k as f64 })
            .collect();
        if moved == centres {
            break;
        }
        centres = moved;
    }
    centres.sort_by(f64::total_cmp);
    for (l, c) in levels[1..].iter_mut().zip(&centres) {
        *l = *c as f32;
    }
    levels
}

/// The weights a bucket table and its codebook give back, as the trainer holds them.
pub fn dequantise(table: &[u8], levels: &[f32; LEVELS]) -> HashedWeights {
    HashedWeights::Dense(
        (0..HASH_BUCKETS)
            .map(|b| half_byte(table, b).map_or(0.0, |code| levels[usize::from(code)]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_gives_back_what_it_was_made_from_once_quantised() {
        let weights: Vec<f32> = (0..HASH_BUCKETS)
            .map(|b| match b % 7 {
                0 => 0.0,
                k => ((b * 31 % 1000) as f32 / 1000.0 - 0.5) * k as f32,
            })
            .collect();
        let (table, levels) = quantise(&HashedWeights::Dense(weights.clone()));
        assert_eq!(table.len(), HASH_BUCKETS / 2);
        assert_eq!(levels[0], 0.0);
        let once = dequantise(&table, &levels);
        // Unused buckets stay exactly zero, and weights land near their values: the weights
        // span -3..3 (15 evenly spaced values would be 0.4 apart, a mean error of 0.1).
        let errors: Vec<f64> = (0..HASH_BUCKETS as u32)
            .map(|b| {
                let (w, q) = (f64::from(weights[b as usize]), once.get(b));
                if w == 0.0 {
                    assert_eq!(q, 0.0);
                }
                (w - q).abs()
            })
            .collect();
        let mean = errors.iter().sum::<f64>() / errors.len() as f64;
        let max = errors.iter().copied().fold(0.0f64, f64::max);
        assert!(mean < 0.1 && max < 0.5, "mean {mean}, max {max}");
        // Quantising what was quantised changes nothing, so `make train` can write what the
        // fit returned.
        let (again, levels_again) = quantise(&once);
        assert_eq!((again, levels_again), (table, levels));
    }
}
