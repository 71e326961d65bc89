//! `make eval`: how well the detector finds leads on calls it was not fitted on, and the floors
//! it must stay above (`make test` runs the same evaluation).
//!
//! - Leave one writer out: every training call scored by a model fitted, calibrated and given
//!   its thresholds without any call of its writer; per writer (each wrote one style family),
//!   per trade family, per call length, and precision at the realistic lead rate.
//! - Leave one trade family out: every call scored by a model that never saw a call of its
//!   family — how the detector does on a trade it has never heard of.
//! - The blind split (`model/corpus/blind/`), written by writers whose calls nobody designing
//!   the detector reads, scored by the model that ships; this module is the only code that
//!   opens it. Only aggregate figures are printed.
//!
//! `make eval` appends every run to `model/EVALUATIONS.md` (date, commit, figures).

use std::collections::BTreeMap;

use scl_detection::adaptation::Adjustment;
use scl_detection::{score_call, Strictness};

use crate::corpus::{self, Call, CorpusError};
use crate::fit::{Example, Hyper};
use crate::metrics::{Confusion, REALISTIC_LEAD_RATE};
use crate::trades::FAMILIES;
use crate::{examples, held_out_scores, Groups};

/// The floors `make test` enforces, at the default strictness (balanced).
pub const FLOOR_CV: f64 = 0.92;
pub const FLOOR_BLIND: f64 = 0.92;
pub const FLOOR_NEW_TRADE_RECALL: f64 = 0.90;

/// The evaluation's figures, as lines to print, and the floors it fell below.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
    pub below_floor: Vec<String>,
}

impl Report {
    fn line(&mut self, s: String) {
        println!("{s}");
        self.lines.push(s);
    }

    fn floor(&mut self, what: &str, value: f64, floor: f64) {
        if value < floor {
            self.below_floor
                .push(format!("{what}: {value:.3} is below {floor:.2}"));
        }
    }
}

fn pct(c: &Confusion) -> String {
    format!(
        "P {:.3} R {:.3} (n {}, {} leads)",
        c.precision(),
        c.recall(),
        c.tp + c.fp + c.fn_ + c.tn,
        c.tp + c.fn_
    )
}

/// Precision if negatives were as common, relative to leads, as at `REALISTIC_LEAD_RATE`.
fn precision_at_realistic_rate(c: &Confusion) -> f64 {
    let (leads, others) = ((c.tp + c.fn_) as f64, (c.fp + c.tn) as f64);
    if leads == 0.0 || others == 0.0 || c.tp == 0 {
        return 0.0;
    }
    let weight = (leads / others) * (1.0 - REALISTIC_LEAD_RATE) / REALISTIC_LEAD_RATE;
    c.tp as f64 / (c.tp as f64 + c.fp as f64 * weight)
}

fn length_band(c: &Call) -> &'static str {
    match c.turns() {
        0..=3 => "terse (2-3 turns)",
        4..=9 => "medium (4-9 turns)",
        _ => "long (10+ turns)",
    }
}

/// Confusions of `predicted` against the calls' labels, grouped by `key`.
fn grouped<'a>(
    calls: &'a [Call],
    predicted: &[bool],
    key: impl Fn(&'a Call) -> String,
) -> BTreeMap<String, Confusion> {
    let mut out: BTreeMap<String, Confusion> = BTreeMap::new();
    for (c, p) in calls.iter().zip(predicted) {
        out.entry(key(c)).or_default().add(*p, c.is_lead);
    }
    out
}

/// Held-out predictions at one strictness level, from `held_out_scores`.
fn predictions(scored: &[(f64, scl_detection::model::Thresholds)], level: Strictness) -> Vec<bool> {
    scored
        .iter()
        .map(|(s, t)| {
            *s >= match level {
                Strictness::Lenient => t.lenient,
                Strictness::Balanced => t.balanced,
                Strictness::Strict => t.strict,
            }
        })
        .collect()
}

fn total(calls: &[Call], predicted: &[bool]) -> Confusion {
    let mut c = Confusion::default();
    for (call, p) in calls.iter().zip(predicted) {
        c.add(*p, call.is_lead);
    }
    c
}

/// Which measurements to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything, the blind split included (`make eval`, `make test`).
    Everything,
    /// The training writers only (`scl-eval --training-only`): for feature work, which must
    /// never look at the blind split.
    TrainingOnly,
}

/// Runs the measurements, printing as it goes.
pub fn run(scope: Scope, hyper: Hyper, inner: usize) -> Result<Report, CorpusError> {
    let mut r = Report::default();
    let calls = crate::training_calls()?;
    let examples: Vec<Example> = examples(&calls);
    let writers = Groups::by_writer(&calls);
    let leads = calls.iter().filter(|c| c.is_lead).count();
    let trades = calls
        .iter()
        .map(|c| c.trade.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    r.line(format!(
        "detection corpus: {} training calls from {} writers, {} leads, {} trades",
        calls.len(),
        writers.len(),
        leads,
        trades
    ));

    // Leave one writer out.
    let by_writer = held_out_scores(&examples, &writers, hyper, inner);
    for level in [
        Strictness::Lenient,
        Strictness::Balanced,
        Strictness::Strict,
    ] {
        let c = total(&calls, &predictions(&by_writer, level));
        r.line(format!("detection, leave-one-writer-out at {level:?}: {c}"));
    }
    let balanced = predictions(&by_writer, Strictness::Balanced);
    let cv = total(&calls, &balanced);
    r.floor("leave-one-writer-out precision", cv.precision(), FLOOR_CV);
    r.floor("leave-one-writer-out recall", cv.recall(), FLOOR_CV);
    r.line(format!(
        "detection, leave-one-writer-out precision at the realistic lead rate ({:.0}% leads): {:.3}",
        REALISTIC_LEAD_RATE * 100.0,
        precision_at_realistic_rate(&cv)
    ));
    for (writer, c) in grouped(&calls, &balanced, |c| format!("{} ({})", c.writer, c.style)) {
        r.line(format!("  by writer  {writer:<60} {}", pct(&c)));
    }
    for (family, c) in grouped(&calls, &balanced, |c| c.family.name().to_owned()) {
        r.line(format!("  by family  {family:<16} {}", pct(&c)));
    }
    for (band, c) in grouped(&calls, &balanced, |c| length_band(c).to_owned()) {
        r.line(format!("  by length  {band:<20} {}", pct(&c)));
    }

    // Leave one trade family out.
    let families = Groups::by_family(&calls);
    let by_family = held_out_scores(&examples, &families, hyper, inner);
    let unseen = predictions(&by_family, Strictness::Balanced);
    let c = total(&calls, &unseen);
    r.line(format!(
        "detection, leave-one-trade-family-out at Balanced: {c}"
    ));
    r.floor(
        "recall on trade families absent from training",
        c.recall(),
        FLOOR_NEW_TRADE_RECALL,
    );
    let per_family = grouped(&calls, &unseen, |c| c.family.name().to_owned());
    for family in FAMILIES {
        if let Some(c) = per_family.get(family.name()) {
            r.line(format!(
                "  {:<16} held out of training: {}",
                family.name(),
                pct(c)
            ));
        }
    }

    if scope == Scope::TrainingOnly {
        return Ok(r);
    }
    // The blind split, scored by the model that ships.
    let blind = corpus::load_dir(&crate::blind_dir())?;
    for (file, label) in [("b01", "balanced"), ("b02", "realistic mix")] {
        let calls: Vec<&Call> = blind.iter().filter(|c| c.writer == file).collect();
        if calls.is_empty() {
            r.line(format!("detection, blind split ({label}): no calls"));
            continue;
        }
        let scores: Vec<f64> = calls
            .iter()
            .map(|c| score_call(&c.utterances(), &c.extra(), &Adjustment::default()).score)
            .collect();
        let labels: Vec<bool> = calls.iter().map(|c| c.is_lead).collect();
        for level in [
            Strictness::Lenient,
            Strictness::Balanced,
            Strictness::Strict,
        ] {
            let c = Confusion::at(&scores, &labels, level.threshold());
            r.line(format!(
                "detection, blind split ({label}, {} calls) at {level:?} ({:.3}): {c}",
                calls.len(),
                level.threshold()
            ));
            if level == Strictness::Balanced && file == "b01" {
                r.floor("blind split precision", c.precision(), FLOOR_BLIND);
                r.floor("blind split recall", c.recall(), FLOOR_BLIND);
            }
        }
    }
    Ok(r)
}
