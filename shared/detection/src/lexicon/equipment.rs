//! Equipment and areas of the home, by trade: what a caller's problem is about.

use super::Category;

pub(super) const EQUIPMENT: &[(Category, &[&str])] = &[
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
