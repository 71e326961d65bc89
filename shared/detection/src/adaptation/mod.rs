//! Per-business learning from CSR feedback (docs/product.md, Which calls become
//! leads; docs/api.md, detection labels).
//!
//! Each labelled lead carries the distinctive words its caller used. For every word the
//! business keeps how many of its labelled leads used it and how they were labelled. A word
//! becomes part of the business's *adjustment* only when
//! - at least `MIN_LABELS` labelled leads used it, and at least `AGREEMENT` of them agree, and
//! - at least `MIN_LABELLERS` different people (CSRs, or the booking system) gave those labels,
//!
//! and then moves a call's logit by at most `TERM_CAP`, with the whole adjustment of a call
//! capped at `TOTAL_CAP`. So a plumber whose CSRs keep dismissing "septic pumping" calls stops
//! getting them flagged, words shared by its real leads stay neutral (their labels disagree),
//! one careless CSR cannot teach anything alone, and no business can switch detection off:
//! a call the base model scores at the strict threshold or above is never pushed below it
//! (`bounded_shift`), unless the call shares a word that at least `STRONG_LABELS` consistent
//! labels from at least `MIN_LABELLERS` people marked Not a Lead.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub const MIN_LABELS: u32 = 4;
pub const MIN_LABELLERS: usize = 2;
pub const AGREEMENT: f64 = 0.8;
pub const TERM_CAP: f64 = 1.5;
pub const TOTAL_CAP: f64 = 4.0;
/// Consistent labels a word needs before it may un-flag a call the base model is sure of.
pub const STRONG_LABELS: u32 = 8;
/// Words tracked per business; the least used are forgotten first.
pub const MAX_TRACKED_TERMS: usize = 400;
/// The label givers remembered per word and label (enough to tell one from several).
const MAX_LABELLERS_KEPT: usize = 3;

/// What a CSR's disposition says about detection (docs/api.md, Near misses and detection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Lead,
    NotALead,
}

/// The adjustment ingestion applies: the active words and their weights (logits), and which of
/// them are backed by `STRONG_LABELS` consistent labels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub strong: BTreeSet<String>,
}

impl Adjustment {
    pub fn is_active(&self) -> bool {
        !self.weights.is_empty()
    }

    /// The shift of a call's logit, from the words it shares with the adjustment.
    pub fn logit_for(&self, terms: &[String]) -> f64 {
        if self.weights.is_empty() {
            return 0.0;
        }
        let sum: f64 = terms.iter().filter_map(|t| self.weights.get(t)).sum();
        sum.clamp(-TOTAL_CAP, TOTAL_CAP)
    }
}

/// The shift of a call's logit the business's adjustment may make, given the base model's
/// (calibrated) logit and the strict threshold's: the adjustment as it is, except that a call
/// at or above the strict threshold is not pushed below it unless one of its words is backed
/// by `STRONG_LABELS` consistent Not a Lead labels.
pub fn bounded_shift(adjustment: &Adjustment, terms: &[String], base: f64, strict: f64) -> f64 {
    let shift = adjustment.logit_for(terms);
    if shift >= 0.0 || base < strict {
        return shift;
    }
    let strongly_unwanted = terms.iter().any(|t| {
        adjustment.strong.contains(t) && adjustment.weights.get(t).is_some_and(|w| *w < 0.0)
    });
    if strongly_unwanted {
        shift
    } else {
        shift.max(strict - base)
    }
}

/// How one word was labelled at one business.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermEvidence {
    pub lead: u32,
    pub not_a_lead: u32,
    #[serde(default)]
    pub lead_by: Vec<String>,
    #[serde(default)]
    pub not_a_lead_by: Vec<String>,
}

impl TermEvidence {
    /// At least `STRONG_LABELS` labels, agreeing, from at least `MIN_LABELLERS` people.
    fn strong(&self) -> bool {
        self.weight().is_some() && self.lead.max(self.not_a_lead) >= STRONG_LABELS
    }

    fn weight(&self) -> Option<f64> {
        let n = self.lead + self.not_a_lead;
        if n < MIN_LABELS {
            return None;
        }
        let (major, minor, by) = if self.not_a_lead >= self.lead {
            (self.not_a_lead, self.lead, &self.not_a_lead_by)
        } else {
            (self.lead, self.not_a_lead, &self.lead_by)
        };
        if f64::from(major) / f64::from(n) < AGREEMENT || by.len() < MIN_LABELLERS {
            return None;
        }
        let strength =
            (0.5 * ((f64::from(major) + 0.5) / (f64::from(minor) + 0.5)).ln()).min(TERM_CAP);
        Some(if self.not_a_lead >= self.lead {
            -strength
        } else {
            strength
        })
    }
}

/// Labels counted so far, for `GET /detection/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelTotals {
    pub lead: u32,
    pub not_a_lead: u32,
    /// Of those, leads that were promoted from near misses (detection did not flag them, so
    /// they say nothing about its precision).
    pub promoted_lead: u32,
    pub promoted_not_a_lead: u32,
}

impl LabelTotals {
    /// Of the flagged leads CSRs labelled, the share that were leads; `None` before any label.
    pub fn precision(&self) -> Option<f64> {
        let right = self.lead.saturating_sub(self.promoted_lead);
        let wrong = self.not_a_lead.saturating_sub(self.promoted_not_a_lead);
        (right + wrong > 0).then(|| f64::from(right) / f64::from(right + wrong))
    }
}

/// The label counted for one lead, so a lead is counted once per label whatever is
/// redelivered, and a changed disposition moves its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedLabel {
    pub label: Label,
    pub promoted: bool,
    /// The learning epoch it was counted in: a reset starts a new one, and labels counted
    /// before it are no longer in the word counts.
    pub epoch: u32,
    /// The words it was counted under (a later call attached to the lead may bring others).
    pub terms: Vec<String>,
}

/// A business's learning state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Learning {
    pub epoch: u32,
    pub totals: LabelTotals,
    /// Never stored empty: DynamoDB Local's stream renders an empty map as `{}`, which no SDK
    /// can read, and that would stall every reader of the stream.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub terms: BTreeMap<String, TermEvidence>,
}

/// A lead's label as it now stands, and what it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled<'a> {
    pub label: Option<Label>,
    pub promoted: bool,
    pub terms: &'a [String],
    /// Who gave the label: a CSR's user id, or the booking system.
    pub by: &'a str,
}

fn remember(by: &mut Vec<String>, who: &str) {
    if by.len() < MAX_LABELLERS_KEPT && !by.iter().any(|b| b == who) {
        by.push(who.to_owned());
    }
}

impl Learning {
    /// Moves a lead from the label counted for it (if any) to its current one; returns what
    /// is now counted. Counting the same label again changes nothing.
    pub fn relabel(
        &mut self,
        counted: Option<&CountedLabel>,
        now: &Labelled<'_>,
    ) -> Option<CountedLabel> {
        if let Some(c) = counted {
            if Some(c.label) == now.label {
                return Some(c.clone());
            }
            let t = &mut self.totals;
            match (c.label, c.promoted) {
                (Label::Lead, p) => {
                    t.lead = t.lead.saturating_sub(1);
                    if p {
                        t.promoted_lead = t.promoted_lead.saturating_sub(1);
                    }
                }
                (Label::NotALead, p) => {
                    t.not_a_lead = t.not_a_lead.saturating_sub(1);
                    if p {
                        t.promoted_not_a_lead = t.promoted_not_a_lead.saturating_sub(1);
                    }
                }
            }
            if c.epoch == self.epoch {
                for term in &c.terms {
                    if let Some(e) = self.terms.get_mut(term) {
                        match c.label {
                            Label::Lead => e.lead = e.lead.saturating_sub(1),
                            Label::NotALead => e.not_a_lead = e.not_a_lead.saturating_sub(1),
                        }
                    }
                }
                self.terms.retain(|_, e| e.lead + e.not_a_lead > 0);
            }
        }
        let label = now.label?;
        let t = &mut self.totals;
        match label {
            Label::Lead => {
                t.lead += 1;
                t.promoted_lead += u32::from(now.promoted);
            }
            Label::NotALead => {
                t.not_a_lead += 1;
                t.promoted_not_a_lead += u32::from(now.promoted);
            }
        }
        for term in now.terms {
            let e = self.terms.entry(term.clone()).or_default();
            match label {
                Label::Lead => {
                    e.lead += 1;
                    remember(&mut e.lead_by, now.by);
                }
                Label::NotALead => {
                    e.not_a_lead += 1;
                    remember(&mut e.not_a_lead_by, now.by);
                }
            }
        }
        self.forget_least_used();
        Some(CountedLabel {
            label,
            promoted: now.promoted,
            epoch: self.epoch,
            terms: now.terms.to_vec(),
        })
    }

    fn forget_least_used(&mut self) {
        if self.terms.len() <= MAX_TRACKED_TERMS {
            return;
        }
        let mut by_use: Vec<(u32, String)> = self
            .terms
            .iter()
            .map(|(t, e)| (e.lead + e.not_a_lead, t.clone()))
            .collect();
        by_use.sort();
        let excess = self.terms.len() - MAX_TRACKED_TERMS;
        for (_, t) in by_use.into_iter().take(excess) {
            self.terms.remove(&t);
        }
    }

    /// The adjustment these labels justify.
    pub fn adjustment(&self) -> Adjustment {
        Adjustment {
            weights: self
                .terms
                .iter()
                .filter_map(|(t, e)| e.weight().map(|w| (t.clone(), w)))
                .collect(),
            strong: self
                .terms
                .iter()
                .filter(|(_, e)| e.strong())
                .map(|(t, _)| t.clone())
                .collect(),
        }
    }

    /// Forgets what was learned (the label totals stay: they are what CSRs did).
    pub fn reset(&mut self) {
        self.epoch += 1;
        self.terms.clear();
    }
}

#[cfg(test)]
mod tests;
