//! The trades the corpus covers, by family (model/corpus/BRIEF.md has the same table): the
//! evaluation reports quality per family and holds each family out of training in turn, to
//! show how the detector does on trades it has never seen.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Climate,
    Plumbing,
    Electrical,
    Exterior,
    Interior,
    Outdoor,
    PestsCleaning,
    Equipment,
    Restoration,
}

pub const FAMILIES: [Family; 9] = [
    Family::Climate,
    Family::Plumbing,
    Family::Electrical,
    Family::Exterior,
    Family::Interior,
    Family::Outdoor,
    Family::PestsCleaning,
    Family::Equipment,
    Family::Restoration,
];

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Climate => "climate",
            Family::Plumbing => "plumbing",
            Family::Electrical => "electrical",
            Family::Exterior => "exterior",
            Family::Interior => "interior",
            Family::Outdoor => "outdoor",
            Family::PestsCleaning => "pests-cleaning",
            Family::Equipment => "equipment",
            Family::Restoration => "restoration",
        }
    }

    pub fn trades(self) -> &'static [&'static str] {
        match self {
            Family::Climate => &[
                "hvac",
                "boiler-radiator",
                "duct-cleaning",
                "insulation",
                "chimney",
            ],
            Family::Plumbing => &[
                "plumbing",
                "water-heater",
                "drain-sewer",
                "septic",
                "well-pump",
                "water-treatment",
            ],
            Family::Electrical => &[
                "electrical",
                "generator",
                "solar",
                "ev-charger",
                "lighting",
                "low-voltage",
            ],
            Family::Exterior => &[
                "roofing",
                "gutters",
                "siding",
                "windows-doors",
                "decks-fences",
                "concrete-masonry",
                "foundation",
                "waterproofing",
            ],
            Family::Interior => &[
                "painting",
                "flooring",
                "cabinets-countertops",
                "drywall",
                "remodeling",
                "handyman",
                "carpet-cleaning",
                "closets-organizing",
            ],
            Family::Outdoor => &[
                "landscaping",
                "lawn-care",
                "tree-care",
                "irrigation",
                "pools-spas",
                "snow-removal",
                "pressure-washing",
            ],
            Family::PestsCleaning => &[
                "pest-control",
                "termite",
                "wildlife-removal",
                "house-cleaning",
                "junk-removal",
                "dryer-vent",
            ],
            Family::Equipment => &[
                "appliance-repair",
                "garage-doors",
                "locksmith",
                "security-alarm",
                "moving",
                "window-cleaning",
            ],
            Family::Restoration => &["water-damage", "fire-smoke", "mold-remediation"],
        }
    }
}

/// The family of a trade key, `None` for a key the brief does not list.
pub fn family_of(trade: &str) -> Option<Family> {
    FAMILIES.into_iter().find(|f| f.trades().contains(&trade))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_five_trades_each_in_one_family() {
        let all: Vec<&str> = FAMILIES
            .iter()
            .flat_map(|f| f.trades().iter().copied())
            .collect();
        assert_eq!(all.len(), 55);
        for t in &all {
            assert_eq!(all.iter().filter(|u| *u == t).count(), 1, "{t}");
            assert!(family_of(t).is_some());
        }
        assert_eq!(family_of("septic"), Some(Family::Plumbing));
        assert_eq!(family_of("pizza"), None);
    }
}
