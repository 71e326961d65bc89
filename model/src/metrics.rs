//! Precision, recall and where to put the thresholds.

use scl_detection::model::{Calibration, Thresholds};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confusion {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
}

impl Confusion {
    pub fn at(scores: &[f64], labels: &[bool], threshold: f64) -> Self {
        let mut c = Confusion::default();
        for (s, l) in scores.iter().zip(labels) {
            c.add(*s >= threshold, *l);
        }
        c
    }

    pub fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    pub fn merge(&mut self, o: Confusion) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.tn += o.tn;
    }

    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

impl std::fmt::Display for Confusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "precision {:.3} recall {:.3} F1 {:.3} (tp {} fp {} fn {} tn {})",
            self.precision(),
            self.recall(),
            self.f1(),
            self.tp,
            self.fp,
            self.fn_,
            self.tn
        )
    }
}

/// Thresholds between consecutive distinct scores, so a threshold never sits on a score.
fn candidates(scores: &[f64]) -> Vec<f64> {
    let mut s: Vec<f64> = scores.to_vec();
    s.sort_by(f64::total_cmp);
    s.dedup();
    let mut c = vec![0.0];
    c.extend(s.windows(2).map(|w| (w[0] + w[1]) / 2.0));
    c.push(1.0);
    c
}

/// Precision `strict` aims for.
pub const STRICT_PRECISION: f64 = 0.95;
/// Recall `lenient` keeps.
pub const LENIENT_RECALL: f64 = 0.98;

/// The least distance between strictness levels, in logits (a factor of e in the odds).
pub const LEVEL_GAP: f64 = 1.0;

fn shift_logit(p: f64, by: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    let z = (p / (1.0 - p)).ln() + by;
    1.0 / (1.0 + (-z).exp())
}

/// Calibrates the strictness levels on (cross-validated) scores:
/// - `balanced`: the best F1 (the middle of the best plateau, for a margin either side);
/// - `strict`: at least the lowest threshold at which precision reaches 0.95, and at least the
///   best F0.5 (precision weighted over recall) — never below `balanced`;
/// - `lenient`: the highest threshold that keeps 98% of the leads, never above `balanced`;
/// - and `lenient` and `strict` at least one logit either side of `balanced`.
pub fn calibrate_thresholds(scores: &[f64], labels: &[bool]) -> Thresholds {
    let cands = candidates(scores);
    let f1s: Vec<f64> = cands
        .iter()
        .map(|&t| Confusion::at(scores, labels, t).f1())
        .collect();
    let best = f1s.iter().copied().fold(f64::MIN, f64::max);
    let plateau: Vec<f64> = cands
        .iter()
        .zip(&f1s)
        .filter(|(_, f)| (**f - best).abs() < 1e-12)
        .map(|(t, _)| *t)
        .collect();
    let balanced = plateau[plateau.len() / 2];
    let reaches_precision = cands
        .iter()
        .copied()
        .find(|&t| {
            let c = Confusion::at(scores, labels, t);
            c.tp > 0 && c.precision() >= STRICT_PRECISION
        })
        .unwrap_or(balanced);
    // Where balanced is already that precise, strict still weighs precision over recall:
    // the middle of the best F0.5 plateau above balanced.
    let f05 = |t: f64| {
        let c = Confusion::at(scores, labels, t);
        let (p, r) = (c.precision(), c.recall());
        if p + r == 0.0 {
            0.0
        } else {
            1.25 * p * r / (0.25 * p + r)
        }
    };
    let above: Vec<f64> = cands.iter().copied().filter(|&t| t >= balanced).collect();
    let best_f05 = above.iter().map(|&t| f05(t)).fold(f64::MIN, f64::max);
    let f05_plateau: Vec<f64> = above
        .iter()
        .copied()
        .filter(|&t| (f05(t) - best_f05).abs() < 1e-12)
        .collect();
    let precise = f05_plateau[f05_plateau.len() / 2];
    // The levels stay at least `LEVEL_GAP` logits apart, so each setting really changes
    // something even where the calibration data cannot tell them apart.
    let strict = reaches_precision
        .max(precise)
        .max(shift_logit(balanced, LEVEL_GAP));
    let lenient = cands
        .iter()
        .copied()
        .rev()
        .find(|&t| Confusion::at(scores, labels, t).recall() >= LENIENT_RECALL)
        .unwrap_or(0.0)
        .min(shift_logit(balanced, -LEVEL_GAP));
    Thresholds {
        lenient,
        balanced,
        strict,
    }
}

/// The share of leads among the calls the detector really sees (answered, unbooked, long
/// enough): about a third (model/corpus/BRIEF.md's realistic mix is written at that rate).
pub const REALISTIC_LEAD_RATE: f64 = 1.0 / 3.0;

/// Platt scaling of held-out logits (`p = σ(slope·z + intercept)`, fitted by Newton's method
/// on Platt's smoothed targets), its intercept then moved from the corpus's lead rate to
/// `REALISTIC_LEAD_RATE`, so a score reads as the chance that a call like it is a lead.
pub fn calibrate_probability(logits: &[f64], labels: &[bool]) -> Calibration {
    let positives = labels.iter().filter(|l| **l).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return Calibration::IDENTITY;
    }
    let hi = (positives + 1.0) / (positives + 2.0);
    let lo = 1.0 / (negatives + 2.0);
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..50 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for (&z, &l) in logits.iter().zip(labels) {
            let t = if l { hi } else { lo };
            let p = 1.0 / (1.0 + (-(a * z + b)).exp());
            let d = p - t;
            let w = p * (1.0 - p);
            ga += d * z;
            gb += d;
            haa += w * z * z;
            hab += w * z;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-10 {
            break;
        }
    }
    let rate = positives / labels.len() as f64;
    let odds = |p: f64| (p / (1.0 - p)).ln();
    Calibration {
        slope: a,
        intercept: b + odds(REALISTIC_LEAD_RATE) - odds(rate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_counts_and_rates() {
        let c = Confusion::at(&[0.9, 0.8, 0.3, 0.1], &[true, false, true, false], 0.5);
        assert_eq!(
            c,
            Confusion {
                tp: 1,
                fp: 1,
                fn_: 1,
                tn: 1
            }
        );
        assert_eq!(c.precision(), 0.5);
        assert_eq!(c.recall(), 0.5);
    }

    #[test]
    fn platt_scaling_recovers_a_known_calibration_and_moves_to_the_realistic_rate() {
        // Logits whose true probability is σ(0.5 z), labels drawn deterministically from it.
        let mut logits = Vec::new();
        let mut labels = Vec::new();
        for i in 0..4000 {
            let z = (i % 200) as f64 / 20.0 - 5.0;
            let p = 1.0 / (1.0 + (-0.5 * z).exp());
            let u = ((i as u64 * 2_654_435_761) % 10_000) as f64 / 10_000.0;
            logits.push(z);
            labels.push(u < p);
        }
        let c = calibrate_probability(&logits, &labels);
        assert!((c.slope - 0.5).abs() < 0.08, "{c:?}");
        // The corpus is half leads; at a third, even odds become 1:2.
        assert!((c.probability(0.0) - 1.0 / 3.0).abs() < 0.05, "{c:?}");
    }

    #[test]
    fn calibration_orders_the_levels_and_balanced_separates_clean_data() {
        let scores = [0.1, 0.2, 0.3, 0.45, 0.6, 0.7, 0.8, 0.9];
        let labels = [false, false, false, true, false, true, true, true];
        let t = calibrate_thresholds(&scores, &labels);
        assert!(t.lenient < t.balanced && t.balanced < t.strict, "{t:?}");
        let c = Confusion::at(&scores, &labels, t.strict);
        assert!(c.precision() >= STRICT_PRECISION);
        let c = Confusion::at(&scores, &labels, t.lenient);
        assert_eq!(c.recall(), 1.0);
    }
}
