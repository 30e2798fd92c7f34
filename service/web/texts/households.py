"""Dutch texts of the households pages (English text → Dutch), and of the code names
(`households/_labels.html`) the offers and placements pages share."""

DUTCH: dict[str, str] = {
    # Code names
    "At risk": "Dreigend dakloos",
    "Without a home": "Zonder woning",
    "Offered": "Aanbod gedaan",
    "Placed": "Geplaatst",
    "Closed": "Afgesloten",
    "Planned": "Gepland",
    "Executed": "Uitgevoerd",
    "Rent arrears": "Huurachterstand",
    "Nuisance": "Overlast",
    "Drugs crime": "Drugscriminaliteit",
    "Other": "Anders",
    "Social landlord": "Woningcorporatie (sociale huur)",
    "Private landlord": "Particuliere verhuurder",
    "Shelter": "Opvang",
    "Hotel": "Hotel",
    "Family or friends": "Familie of vrienden",
    "Holiday park": "Vakantiepark",
    "Onderdak unit": "Woning via Onderdak",
    "Primary school": "Basisonderwijs",
    "Secondary school": "Voortgezet onderwijs",
    "Special education": "Speciaal onderwijs",
    "Open": "Open",
    "Accepted": "Geaccepteerd",
    "Declined": "Afgewezen",
    "Expired": "Verlopen",
    "Cancelled": "Ingetrokken",
    "Running": "Lopend",
    "Ended": "Beëindigd",
    "The household refused": "Het huishouden weigerde",
    "The unit is unsuitable": "De woning is ongeschikt",
    "The household found a place itself": "Het huishouden vond zelf een plek",
    "The household did not show up": "Het huishouden kwam niet opdagen",
    "Moved to a permanent home": "Verhuisd naar een vaste woning",
    "Moved elsewhere": "Elders naartoe verhuisd",
    "Evicted": "Uitgezet",
    # List
    "Household": "Huishouden",
    "Status": "Status",
    "Children": "Kinderen",
    "Days in temporary housing": "Dagen in tijdelijke huisvesting",
    "School": "School",
    "Reason": "Reden",
    "Unit": "Woning",
    "Filter the households": "Huishoudens filteren",
    "All statuses": "Alle statussen",
    "With children": "Met kinderen",
    "With and without children": "Met en zonder kinderen",
    "Without children": "Zonder kinderen",
    "All your municipalities": "Al uw gemeenten",
    "Filter": "Filteren",
    "sorted ascending": "oplopend gesorteerd",
    "sorted descending": "aflopend gesorteerd",
    "Your households": "Uw huishoudens",
    "Case reference": "Dossiernummer",
    "Registered": "Aangemeld",
    "No households match these filters.": "Geen huishoudens bij deze filters.",
    "Pages": "Pagina's",
    "First page": "Eerste pagina",
    "Next page": "Volgende pagina",
    # Detail
    "The household has been registered.": "Het huishouden is aangemeld.",
    "The eviction has been recorded.": "De ontruiming is vastgelegd.",
    "The stay has been recorded.": "Het verblijf is vastgelegd.",
    "Municipality": "Gemeente",
    "since": "sinds",
    "Not in temporary housing": "Niet in tijdelijke huisvesting",
    "Needed from": "Nodig vanaf",
    "Expected stay (days)": "Verwachte verblijfsduur (dagen)",
    "Adults": "Volwassenen",
    "Closed on": "Afgesloten op",
    "Needs": "Behoeften",
    "Minimum bedrooms": "Minimaal aantal slaapkamers",
    "derived from the household's size": "afgeleid van de grootte van het huishouden",
    "Wheelchair access": "Rolstoeltoegankelijk",
    "Ground floor": "Begane grond",
    "Pets": "Huisdieren",
    "Medical needs": "Medische behoeften",
    "Safety exclusions": "Veiligheidszones",
    "Birth year": "Geboortejaar",
    "Level": "Onderwijssoort",
    "Personal school-trip limit (km)": "Persoonlijke grens schoolafstand (km)",
    "Default of the level": "Standaard van de onderwijssoort",
    "No children.": "Geen kinderen.",
    "Evictions": "Ontruimingen",
    "Date": "Datum",
    "State": "Stand",
    "Landlord": "Verhuurder",
    "Children involved": "Betrokken kinderen",
    "No evictions recorded.": "Geen ontruimingen vastgelegd.",
    "Stays": "Verblijven",
    "From": "Van",
    "Until": "Tot",
    "Where": "Waar",
    "ongoing": "lopend",
    "No stays recorded.": "Geen verblijven vastgelegd.",
    "Made": "Gedaan op",
    "Expires": "Verloopt",
    "Decision": "Besluit",
    "Answer this offer": "Deze aanbieding beantwoorden",
    "No offers yet.": "Nog geen aanbiedingen.",
    "Record an eviction": "Ontruiming vastleggen",
    "Eviction date": "Datum ontruiming",
    "Choose": "Kies",
    "Leave empty to count the household's children.": (
        "Laat leeg om de kinderen van het huishouden te tellen."
    ),
    "Record the eviction": "Ontruiming vastleggen",
    "Record a stay": "Verblijf vastleggen",
    "Where the household stays outside Onderdak's units, a couch at friends included.": (
        "Waar het huishouden verblijft buiten de woningen van Onderdak, een bank bij vrienden "
        "inbegrepen."
    ),
    "Until (exclusive)": "Tot (niet meegerekend)",
    "Leave empty while the stay lasts.": "Laat leeg zolang het verblijf duurt.",
    "Record the stay": "Verblijf vastleggen",
    # Registration form
    "Never write a name: the case reference is your own file number.": (
        "Schrijf nooit een naam: het dossiernummer is uw eigen nummer."
    ),
    "The household": "Het huishouden",
    "Letters, digits and . _ / - only, no spaces; unique in the municipality.": (
        "Alleen letters, cijfers en . _ / -, geen spaties; uniek binnen de gemeente."
    ),
    "Choose a municipality": "Kies een gemeente",
    "The first day the household needs a place.": (
        "De eerste dag dat het huishouden een plek nodig heeft."
    ),
    "Without a home since": "Zonder woning sinds",
    "Only when the household has already lost its home; leave empty for a household at risk.": (
        "Alleen als het huishouden zijn woning al kwijt is; laat leeg bij dreigende dakloosheid."
    ),
    "Leave empty for the policy's default.": "Laat leeg voor de standaard van het beleid.",
    "Leave empty to derive it from the household's size.": (
        "Laat leeg om het af te leiden van de grootte van het huishouden."
    ),
    "One row per child: birth year and school. Leave rows you do not need empty. Never a name.": (
        "Eén rij per kind: geboortejaar en school. Laat rijen die u niet nodig hebt leeg. "
        "Nooit een naam."
    ),
    "Child": "Kind",
    "No school": "Geen school",
    "Optional; replaces the default of the school's level.": (
        "Optioneel; vervangt de standaard van de onderwijssoort."
    ),
    "Needs wheelchair access": "Heeft rolstoeltoegang nodig",
    "Add a child": "Kind toevoegen",
    "Safety exclusion (optional)": "Veiligheidszone (optioneel)",
    "A place the household must stay away from, e.g. after domestic violence: no unit is "
    "proposed within the distance.": (
        "Een plek waar het huishouden weg moet blijven, bijvoorbeeld na huiselijk geweld: "
        "binnen de afstand wordt geen woning voorgesteld."
    ),
    "Latitude": "Breedtegraad",
    "Longitude": "Lengtegraad",
    "For example 52.3702": "Bijvoorbeeld 52.3702",
    "For example 4.8952": "Bijvoorbeeld 4.8952",
    "Minimum distance (metres)": "Minimale afstand (meter)",
    "Register the household": "Huishouden aanmelden",
    "At least this many days in temporary housing": (
        "Minimaal zoveel dagen in tijdelijke huisvesting"
    ),
    "Needed from, on or after": "Nodig vanaf, op of na",
    "Needed from, on or before": "Nodig vanaf, op of voor",
}
