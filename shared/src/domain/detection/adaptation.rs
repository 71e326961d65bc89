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
//! a call with strong evidence of a sale still scores above the threshold.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::lead::Lead;
use crate::domain::status::LeadStatus;

pub const MIN_LABELS: u32 = 4;
pub const MIN_LABELLERS: usize = 2;
pub const AGREEMENT: f64 = 0.8;
pub const TERM_CAP: f64 = 1.5;
pub const TOTAL_CAP: f64 = 4.0;
/// Words tracked per business; the least used are forgotten first.
pub const MAX_TRACKED_TERMS: usize = 400;
/// The label givers remembered per word and label (enough to tell one from several).
const MAX_LABELLERS_KEPT: usize = 3;

/// What a CSR's disposition says about detection (docs/api.md, Routes: near misses and detection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Lead,
    NotALead,
}

/// The label a lead gives as it stands: a booking recorded on it says it was a lead whatever
/// its status; `not_a_lead` says detection was wrong; working it or a promotion says right.
pub fn label_of(lead: &Lead) -> Option<Label> {
    if lead.booking.is_some() {
        return Some(Label::Lead);
    }
    match lead.status {
        LeadStatus::NotALead => Some(Label::NotALead),
        LeadStatus::CallBackAttempted
        | LeadStatus::NotFollowingUp
        | LeadStatus::NotAbleToSave
        | LeadStatus::BookedByScl
        | LeadStatus::BookedElsewhere => Some(Label::Lead),
        LeadStatus::New if lead.promoted => Some(Label::Lead),
        LeadStatus::New => None,
    }
}

/// The adjustment ingestion applies: the active words and their weights (logits).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
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
        }
    }

    /// Forgets what was learned (the label totals stay: they are what CSRs did).
    pub fn reset(&mut self) {
        self.epoch += 1;
        self.terms.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    fn label(
        l: &mut Learning,
        counted: Option<CountedLabel>,
        label: Option<Label>,
        t: &[String],
        by: &str,
    ) -> Option<CountedLabel> {
        l.relabel(
            counted.as_ref(),
            &Labelled {
                label,
                promoted: false,
                terms: t,
                by,
            },
        )
    }

    #[test]
    fn consistent_labels_from_several_people_teach_a_bounded_adjustment() {
        let mut l = Learning::default();
        let septic = terms(&["septic", "septic tank", "pump"]);
        for i in 0..3 {
            label(
                &mut l,
                None,
                Some(Label::NotALead),
                &septic,
                if i % 2 == 0 { "u1" } else { "u2" },
            );
        }
        assert!(!l.adjustment().is_active(), "three labels are not enough");
        label(&mut l, None, Some(Label::NotALead), &septic, "u1");
        let a = l.adjustment();
        assert!(a.weights["septic"] < -1.0, "{a:?}");
        assert!(a.logit_for(&septic) >= -TOTAL_CAP);
        for _ in 0..20 {
            label(&mut l, None, Some(Label::NotALead), &septic, "u1");
        }
        let a = l.adjustment();
        assert_eq!(a.weights["septic"], -TERM_CAP);
        assert_eq!(a.logit_for(&septic), -TOTAL_CAP);
    }

    #[test]
    fn one_person_alone_teaches_nothing() {
        let mut l = Learning::default();
        for _ in 0..30 {
            label(
                &mut l,
                None,
                Some(Label::NotALead),
                &terms(&["furnace"]),
                "careless",
            );
        }
        assert!(!l.adjustment().is_active());
        assert_eq!(l.totals.not_a_lead, 30);
    }

    #[test]
    fn words_shared_with_real_leads_stay_neutral() {
        let mut l = Learning::default();
        for i in 0..6 {
            let by = if i % 2 == 0 { "u1" } else { "u2" };
            label(
                &mut l,
                None,
                Some(Label::NotALead),
                &terms(&["septic", "tank"]),
                by,
            );
            label(
                &mut l,
                None,
                Some(Label::Lead),
                &terms(&["water heater", "tank"]),
                by,
            );
        }
        let a = l.adjustment();
        assert!(a.weights.contains_key("septic"));
        assert!(!a.weights.contains_key("tank"), "{a:?}");
        assert!(a.weights["water heater"] > 0.0);
    }

    #[test]
    fn a_changed_disposition_moves_the_count_and_a_repeat_changes_nothing() {
        let mut l = Learning::default();
        let t = terms(&["gutter"]);
        let c = label(&mut l, None, Some(Label::NotALead), &t, "u1");
        let again = label(&mut l, c.clone(), Some(Label::NotALead), &t, "u1");
        assert_eq!(again, c);
        assert_eq!(l.totals.not_a_lead, 1);
        let c = label(&mut l, c, Some(Label::Lead), &t, "u1");
        assert_eq!((l.totals.lead, l.totals.not_a_lead), (1, 0));
        assert_eq!(l.terms["gutter"].lead, 1);
        assert_eq!(l.terms["gutter"].not_a_lead, 0);
        let none = label(&mut l, c, None, &t, "u1");
        assert_eq!(none, None);
        assert_eq!(l.totals, LabelTotals::default());
        assert!(l.terms.is_empty());
    }

    #[test]
    fn a_reset_forgets_words_but_not_what_csrs_did() {
        let mut l = Learning::default();
        let t = terms(&["septic"]);
        let mut counted = Vec::new();
        for i in 0..5 {
            counted.push(label(
                &mut l,
                None,
                Some(Label::NotALead),
                &t,
                if i % 2 == 0 { "u1" } else { "u2" },
            ));
        }
        assert!(l.adjustment().is_active());
        l.reset();
        assert!(!l.adjustment().is_active());
        assert_eq!(l.totals.not_a_lead, 5);
        // A lead counted before the reset changes its label: the totals move, the new word
        // counts start from the new label only.
        label(&mut l, counted.pop().flatten(), Some(Label::Lead), &t, "u1");
        assert_eq!((l.totals.lead, l.totals.not_a_lead), (1, 4));
        assert_eq!(
            l.terms["septic"],
            TermEvidence {
                lead: 1,
                not_a_lead: 0,
                lead_by: vec!["u1".into()],
                not_a_lead_by: vec![]
            }
        );
    }

    #[test]
    fn precision_leaves_out_promoted_leads() {
        let t = LabelTotals {
            lead: 10,
            not_a_lead: 2,
            promoted_lead: 4,
            promoted_not_a_lead: 0,
        };
        assert_eq!(t.precision(), Some(0.75));
        assert_eq!(LabelTotals::default().precision(), None);
    }

    #[test]
    fn tracked_words_stay_bounded() {
        let mut l = Learning::default();
        for i in 0..(MAX_TRACKED_TERMS + 50) {
            label(&mut l, None, Some(Label::Lead), &[format!("w{i}")], "u1");
        }
        assert_eq!(l.terms.len(), MAX_TRACKED_TERMS);
    }
}
