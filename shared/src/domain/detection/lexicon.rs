//! What the detector knows about home-services calls, as phrase lists, and the matcher that
//! finds them in stemmed sentences.
//!
//! A phrase is written the way people say it; `(a|b|)` lists alternatives (an empty one makes
//! the group optional), `*` stands for any one word, `~` for up to three words, `#num` for any
//! number and `#money` for a dollar amount. Every phrase goes through the same normalising and
//! stemming as transcripts (`text.rs`), so one spelling covers the others.
//!
//! The lists are deliberately broad — trades, equipment, symptoms and the ways callers and
//! agents talk — rather than the wording of any particular call: the detector must work on
//! calls nobody has seen. Which of these matter, and how much, is fitted (`make train`).

use std::collections::HashMap;
use std::sync::LazyLock;

use super::text;

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
    fn negatable(self) -> bool {
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

const EQUIPMENT: &[(Category, &[&str])] = &[
    (Category::Hvac, &[
        "(ac|a c|a/c|air conditioner|air conditioning|air conditioners|central air|hvac|air|aircon)",
        "(furnace|furnaces|heater|heat|heating|cooling|heat pump|heat pumps|boiler|radiator|radiators)",
        "(thermostat|thermostats|vent|vents|duct|ducts|ductwork|condenser|compressor|blower|blower motor)",
        "(coil|coils|evaporator|air handler|mini split|ductless|freon|refrigerant|capacitor|contactor)",
        "(humidifier|dehumidifier|baseboard heat|heat strip|pilot light|fireplace|gas logs|flame sensor|igniter)",
        "(unit|units|the system|system|outside unit|inside unit|air filter|filter|registers|return)",
        "(aire acondicionado|aire|calefaccion|calentador|termostato|unidad|clima|minisplit|ventilador)",
    ]),
    (Category::Plumbing, &[
        "(water heater|hot water heater|water heaters|tankless|tank|hot water|water)",
        "(toilet|toilets|sink|sinks|faucet|faucets|drain|drains|pipe|pipes|plumbing|sewer|sewer line)",
        "(main line|main drain|shower|showers|tub|bathtub|garbage disposal|disposal|sump pump|sump|pit)",
        "(water line|spigot|hose bib|water softener|softener|well pump|well|septic|septic tank|leach field)",
        "(gas line|valve|shut off valve|water meter|water pressure|backflow|trap|water main|line|lines)",
        "(inodoro|bano|lavabo|fregadero|tuberia|tuberias|tubo|drenaje|regadera|llave|grifo|agua caliente|agua)",
    ]),
    (Category::Electrical, &[
        "(outlet|outlets|plug|plugs|breaker|breakers|panel|breaker box|fuse|fuses|fuse box|subpanel)",
        "(switch|switches|light switch|lights|light|light fixture|fixture|fixtures|wiring|wire|wires)",
        "(circuit|circuits|power|electricity|electrical|electric|generator|ceiling fan|fan|gfci|gfi)",
        "(ev charger|car charger|charger|recessed lights|can lights|doorbell|smoke detector|smoke detectors)",
        "(meter|surge protector|chandelier|landscape lighting|lighting|bulb|bulbs)",
        "(luz|luces|enchufe|enchufes|contacto|apagador|cables|electricidad|corriente)",
    ]),
    (Category::Roof, &[
        "(roof|roofs|roofing|shingle|shingles|flashing|gutter|gutters|downspout|downspouts|skylight)",
        "(chimney|soffit|fascia|eaves|vent boot|ridge|tiles|metal roof|flat roof|decking|underlayment)",
        "(techo|tejas|teja|canaleta|canaletas|azotea)",
    ]),
    (Category::GarageDoor, &[
        "(garage door|garage doors|garage|opener|garage door opener|spring|springs|torsion spring)",
        "(cable|track|tracks|roller|rollers|remote|keypad|sensor|sensors|safety sensors|safety sensor)",
        "(puerta del garaje|puerta de la cochera|cochera|porton|resorte|control)",
    ]),
    (Category::Appliance, &[
        "(fridge|refrigerator|freezer|washer|washing machine|dryer|dishwasher|oven|stove|cooktop)",
        "(microwave|ice maker|wine cooler|appliance|appliances|range hood|compactor|deep freezer)",
        "(refrigerador|refri|nevera|congelador|lavadora|secadora|lavaplatos|lavavajillas|estufa|horno|microondas)",
    ]),
    (Category::Pest, &[
        "(ant|ants|roach|roaches|cockroach|cockroaches|termite|termites|mouse|mice|rat|rats|rodent|rodents)",
        "(bed bug|bed bugs|bedbugs|wasp|wasps|hornet|hornets|bee|bees|yellow jackets|spider|spiders)",
        "(raccoon|raccoons|squirrel|squirrels|bat|bats|scorpion|scorpions|flea|fleas|tick|ticks|mole|moles)",
        "(gopher|gophers|mosquito|mosquitoes|silverfish|beetles|stink bugs|bugs|bug|pests|pest|critter|critters)",
        "(animal|animals|snake|snakes|hive|mud tubes|carpenter ants|fruit flies|flies|moths|wildlife)",
        "(possum|opossum|skunk|groundhog|armadillo|vermin|infestation)",
        "(cucaracha|cucarachas|hormiga|hormigas|raton|ratones|rata|ratas|termitas|avispas|avispa|abejas)",
        "(chinches|aranas|plaga|plagas|bichos|nido|alacranes|mosquitos|pulgas|zancudos)",
    ]),
    (Category::Pool, &[
        "(pool|pools|swimming pool|spa|hot tub|jacuzzi|pool pump|pool filter|pool heater|liner)",
        "(salt cell|chlorinator|skimmer|pool light|plaster|pool deck|pool cleaner|chlorine|pebble)",
        "(piscina|alberca|bomba|filtro)",
    ]),
    (Category::Tree, &[
        "(tree|trees|branch|branches|limb|limbs|stump|stumps|oak|maple|pine|palm|palms|roots|root)",
        "(hedge|hedges|bushes|shrubs|trunk|canopy|elm|willow|cottonwood|bark|sycamore|birch)",
        "(arbol|arboles|rama|ramas|tronco|raices|palmera|palmeras)",
    ]),
    (Category::Damage, &[
        "(water damage|flood|mold|mildew|smoke damage|fire damage|soot|crawlspace|crawl space)",
        "(drywall|sheetrock|carpet|carpets|subfloor|baseboards|sewage|storm damage|moisture|insulation)",
        "(moho|humedad|inundacion)",
    ]),
    (Category::Window, &[
        "(window|windows|glass|pane|panes|window seal|seals|screen|screens|sliding door|slider)",
        "(patio door|front door|entry door|door|doors|storm door|frame|frames|sash|windowsill|sill)",
        "(lock|locks|blinds|shutters|mirror|shower door|glass door|weatherstripping|caulking)",
        "(ventana|ventanas|vidrio|cristal|puerta|mosquitero)",
    ]),
    (Category::Yard, &[
        "(lawn|yard|grass|sod|sprinkler|sprinklers|irrigation|sprinkler head|zone|zones|backyard)",
        "(front yard|mulch|flower beds|beds|patio|pavers|walkway|path|retaining wall|fence|fences)",
        "(drainage|french drain|landscape|landscaping|garden|weeds|hardscape|sidewalk|deck|pergola)",
        "(grade|slope|shed|plants|trees and shrubs)",
        "(jardin|pasto|cesped|zacate|aspersores|riego|cerca)",
    ]),
    (Category::Home, &[
        "(ceiling|ceilings|wall|walls|floor|floors|basement|attic|kitchen|bathroom|bathrooms)",
        "(bedroom|closet|house|home|foundation|porch|laundry room|living room|upstairs|downstairs)",
        "(hallway|siding|stairs|garage floor|room|rooms|driveway)",
        "(casa|pared|paredes|piso|cocina|cuarto|sotano)",
    ]),
];

const PHRASES: &[(Lex, &[&str])] = &[
    (Lex::Fault, &[
        "(leak|leaks|leaking|leaky|leaked|drip|drips|dripping|burst|busted|broke|broken|break|cracked|crack|cracks)",
        "(clog|clogged|backed up|backing up|backup|overflow|overflowing|overflowed|flood|flooded|flooding)",
        "(standing water|puddle|puddles|pooling|water everywhere|soaked|soggy|wet|damp|stain|stains)",
        "(water spot|water spots|mold|moldy|mildew|musty|rot|rotted|rotting|rust|rusted|rusty|corroded)",
        "(sag|sagging|warped|peeling|loose|wobbly|falling off|fell|fallen|falling|leaning|dead|dying|died)",
        "(diseased|split|uprooted|hanging|noise|noises|noisy|loud|banging|bang|grinding|squeal|squealing)",
        "(squeaking|squeak|screech|screeching|rattling|rattle|clunk|clanking|knocking|humming|buzzing|buzz)",
        "(whining|whine|hissing|hiss|gurgling|gurgle|clicking|clicks|beeping|beeps|chirping|chirp|alarm going off)",
        "(smell|smells|smelly|odor|stink|stinks|stinky|rotten egg|burning smell|smoke|smoking|sparks|sparking)",
        "(spark|arcing|scorched|melted|hot to the touch|shock|shocked|tripping|tripped|trips|flicker|flickering)",
        "(dim|dimming|surge|outage|power went out|went out|shut off|shuts off|shutting off|shuts down|cut out|cuts out)",
        "(short cycling|cycling on and off|turns on and off|frozen|freezing up|froze|iced up|icing up|overheating)",
        "(blowing (warm|hot|cold) air|warm air|too hot|too cold|weak airflow|no airflow|stuck|jammed|jam|off track)",
        "(off the track|came off|snapped|frayed|bent|dented|dent|shattered|foggy|fogged|condensation|draft|drafty)",
        "(cold spots|infestation|infested|droppings|nest|nests|swarm|swarming|bites|bitten|chewed|chewing)",
        "(scratching|crawling|running around|everywhere|holes|hole|brown spots|brown patches|bare spots|dead spots)",
        "(lots|a lot of them|so many|tons of them|all over|infested|overrun|overgrown|out of control)",
        "(erosion|washing out|sinking|settling|cracking|heaving|green|cloudy|algae|low pressure|no pressure)",
        "(slow|slowly|weak|running constantly|keeps running|constantly running|won't stop|acting up|acting weird)",
        "(gave out|on its last legs|not right|something wrong|something is wrong|problem|problems|issue|issues)",
        "(error code|blinking|flashing|smells like gas|gas smell|water coming|coming through|coming in|seeping)",
        "(sewage|raw sewage|getting worse|damage|damaged|storm|hail|wind damage|torn|missing shingles|blew off)",
        "(blown off|caved|collapsed|tilted|lifting|lifted|pulling away|separating|chipped|rough|fire|mud tubes)",
        "(no heat|no hot water|no power|no air|no water|no cold air|no ice|no lights|no electricity|no gas)",
        "(nothing happens|does nothing|won't budge|keeps tripping|keeps shutting off|goes back up|reverses)",
        "(gotea|goteando|gotera|goteras|fuga|tapado|tapada|atascado|roto|rota|se rompio|descompuesto|descompuso)",
        "(hace ruido|ruido|huele|olor|humo|chispas|se inundo|inundado|mojado|manchas|se cayo|quemado|se apaga)",
        "(se va la luz|no hay luz|no hay agua caliente|no sale agua|no hay agua|sale aire caliente|aire caliente)",
    ]),
    (Lex::Function, &[
        "(work|works|working|cool|cools|cooling|heat|heats|heating|turn on|turns on|come on|comes on|kick on|kicks on)",
        "(start|starts|starting|run|runs|running|drain|drains|draining|flush|flushes|flushing|close|closes|closing)",
        "(open|opens|opening|spin|spins|spinning|light|lights|ignite|ignites|fire up|stay lit|stay on|stays on)",
        "(reset|get hot|get cold|gets hot|gets cold|keep cold|keeping anything cold|keep anything cold|stay cold)",
        "(make ice|making ice|freeze|freezing|dry|drying|wash|washing|pump|pumping|blow|blowing|charge|charging)",
        "(go up|go down|goes up|goes down|lock|latch|respond|move|shut|seal|hold|keep up|do anything)",
        "(funciona|sirve|enfria|calienta|prende|enciende|arranca|jala|cierra|abre|drena|seca|lava|baja|sube)",
    ]),
    (Lex::Project, &[
        "(replace|replacing|replacement|replaced|install|installing|installation|put in|putting in|upgrade|upgrading)",
        "(add|adding|build|building|redo|remodel|remodeling|convert|renovate|fix|fixing|fixed|repair|repairs|repairing)",
        "(service|servicing|tune up|tune-up|maintenance|clean|cleaning|cleaned|inspect|inspection|estimate|estimates)",
        "(quote|quotes|bid|bids|assessment|look at|take a look|check out|check it out|looked at|trim|trimming|prune)",
        "(cut down|cut back|take down|taken down|remove|removed|removal|grind|grinding|haul away|treat|treatment|spray)",
        "(exterminate|get rid of|seal|reseal|resurface|resurfacing|pump out|pumped|pumping|jet|jetting|snake|unclog)",
        "(rewire|mount|hang|design|plant|lay sod|aerate|overseed|reroof|re-roof|patch|extract|dry out|clean up|restore)",
        "(a new|new one|brand new|something newer|newer one|new system|new roof|new door|new windows)",
        "(cambiar|instalar|reparar|arreglar|componer|revisar|limpiar|quitar|fumigar|podar|cortar|poner|uno nuevo)",
    ]),
    (Lex::Request, &[
        "need (someone|somebody|a tech|a technician|a plumber|an electrician|a roofer|a company|help|a guy|a pro|an expert)",
        "(send|get) (someone|somebody|a tech|a technician|a guy|one of your guys) (out|over)",
        "have (someone|somebody|a tech|a technician) (come|look|check|out)",
        "(can|could) (you|someone|somebody|y'all) (come|send|look|check|help|fix|do|take care)",
        "(do|would|can) you (guys|all|) (do|fix|service|repair|install|handle|work on|take care of|clean|treat|remove|trim|offer)",
        "looking for (someone|somebody|a company|a plumber|an electrician|a roofer|a contractor|help|an estimate|a quote|a price)",
        "(i|we) (need|want|would like) (to get|to have|someone|somebody|a|an|it|the|this|our|my|some)",
        "(i|we) (need|want|would like) (to|) (plant|install|replace|fix|repair|get|have|put|add|build|remove|cut|trim|clean|paint|redo|change|move|convert|upgrade)",
        "(can|could|) you (do|fix|install|repair|cut|trim|clean|remove|replace) (it|this|that|these|those|)",
        "(i|we) (was|were|am|are) (wondering|hoping|calling) (if|about|to)",
        "interested in",
        "(can|could) (i|we) (get|schedule|book|set up|make)",
        "(set up|make|schedule|book) (an appointment|a visit|a time|service|someone)",
        "someone to (come|look|check|fix|take)",
        "(come|swing) (out|over|by|take a look|look)",
        "(necesito|necesitamos|quiero|queremos|pueden venir|puede venir|mandar a alguien|me pueden ayudar|me puede ayudar)",
        "ustedes (hacen|arreglan|reparan|instalan|quitan|limpian|fumigan)",
    ]),
    (Lex::Price, &[
        "how much",
        "what (do|does|would|will|is|are) (it|that|you|y'all|this|something like that|a new one|the) ~ (cost|charge|run|price)",
        "(cost|costs|price|prices|pricing|charge|fee|fees|rate|rates|ballpark|rough idea|rough estimate|roughly)",
        "(quote|quotes|estimate|estimates|expensive|cheap|afford|financing|finance|payment plan|pay over time)",
        "(discount|coupon|special|deal|what are we looking at|what would that run|what would it run|price range)",
        "(cuanto|cuanto cuesta|cuanto cobran|cuanto sale|precio|precios|costo|cobran|cobra|presupuesto|cotizacion)",
    ]),
    (Lex::Availability, &[
        "when (can|could|would|will|is|do) (you|someone|somebody|a tech|the earliest|your next|y'all|the soonest)",
        "(how soon|how fast|how quickly|earliest|soonest|sooner|next available|available|availability)",
        "(any openings|opening|openings|today|tonight|tomorrow|this week|this weekend|next week|weekend)",
        "(asap|as soon as possible|right away|fit me in|squeeze me in|fit us in|come out|come by|this afternoon)",
        "(hoy|manana|cuando|esta semana|pronto|pueden venir)",
    ]),
    (Lex::Comparing, &[
        "(other|another|a few|a couple|couple|multiple|several|different|more|few|one more|one other) (companies|company|quotes|quote|estimates|estimate|bids|bid|places|place|contractors|people|guys|options|prices)",
        "(calling around|call around|shopping around|shop around|compare|comparing|comparison|second opinion)",
        "(got|had|have) (a|an|one|two) (quote|estimate|bid|price)",
        "(quoted|charged|told) (me|us)",
        "(someone else|the other company|the other guy|the other place|cheaper|better price|better deal|price match)",
        "(collecting|getting|gathering) (prices|quotes|estimates|bids)",
        "(other bids|other quotes|otras companias|otra compania|otro presupuesto|comparar)",
    ]),
    (Lex::Defer, &[
        "(think about it|think it over|think on it|sleep on it|think about which|think about that)",
        "(i|we) (will|would|need to|have to|got to|want to) (think|decide|see|check|wait|figure|look|talk|ask|call|discuss)",
        "(call|get|ring|text) (you|y'all) back",
        "(call|get) back (to you|later|tomorrow|next|)",
        "(call|calling) (you|) again",
        "(i|we) call (you|)",
        "think about",
        "(call you|get back to you|let you know|text you|email you)",
        "(talk|check|speak|discuss|run it by|ask|see|confirm|go over) ~ (to|with|by|) (my|our) (wife|husband|spouse|partner|family|son|daughter|mom|dad|parents|boyfriend|girlfriend|fiance|roommate|kids)",
        "check (my|our) (schedule|calendar|budget|week|work schedule)",
        "let me (check|see|look|think|figure|talk|ask|get back|run|call|text|confirm|measure|find out)",
        "(maybe|probably|possibly) (next week|later|tomorrow|next month|another time|in the spring|in the fall)",
        "(not ready|not sure yet|not right now|not today|not yet|hold off|wait until|wait till|payday|next month|save up)",
        "(maybe later|later|decide|i will call|we will call|i will let you know|i will text)",
        "(lo voy a pensar|lo pienso|le llamo|le aviso|le hablo|luego le|despues le|lo platico)",
        "hablar con mi (esposo|esposa|marido|familia|hijo|hija)",
    ]),
    (Lex::CheckPayer, &[
        "(check|call|talk|hear|see|ask|find out|waiting) ~ (insurance|home warranty|warranty company|adjuster|insurance company)",
        "(insurance|home warranty|warranty company) (first|will cover|covers|might cover|would cover|may cover)",
        "(see|find out) (if|whether) ~ (insurance|home warranty|warranty) ~ (cover|covers|pay)",
        "(home warranty|my insurance|our insurance|mi seguro|aseguranza)",
    ]),
    (Lex::Objection, &[
        "(too expensive|too much|that is a lot|a lot of money|pricey|steep|yikes|ouch|wow|is expensive)",
        "more than (i|we) (expected|thought|wanted|hoped|was expecting)",
        "(can not afford|out of my budget|out of our budget|on a budget|tight budget|hoping for less|hoping it would be less)",
        "(that is not terrible|kind of high|seemed high|seems high|high)",
        "(muy caro|caro|esta caro)",
        "hoping ~ (cheaper|less|lower)",
        "(no thanks|no thank you|i will pass|pass for now|pass on that|never mind then)",
    ]),
    (Lex::Urgency, &[
        "(emergency|urgent|asap|right away|right now|as soon as possible|tonight|getting worse|can not wait)",
        "(immediately|quickly|fast|today|urgente|emergencia|rapido)",
    ]),
    (Lex::AgentQuote, &[
        "(#money|hundred|thousand|grand|bucks|dollars|dollar|dolares)",
        "(diagnostic|service|trip|visit|inspection|call out|callout|dispatch|emergency|after hours) (fee|charge|call|rate)",
        "(it|that|this|they|which) (runs|run|is|are|would be|will be|costs|cost) (about|around|roughly|usually|typically|normally|between)",
        "(starts|start|starting|usually|typically|normally) (at|around|between|about|runs|is|land)",
        "(for|is|be|runs|run|costs|cost|at|about|around|usually|only|just|typically) (one|two|three|four|five|six|seven|eight|nine) (ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)",
        "(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety) (nine|five)",
        "(is|for|be|at|runs|costs|about|around|only|just) #num",
        "per (foot|hour|window|square foot|month|visit|opening|linear foot)",
        "(a foot|a month|a window|a square foot)",
    ]),
    (Lex::AgentOfferVisit, &[
        "(send|get|have) (someone|somebody|a tech|a technician|a plumber|an electrician|a guy|a crew|the estimator|an estimator|a designer|an arborist|a specialist|a comfort advisor|one of our|out|a roofer)",
        "(come|stop) (out|by|over)",
        "(take a look|come look|come measure|come out and look|look at it)",
        "(free|in home|no charge|no cost) (estimate|estimates|inspection|consultation|assessment|quote|lawn analysis)",
        "(we|i) (can|could|would|will) ~ (come|send|be there|get someone|get a tech|schedule|book|have|fit|put|bring|measure|set up)",
        "(set up|schedule) (an|the|a) (estimate|appointment|visit|inspection|consultation|measurement)",
        "get you (on the schedule|scheduled|booked|in|out)",
        "(mandar|enviar) un tecnico",
        "(podemos|puedo) (mandar|ir|venir|enviar|quitar|agendar)",
        "lo podemos",
    ]),
    (Lex::AgentOfferSlot, &[
        "(have|got) (an opening|openings|a slot|availability|time|a spot|a window|a crew free|a tech free|something)",
        "(someone|somebody|a tech|a technician|a crew|a guy|one of our guys) (free|available|open|nearby)",
        "(opening|slot|window|spot) (on|at|for|this|tomorrow|today|open)",
        "(today|tomorrow|this afternoon|this morning|this week|next week|monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
        "between #num and #num",
        "(eight|nine|ten|eleven|twelve|one|two|three|four|five) (to|and) (eleven|twelve|noon|one|two|three|four|five|six)",
        "(morning|afternoon|evening) (window|slot|appointment)",
        "(first thing|is open|are open|wide open)",
        "earliest (is|would be|we have|i have)",
        "(hold|save|reserve) (a|the) (spot|slot|time)",
        "(manana|hoy|el lunes|el martes|el miercoles|el jueves|el viernes|el sabado|en la manana|en la tarde)",
    ]),
    (Lex::AgentOfferPlan, &[
        "(financing|finance|payment plan|payment plans|payment options|monthly payments)",
        "(we|you) (have|offer|can get|do) ~ (membership|plan|discount|coupon|special|promotion|rebate|financing|program)",
        "(discount|coupon|special|promotion|rebate|waive|applied to the repair|goes toward|goes towards|applies toward)",
        "(membership|maintenance plan|service plan|club) (that|which|includes|gets|saves|for)",
        "(quarterly|weekly|monthly) (is|plan|service)",
    ]),
    (Lex::AgentAskBook, &[
        "(would|do) you (like|want) (me|us|) ~ (book|schedule|set|put|get|go ahead|hold|reserve|that)",
        "(want|should) (me|i) (to|) (book|schedule|put|set|hold|get)",
        "shall i (book|schedule|put)",
        "can i (book|schedule|put|get) you",
        "(book|schedule|lock) (it|that|you) (in|for|)",
        "(you want it|do you want that|want me to|should i book it)",
        "(le agendo|quiere que)",
    ]),
    (Lex::AgentDiagnosis, &[
        "(sounds like|sound like|probably|most likely|could be|usually that is|usually it is|that means|may be|might be|often it is|usually the|likely)",
    ]),
    (Lex::AgentExisting, &[
        "(i|we) (see|have|show) (your|the|an|a) ~ (appointment|job|ticket|work order|install|installation|invoice|account|order|visit|renewal|charge|duplicate)",
        "your (appointment|technician|tech|invoice|account|order|install|installation|job|balance|membership|plan|crew|windows|guy)",
        "(is|was|are) (on|in) (his|her|their) way",
        "on the (schedule|calendar) for",
        "(already|is|are) (scheduled|booked)",
        "(pull up your|let me pull up|look up your|let me look up|let me look at your|let me check your)",
        "(he|she|they) (marked|finished|completed|left|is about)",
        "(send him|send her|send them|come|go) back (out|)",
        "(no charge|at no charge|covered under|is covered|are covered|warranty crew|re-service|reservice|refund|cancellation)",
        "(process|put in) the (refund|cancellation|request)",
        "(chip truck|install manager|project manager) ~ (scheduled|call|email)",
    ]),
    (Lex::AgentNotOffered, &[
        "(we|i) (do not|only) (do|offer|service|handle|work on|sell|carry|go|cover|install|repair|fix|provide|sub)",
        "(we are|we re) not (able|licensed|set up)",
        "not something we (do|offer|handle)",
        "(outside|out of) (our|the) (service area|area)",
        "(you|you will) (might|may|would) (want|need) to (call|try|contact)",
        "(recommend|suggest) (calling|you call|trying)",
        "(we|i) (do not|can not) (really|) (give that out|do anything|help with)",
        "(this is|we are|it is) (a|an) ~ (company|contractor|service|business)",
        "no (hacemos|ofrecemos)",
    ]),
    (Lex::AgentNeedsOwner, &[
        "(need|require|would need|have to have|have to talk to) ~ (homeowner|owner|property owner|permission)",
        "(talk|speak) to the owner directly",
    ]),
    (Lex::Existing, &[
        "(you|you guys|you all|y'all|your company) (installed|put in|replaced|did|fixed|repaired|came out|were here|serviced|sprayed|treated|set up|built|redid|worked on|put up|sold me|came)",
        "your (tech|technician|guy|guys|crew|installer|installers|plumber|electrician|man|worker|workers|team|people|roofer|pool guy) (was|were|came|said|left|did|is|told|fixed|installed|sprayed|set|finished|should|will)",
        "(the|my|our) (tech|technician|installer|crew|pool guy|plumber|electrician) (was|came|said|sprayed|is|left|did|told|will|has not|never|set)",
        "(job number|work order|ticket number|order number|invoice number|confirmation number|ticket)",
        "(already|is|was) (scheduled|booked)",
        "(my|our|the) (appointment|install|installation|scheduled visit|order|window order|service visit|project)",
        "(reschedule|rescheduling|follow up on|following up on|called earlier|called before|still coming|coming back)",
        "cancel (my|the|our) (appointment|order|service|visit)",
        "confirm (my|the|our) (appointment|visit|time)",
        "(running late|on his way|on her way|on their way)",
        "when (is|will|are) (the|my|your|our) (tech|technician|guy|crew|installer|installers|windows|order) ~ (coming|come|here|scheduled|start|be)",
        "(came|were|was) (out|here) (last|yesterday|this morning|on|earlier|monday|tuesday|wednesday|thursday|friday)",
        "(last|the other) (week|month|time|year) (you|your)",
        "(come back to|supposed to) (finish|fix|clean|start|come|be here|call)",
        "(the|your) (guy|guys|man|crew|tech|technician|installer|worker|workers) (who|that) (installed|came|did|fixed|put|worked|was|were)",
        "(did|has) (my|the|our) ~ (come|came|arrive|show)",
    ]),
    (Lex::Warranty, &[
        "(warranty|warranties|guarantee|guaranteed|workmanship|labor warranty|recall)",
        "(garantia)",
    ]),
    (Lex::HomeWarranty, &[
        "(home warranty|warranty company|home warranty company)",
    ]),
    (Lex::Billing, &[
        "(invoice|invoices|bill|billing|billed|double charged|charged twice|refund|payment|payments|receipt|statement)",
        "pay (my|the|a|an|it|this|in)",
        "(make a payment|balance|autopay|auto pay|credit card|card on file|update the card|update my card)",
        "(overcharged|deductible|past due|collections|w 9|w9|certificate of insurance|lien waiver|accounts payable)",
        "(factura|pago|cobro)",
    ]),
    (Lex::Membership, &[
        "(my|our) (membership|maintenance plan|service plan|plan|club|agreement|contract|subscription|monthly service|quarterly plan|quarterly service|weekly service)",
        "(cancel|renew|renewal|pause|cancelled|canceled) ~ (membership|plan|service|subscription|agreement|contract|club)",
        "(comfort club|club membership|membership renewal|membership card|member)",
    ]),
    (Lex::Complaint, &[
        "(complaint|complain|not happy|unhappy|disappointed|dissatisfied|upset|unacceptable)",
        "(speak|talk) (to|with) (a|the|your) (manager|supervisor|service manager)",
        "still (leaking|broken|not working|running|dripping|happening|seeing|having|getting)",
        "(running again|broke again|leaking again|again already|already again|not fixed)",
        "(you|your guys|your tech|he|they) (broke|damaged|scratched|dented|left a mess|ruined|cracked|messed up)",
        "(left a mess|never showed|no show|stood up|rude|want my money back|bad review|ridiculous)",
        "(paid|charged) ~ for (that|nothing|this)",
        "(scratched|dented|damaged|broke|ruined|cracked|crushed|ran over|stained) (my|our) (car|floor|floors|wall|door|carpet|fence|lawn|driveway|house|flower bed|sprinkler)",
        "should be (free|no charge)",
        "want to cancel",
    ]),
    (Lex::Vendor, &[
        "(calling|reaching out|this is * from|i am with|i am from|this is * with) ~ (marketing|media|digital|seo|solutions|capital|funding|payments|leads|advertising|supply|supplies|software|rentals|equipment|distribution|wholesale|logistics|staffing|insurance agency)",
        "(seo|search engine|google listing|google ranking|google business profile|google maps|google reviews|google ads|online reviews)",
        "(merchant services|credit card processing|business loan|business funding|line of credit|advertising|advertise|lead generation)",
        "(sell|selling|sells) ~ leads",
        "leads (in|for) your (area|business)",
        "(we|i) (sell|supply|offer|provide|distribute|rent) ~ (to|for) (contractors|companies|businesses|installers|shops|restoration|hvac|plumbers)",
        "(speak|talk) (with|to) (the|your|) (owner|business owner|decision maker|person in charge|purchasing|person who handles|marketing)",
        "(purchasing manager|wholesale|distributor|supplier|sales rep|rep for|rep with|a rep|free audit|partner with you|partnership|exclusive)",
        "(dealer|dealers|certified dealer|contractor pricing|commercial account|demo|our product|our software)",
        "(pay per lead|no contracts|your business|your listing|more calls|free trial|a demo)",
        "(we|i) (make|build|sell|offer|provide|have|develop) ~ (software|app|platform|program|tool|products|service for|solution)",
        "(help|helps|helping) ~ (companies|contractors|businesses|shops) ~ (get|grow|save|schedule|find)",
    ]),
    (Lex::Applicant, &[
        "(hiring|hire|apply|application|applying|resume|employment|apprentice|apprenticeship|interview)",
        "(job|position|career) (opening|openings|posting|listing|available|you posted|open)",
        "looking for (work|a job|employment)",
        "(the|a) position (you|is)",
        "(still open|journeyman|years experience|years of experience|indeed|craigslist|trabajo|empleo)",
    ]),
    (Lex::ThirdParty, &[
        "(realtor|real estate agent|realty|listing agent|buyers agent|buyer's agent|title company|appraiser)",
        "(my|the) (buyer|buyers|seller|sellers|client|clients)",
        "(i am|this is) ~ adjuster",
        "adjuster (with|from|on|handling|assigned)",
        "(claim number|the insured|independent adjuster|field adjuster|desk adjuster)",
        "(representing|represent|on behalf of) ~ (buyer|seller|owner|client|homeowner|tenant|insured|association)",
        "(inspector|home inspector|building department|city inspector|permit office|county inspector)",
        "(property manager|property management|management company|hoa|homeowners association|landlord association)",
        "(our|the) (units|unit|tenants)",
        "i am the (adjuster|inspector|property manager|agent|realtor)",
    ]),
    (Lex::Renter, &[
        "(i|we) (rent|lease|am renting|are renting)",
        "(renting|renter|renters|tenant|my landlord|our landlord|the landlord|landlord|apartment)",
        "(i|we) (do not|don't) own",
        "not (my|our) (house|home|property)",
        "(the|my) owner (has|needs|would need|must|will have|has to|would have) to",
        "(he|she|they) (has|needs|have) to approve",
        "(can not|cannot|not allowed to) (authorize|approve|sign off|pay for)",
        "(i just rent|alquilo|rento|el dueno)",
    ]),
    (Lex::Survey, &[
        "(survey|a few questions|short questions|some questions|on a scale of|satisfaction|research group)",
        "(research study|poll|questionnaire|encuesta|answer some questions|answer three)",
        "rate (your|our|us)",
    ]),
    (Lex::Robocall, &[
        "press (one|1|two|2|nine|9|zero|0|five)",
        "(automated call|automated message|automated survey|recorded message|important message)",
        "(extended warranty|vehicle warranty|car warranty|auto warranty|final notice|pre approved|preapproved)",
        "(you have|you've) been (selected|chosen|approved)",
        "(congratulations|free cruise|social security|do not hang up|courtesy call|student loan)",
        "(lower|reduce) your (rate|rates|interest|electric|electricity|bill)",
        "(to be removed|remove you from|stay on the line)",
    ]),
    (Lex::WrongNumber, &[
        "(wrong number|misdial|misdialed|my mistake|numero equivocado|me equivoque)",
        "(dialed|called) the wrong",
        "is this (the|not the|) ~ (pizza|pharmacy|doctor|dentist|restaurant|bank|school|clinic|pediatrics|hospital|vet|shelter|hotel|salon|church|dmv|office of)",
        "(trying|looking|meant) to (reach|call|get) ~ (pharmacy|pizza|doctor|dentist|restaurant|bank|school|clinic|pediatrics|shelter|vet|hospital|animal|office)",
    ]),
    (Lex::Competitor, &[
        "(i|we) (run|own|have|operate|work for|am with|are with) (a|an|another|my own|our own) ~ (company|business|outfit|shop|contractor|plumbing|electrical|hvac|roofing|glass|pest|pool|tree|landscaping|restoration)",
        "another (company|contractor|glass company|plumbing company|roofing company|hvac company|outfit) (in town|here|nearby)",
        "(figure out|set|setting|trying to set|checking|figuring out) (my|our) (pricing|prices|rates)",
        "charge (installers|contractors|per opening)",
        "(subcontract|sub out|sub contract|in the business too|in the trade too|we are swamped|my techs|my crew)",
    ]),
    (Lex::Resolved, &[
        "(never mind|nevermind|figured it out|figured out|false alarm|turns out|turned out|all set|no longer need)",
        // Stems drop the tense ("fix it" = "fixed it"), so a subject or "already" must say
        // it happened.
        "(i|we|he|she|they|my husband|my wife|my son|my neighbor|already|finally|just) (fixed|solved|sorted) it",
        "fixed itself",
        "(is|it is) (fine|working|good|okay) (now|again)",
        "(working again|started working|came back on|back on now|fixed itself)",
        "(do not|don't) need (it|someone|anyone|anybody|service|you|help) ~ (anymore|now)",
        "it was (just|only) (the|a) ~ (breaker|filter|battery|batteries|switch|sensor|box|remote|thermostat|gfci)",
        "(already|just) (had|got) (someone|somebody|it) (to fix|fix|fixed|came|out)",
        "(got|had) it (fixed|taken care of)",
        "(sorry to bother|ya funciona|ya no)",
    ]),
    (Lex::Parts, &[
        "(do you|you guys|y'all) (sell|carry) ~ (parts|filters|a part|the part|gaskets|a gasket)",
        "(buy|order|get) (the|a) part",
        "(need a part|just need the part|put it in myself|install it myself|do it myself|sell parts)",
    ]),
];

/// One element of a compiled phrase.
#[derive(Debug, Clone, PartialEq)]
enum Elem {
    Word(String),
    /// Exactly one word of any kind.
    Any,
    /// Zero to three words.
    Gap,
    Number,
    Money,
}

#[derive(Debug)]
struct Phrase {
    lex: Lex,
    elems: Vec<Elem>,
}

/// Expands `(a|b|)` groups, nested or not, into every phrase they stand for.
fn expand_alternatives(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    expand_sequence(&chars, &mut at)
}

/// A sequence up to the end, a `|` or a `)` of the enclosing group.
fn expand_sequence(chars: &[char], at: &mut usize) -> Vec<String> {
    let mut out = vec![String::new()];
    while let Some(&c) = chars.get(*at) {
        match c {
            '|' | ')' => break,
            '(' => {
                *at += 1;
                let mut alternatives = Vec::new();
                loop {
                    alternatives.extend(expand_sequence(chars, at));
                    match chars.get(*at) {
                        Some('|') => *at += 1,
                        Some(')') => {
                            *at += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                out = out
                    .iter()
                    .flat_map(|prefix| {
                        alternatives
                            .iter()
                            .map(move |alt| format!("{prefix} {alt}"))
                    })
                    .collect();
            }
            c => {
                for p in &mut out {
                    p.push(c);
                }
                *at += 1;
            }
        }
    }
    out
}

fn compile(pattern: &str) -> Vec<Vec<Elem>> {
    expand_alternatives(pattern)
        .iter()
        .map(|phrase| {
            let mut elems = Vec::new();
            for word in phrase.split_whitespace() {
                match word {
                    "*" => elems.push(Elem::Any),
                    "~" => elems.push(Elem::Gap),
                    "#num" => elems.push(Elem::Number),
                    "#money" => elems.push(Elem::Money),
                    w => elems.extend(text::sentences(w).concat().into_iter().map(Elem::Word)),
                }
            }
            elems
        })
        .filter(|e| !e.is_empty())
        .collect()
}

/// Every phrase, indexed by its first word; phrases starting with a number pattern apart.
struct Matcher {
    by_first: HashMap<String, Vec<Phrase>>,
    by_number: Vec<Phrase>,
    by_money: Vec<Phrase>,
}

static MATCHER: LazyLock<Matcher> = LazyLock::new(build);

/// Compiles every lexicon into the matcher: what a cold start pays once (`preload`).
fn build() -> Matcher {
    let mut m = Matcher {
        by_first: HashMap::new(),
        by_number: Vec::new(),
        by_money: Vec::new(),
    };
    let equipment = EQUIPMENT
        .iter()
        .flat_map(|(cat, patterns)| patterns.iter().map(move |p| (Lex::Equipment(*cat), *p)));
    let phrases = PHRASES
        .iter()
        .flat_map(|(lex, patterns)| patterns.iter().map(move |p| (*lex, *p)));
    for (lex, pattern) in equipment.chain(phrases) {
        for elems in compile(pattern) {
            let phrase = Phrase { lex, elems };
            match phrase.elems.first() {
                Some(Elem::Word(w)) => m.by_first.entry(w.clone()).or_default().push(phrase),
                Some(Elem::Number) => m.by_number.push(phrase),
                Some(Elem::Money) => m.by_money.push(phrase),
                // A phrase may not start with a wildcard; such a pattern is skipped.
                _ => {}
            }
        }
    }
    m
}

/// Builds the matcher afresh and says how many phrases it holds (for the benchmark of what a
/// cold start costs; the detector itself builds it once).
pub fn build_fresh() -> usize {
    let m = build();
    m.by_first.values().map(Vec::len).sum::<usize>() + m.by_number.len() + m.by_money.len()
}

/// Loads the lexicons now rather than in the first call scored.
pub fn preload() {
    LazyLock::force(&MATCHER);
}

fn elem_matches(e: &Elem, word: &str) -> bool {
    match e {
        Elem::Word(w) => w == word,
        Elem::Any => true,
        Elem::Number => text::is_number(word),
        Elem::Money => word.starts_with('$') && text::is_number(word),
        Elem::Gap => true,
    }
}

/// The end (exclusive) of the longest match of `elems` at `words[at..]`.
fn match_at(elems: &[Elem], words: &[String], at: usize) -> Option<usize> {
    let Some((first, rest)) = elems.split_first() else {
        return Some(at);
    };
    if *first == Elem::Gap {
        // Up to three words, preferring the shortest gap that lets the rest match.
        return (0..=3)
            .filter(|skip| at + skip <= words.len())
            .find_map(|skip| match_at(rest, words, at + skip));
    }
    let word = words.get(at)?;
    if elem_matches(first, word) {
        match_at(rest, words, at + 1)
    } else {
        None
    }
}

/// A phrase found in a sentence: words `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub lex: Lex,
    pub start: usize,
    pub end: usize,
    /// A negation ("not", "no", "never", "stopped"...) shortly before it.
    pub negated: bool,
}

const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "nothing", "none", "nobody", "neither", "nor", "hardly",
    "barely", "nunca", "tampoco",
];
/// Words that, before a function, mean it does not happen ("stopped cooling").
const FUNCTION_NEGATORS: &[&str] = &["stop", "quit", "fail", "refus"];

fn negated_before(words: &[String], start: usize, lex: Lex) -> bool {
    let from = start.saturating_sub(4);
    for w in words[from..start].iter().rev() {
        if w == "but" || w == "pero" {
            return false;
        }
        let w = w.as_str();
        if NEGATORS.contains(&w) || (lex == Lex::Function && FUNCTION_NEGATORS.contains(&w)) {
            return true;
        }
    }
    false
}

/// Every phrase in a sentence. Equipment found inside a longer equipment phrase ("heater" in
/// "water heater") is dropped, so the longer, more specific one decides the trade.
pub fn find(words: &[String]) -> Vec<Hit> {
    let m = &*MATCHER;
    let mut hits = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let by_word = m.by_first.get(word).map(Vec::as_slice).unwrap_or(&[]);
        let (numbers, money): (&[Phrase], &[Phrase]) = match text::is_number(word) {
            false => (&[], &[]),
            true if word.starts_with('$') => (&m.by_number, &m.by_money),
            true => (&m.by_number, &[]),
        };
        for p in by_word.iter().chain(numbers).chain(money) {
            if let Some(end) = match_at(&p.elems[1..], words, i + 1) {
                hits.push(Hit {
                    lex: p.lex,
                    start: i,
                    end,
                    negated: false,
                });
            }
        }
    }
    let equipment: Vec<(usize, usize)> = hits
        .iter()
        .filter(|h| matches!(h.lex, Lex::Equipment(_)))
        .map(|h| (h.start, h.end))
        .collect();
    hits.retain(|h| {
        !matches!(h.lex, Lex::Equipment(_))
            || !equipment
                .iter()
                .any(|&(s, e)| s <= h.start && h.end <= e && (e - s) > (h.end - h.start))
    });
    // Stems drop the tense, so "do you install" would read as "you installed": a question
    // about the company's work is not a reference to work it did.
    hits.retain(|h| {
        h.lex != Lex::Existing
            || h.start == 0
            || !QUESTION_AUXILIARIES.contains(&words[h.start - 1].as_str())
    });
    for h in &mut hits {
        h.negated = negated_before(words, h.start, h.lex);
    }
    hits
}

const QUESTION_AUXILIARIES: &[&str] = &["do", "doe", "can", "could", "would", "will"];

/// Negation that cancels a hit (see `Lex::negatable`).
pub fn cancelled(hit: &Hit) -> bool {
    hit.negated && hit.lex.negatable()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Lex, bool)> {
        text::sentences(text)
            .iter()
            .flat_map(|s| find(s))
            .map(|h| (h.lex, h.negated))
            .collect()
    }

    #[test]
    fn alternatives_expand_with_optional_groups() {
        let mut e = expand_alternatives("(a|b) c (d|)");
        e.iter_mut()
            .for_each(|s| *s = s.split_whitespace().collect::<Vec<_>>().join(" "));
        assert_eq!(e, vec!["a c d", "a c", "b c d", "b c"]);
        let mut e = expand_alternatives("(x (y|z) w|v)");
        e.iter_mut()
            .for_each(|s| *s = s.split_whitespace().collect::<Vec<_>>().join(" "));
        assert_eq!(e, vec!["x y w", "x z w", "v"]);
    }

    #[test]
    fn every_pattern_compiles_to_a_phrase_starting_with_a_word() {
        let m = &*MATCHER;
        let total: usize = m.by_first.values().map(Vec::len).sum();
        assert!(total > 2_000, "{total}");
        assert!(!m.by_money.is_empty());
    }

    #[test]
    fn the_longer_equipment_phrase_decides_the_trade() {
        let k = kinds("the water heater is leaking");
        assert!(
            k.contains(&(Lex::Equipment(Category::Plumbing), false)),
            "{k:?}"
        );
        assert!(
            !k.contains(&(Lex::Equipment(Category::Hvac), false)),
            "{k:?}"
        );
        assert!(k.contains(&(Lex::Fault, false)));
    }

    #[test]
    fn negation_inverts_functions_and_cancels_faults() {
        let k = kinds("the furnace stopped working");
        assert!(k.contains(&(Lex::Function, true)), "{k:?}");
        let k = kinds("it's not leaking anymore");
        assert!(k.contains(&(Lex::Fault, true)), "{k:?}");
        let k = kinds("No, the toilet is leaking");
        assert!(k.contains(&(Lex::Fault, false)), "{k:?}");
        let k = kinds("el aire no enfria");
        assert!(k.contains(&(Lex::Function, true)), "{k:?}");
    }

    #[test]
    fn gaps_and_numbers_match() {
        let k = kinds("what would a new one cost");
        assert!(k.iter().any(|(l, _)| *l == Lex::Price), "{k:?}");
        let k = kinds("between 8 and 12");
        assert!(k.iter().any(|(l, _)| *l == Lex::AgentOfferSlot), "{k:?}");
        let k = kinds("the diagnostic is $89");
        assert!(k.iter().any(|(l, _)| *l == Lex::AgentQuote), "{k:?}");
    }
}
