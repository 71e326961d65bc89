//! The kinds of phrase the lexicons list (`Lex`) and the trades equipment belongs to
//! (`Category`). Also compiled into the build script, which writes the matcher's tables
//! (`build.rs`), so this file uses nothing outside itself.

/// The trade a piece of equipment or an area belongs to, for readable reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Hvac,
    Plumbing,
    Electrical,
    Roof,
    GarageDoor,
    Appliance,
    Pest,
    Pool,
    Tree,
    Damage,
    Window,
    Yard,
    Home,
}

impl Category {
    /// "caller described a ... problem".
    pub fn problem_reason(self) -> &'static str {
        match self {
            Category::Hvac => "caller described a heating or cooling problem",
            Category::Plumbing => "caller described a plumbing problem",
            Category::Electrical => "caller described an electrical problem",
            Category::Roof => "caller described a roof or gutter problem",
            Category::GarageDoor => "caller described a garage door problem",
            Category::Appliance => "caller described an appliance problem",
            Category::Pest => "caller described a pest problem",
            Category::Pool => "caller described a pool or spa problem",
            Category::Tree => "caller described a tree problem",
            Category::Damage => "caller described water, fire or mold damage",
            Category::Window => "caller described a window or door problem",
            Category::Yard => "caller described a yard or irrigation problem",
            Category::Home => "caller described a problem in their home",
        }
    }
}

/// The kinds of phrase the detector looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lex {
    Equipment(Category),
    /// Something wrong: a leak, a noise, a smell, damage, pests.
    Fault,
    /// Something a thing should do; negated ("won't turn on") it is a fault.
    Function,
    /// Wants work done: replace, install, repair, estimate.
    Project,
    /// Asks for someone to come or for the service.
    Request,
    Price,
    Availability,
    Comparing,
    Defer,
    /// Must check with an insurer or home warranty company first.
    CheckPayer,
    Objection,
    Urgency,
    AgentQuote,
    AgentOfferVisit,
    AgentOfferSlot,
    AgentOfferPlan,
    AgentAskBook,
    AgentDiagnosis,
    AgentExisting,
    AgentNotOffered,
    AgentNeedsOwner,
    Existing,
    Warranty,
    HomeWarranty,
    Billing,
    Membership,
    Complaint,
    Vendor,
    Applicant,
    ThirdParty,
    /// A business, a landlord of several units, an association: often a buyer of work.
    Commercial,
    Renter,
    Survey,
    Robocall,
    WrongNumber,
    Competitor,
    Resolved,
    Parts,
}

impl Lex {
    /// Kinds whose meaning a negation in front of them cancels ("no leaks", "I don't need a
    /// new one", "I'm not renting"). `Function` is inverted instead; the rest stand regardless.
    pub(super) fn negatable(self) -> bool {
        !matches!(
            self,
            Lex::Function
                | Lex::Equipment(_)
                | Lex::Robocall
                | Lex::WrongNumber
                | Lex::Survey
                | Lex::Resolved
                | Lex::Objection
                | Lex::AgentNotOffered
                | Lex::AgentNeedsOwner
        )
    }
}

/// Every pattern of the equipment and phrase lexicons with its kind, equipment first: the order
/// the matcher keeps them in, so a sentence's hits come out in it. (For the build script, which
/// compiles them, and the tests.)
#[allow(dead_code)] // not called by the library itself
pub fn every_pattern(
    equipment: &'static [(Category, &'static [&'static str])],
    phrases: &'static [(Lex, &'static [&'static str])],
) -> impl Iterator<Item = (Lex, &'static str)> {
    let equipment = equipment
        .iter()
        .flat_map(|(cat, patterns)| patterns.iter().map(move |p| (Lex::Equipment(*cat), *p)));
    let phrases = phrases
        .iter()
        .flat_map(|(lex, patterns)| patterns.iter().map(move |p| (*lex, *p)));
    equipment.chain(phrases)
}
