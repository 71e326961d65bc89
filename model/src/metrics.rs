//! Precision, recall and where to put the thresholds.

use scl_detection::model::Thresholds;

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
pub fn calibrate(scores: &[f64], labels: &[bool]) -> Thresholds {
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
    fn calibration_orders_the_levels_and_balanced_separates_clean_data() {
        let scores = [0.1, 0.2, 0.3, 0.45, 0.6, 0.7, 0.8, 0.9];
        let labels = [false, false, false, true, false, true, true, true];
        let t = calibrate(&scores, &labels);
        assert!(t.lenient < t.balanced && t.balanced < t.strict, "{t:?}");
        let c = Confusion::at(&scores, &labels, t.strict);
        assert!(c.precision() >= STRICT_PRECISION);
        let c = Confusion::at(&scores, &labels, t.lenient);
        assert_eq!(c.recall(), 1.0);
    }
}
