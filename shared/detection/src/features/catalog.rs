//! The named features: their order (the order of the fitted weights), names, signs, priors
//! and the words a CSR reads when one is among the strongest reasons.

use super::super::lexicon::Category;

/// Declares the named features once: the enum, their order (the order of the fitted
/// weights) and their stable names (written beside each weight in the weights file).
macro_rules! features {
    ($($variant:ident => $name:literal,)*) => {
        /// The named features. Adding, removing or reordering one changes the model: `make
        /// train` must be run (a test checks the weights file matches).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Feature {
            $($variant,)*
        }

        pub const FEATURES: &[Feature] = &[$(Feature::$variant,)*];

        impl Feature {
            pub fn name(self) -> &'static str {
                match self {
                    $(Feature::$variant => $name,)*
                }
            }
        }
    };
}

features! {
    ProblemWithEquipment => "problem_with_equipment",
    Problem => "problem",
    Equipment => "equipment",
    WantsWork => "wants_work",
    AsksForService => "asks_for_service",
    AsksPrice => "asks_price",
    AsksAvailability => "asks_availability",
    Comparing => "comparing",
    Defers => "defers",
    ChecksWithPayer => "checks_with_payer",
    PriceObjection => "price_objection",
    Urgent => "urgent",
    AgentQuoted => "agent_quoted",
    AgentOfferedVisit => "agent_offered_visit",
    AgentOfferedSlot => "agent_offered_slot",
    AgentOfferedPlan => "agent_offered_plan",
    AgentAskedToBook => "agent_asked_to_book",
    AgentDiagnosed => "agent_diagnosed",
    ExistingWork => "existing_work",
    AgentFoundExisting => "agent_found_existing",
    WarrantyOnOwnWork => "warranty_on_own_work",
    Warranty => "warranty",
    Billing => "billing",
    Membership => "membership",
    Complaint => "complaint",
    Vendor => "vendor",
    Applicant => "applicant",
    ThirdParty => "third_party",
    Commercial => "commercial",
    Renter => "renter",
    Survey => "survey",
    Robocall => "robocall",
    WrongNumber => "wrong_number",
    Competitor => "competitor",
    Resolved => "resolved",
    Parts => "parts",
    AgentNotOffered => "agent_not_offered",
    AgentNeedsOwner => "agent_needs_owner",
    CallerBrief => "caller_brief",
    NeedAndQuestion => "need_and_question",
    PlainNeed => "plain_need",
    NoOpportunity => "no_opportunity",
}

pub const N_FEATURES: usize = FEATURES.len();

impl Feature {
    pub fn index(self) -> usize {
        self as usize
    }

    /// Which way the feature may move a score: what speaks for a sale can never count
    /// against one, and the reverse (enforced when fitting). `None`: the data decides.
    pub fn sign(self) -> Option<Sign> {
        use Feature::*;
        match self {
            ProblemWithEquipment | Problem | WantsWork | AsksForService | AsksPrice
            | AsksAvailability | Comparing | Defers | ChecksWithPayer | PriceObjection | Urgent
            | AgentQuoted | AgentOfferedVisit | AgentOfferedSlot | AgentOfferedPlan
            | AgentAskedToBook | NeedAndQuestion | PlainNeed => Some(Sign::ForALead),
            ExistingWork | AgentFoundExisting | WarrantyOnOwnWork | Billing | Membership
            | Complaint | Vendor | Applicant | ThirdParty | Renter | Survey | Robocall
            | WrongNumber | Competitor | Resolved | Parts | AgentNotOffered | AgentNeedsOwner
            | NoOpportunity => Some(Sign::AgainstALead),
            Equipment | AgentDiagnosed | Warranty | CallerBrief | Commercial => None,
        }
    }

    /// The weight fitting starts from and is pulled back to (logits). Zero for most; for the
    /// callers who cannot be customers whatever words they use (robocalls, vendors, job
    /// applicants, surveys, wrong numbers, competitors), a clear negative: the corpus holds
    /// few of them, and almost none that also sound like a sale, so the data alone cannot say
    /// how much a robocall's "lower your rate" should count against its "rate".
    pub fn prior(self) -> f64 {
        use Feature::*;
        match self {
            Vendor | Applicant | Survey | Robocall | WrongNumber | Competitor => -2.0,
            _ => 0.0,
        }
    }

    /// What a CSR reads when this feature is among the strongest reasons.
    pub fn reason(self, category: Option<Category>) -> &'static str {
        use Feature::*;
        match self {
            ProblemWithEquipment => category.unwrap_or(Category::Home).problem_reason(),
            Problem => "caller described a problem",
            Equipment => "caller talked about equipment or a part of their home",
            WantsWork => "caller wants work done (a repair, replacement, installation or estimate)",
            AsksForService => "caller asked for service or a visit",
            AsksPrice => "caller asked about price",
            AsksAvailability => "caller asked when someone could come",
            Comparing => "caller is comparing companies or quotes",
            Defers => "caller said they would think about it or call back",
            ChecksWithPayer => "caller wants to check with their insurance or home warranty first",
            PriceObjection => "caller hesitated at the price",
            Urgent => "caller said it is urgent",
            AgentQuoted => "agent quoted a price or fee",
            AgentOfferedVisit => "agent offered a visit or an estimate",
            AgentOfferedSlot => "agent offered an appointment time",
            AgentOfferedPlan => "agent offered financing, a plan or a discount",
            AgentAskedToBook => "agent asked to book the job",
            AgentDiagnosed => "agent suggested what the problem is",
            ExistingWork => "caller asked about work already booked or done",
            AgentFoundExisting => "agent found an existing job, order or account",
            WarrantyOnOwnWork => "a warranty follow-up on the company's own work",
            Warranty => "caller mentioned a warranty",
            Billing => "a billing or payment question",
            Membership => "a question about an existing membership or plan",
            Complaint => "a complaint about earlier work",
            Vendor => "caller was selling something to the business",
            Applicant => "caller asked about a job with the company",
            ThirdParty => "caller represents another party (realtor, adjuster, inspector)",
            Commercial => "caller speaks for a business or property with several units",
            Renter => "caller is a renter who cannot authorise work",
            Survey => "the call was a survey",
            Robocall => "automated call or spam",
            WrongNumber => "caller reached a wrong number",
            Competitor => "caller works for another contractor",
            Resolved => "caller's problem was already solved",
            Parts => "caller wanted parts or to do the work themselves",
            AgentNotOffered => "the company does not offer this service",
            AgentNeedsOwner => "agent needs the property owner's approval",
            CallerBrief => "caller said very little",
            NeedAndQuestion => "caller described what they need and asked about price or timing",
            PlainNeed => "caller described a need, and nothing says it is anything but new work",
            NoOpportunity => "nobody described a need, asked for work or quoted a price",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    ForALead,
    AgainstALead,
}
