"""Dutch texts of the match pages (English text → Dutch)."""

DUTCH: dict[str, str] = {
    # The form
    "A preview proposes a unit for each household; it changes nothing until you commit it.": (
        "Een voorstel koppelt elk huishouden aan een woning; er verandert niets tot u het vastlegt."
    ),
    "Scope: municipalities": "Bereik: gemeenten",
    "You have no municipalities to match in.": "U heeft geen gemeenten om in te matchen.",
    "Policy": "Beleid",
    "The rules and priorities the preview follows; every run records the version it used.": (
        "De regels en voorrang die het voorstel volgt; elke run legt de gebruikte versie vast."
    ),
    "Run the preview": "Voorstel maken",
    "Recent previews": "Recente voorstellen",
    "Requested": "Aangevraagd",
    "Status": "Status",
    "Committed": "Vastgelegd",
    "Choose at least one municipality.": "Kies ten minste één gemeente.",
    "Give the reason for leaving this proposal out.": (
        "Geef de reden waarom u dit voorstel weglaat."
    ),
    # Run states and stages
    "queued": "in de wachtrij",
    "running": "bezig",
    "completed": "klaar",
    "failed": "mislukt",
    "building_instance": "gegevens verzamelen",
    "solving": "rekenen",
    "summarising": "samenvatten",
    "The preview is still running": "Het voorstel wordt nog berekend",
    "This page reloads by itself.": "Deze pagina ververst vanzelf.",
    "Reload now": "Nu verversen",
    # Hard rules and reasons
    "too many people for the unit": "te veel personen voor de woning",
    "too few bedrooms": "te weinig slaapkamers",
    "needs not met (wheelchair, ground floor, pets)": (
        "behoeften niet vervuld (rolstoel, begane grond, huisdieren)"
    ),
    "not available on the date or for the stay": (
        "niet beschikbaar op de datum of voor het verblijf"
    ),
    "inside a safety exclusion": "binnen een veiligheidszone",
    "a child's school out of reach": "school van een kind buiten bereik",
    "declined before": "eerder geweigerd",
    "already offered to another household": "al aangeboden aan een ander huishouden",
    "No suitable unit": "Geen passende woning",
    "Outranked by other households": "Andere huishoudens gingen voor",
    # The result
    "Requested by": "Aangevraagd door",
    "The preview could not be completed.": "Het voorstel kon niet worden berekend.",
    "Run a new preview": "Nieuw voorstel maken",
    "Committed by": "Vastgelegd door",
    "See the offers": "Naar de aanbiedingen",
    "Left out at commit": "Weggelaten bij het vastleggen",
    "Children's-rights check": "Kinderrechtentoets",
    "Children placed by this preview": "Kinderen die dit voorstel plaatst",
    "Children whose school trip is over their limit": (
        "Kinderen met een schoolreis boven hun grens"
    ),
    "trip unknown": "reisafstand onbekend",
    "limit": "grens",
    "Families with children left without an offer": "Gezinnen met kinderen zonder aanbod",
    "children": "kinderen",
    "days in temporary housing": "dagen in tijdelijke huisvesting",
    "The longest stays in temporary housing this preview does not end": (
        "De langste verblijven in tijdelijke huisvesting die dit voorstel niet beëindigt"
    ),
    "Household": "Huishouden",
    "Children": "Kinderen",
    "Days in temporary housing": "Dagen in tijdelijke huisvesting",
    "This preview compared with first come, first served": (
        "Dit voorstel vergeleken met wie het eerst komt, het eerst maalt"
    ),
    "This preview": "Dit voorstel",
    "First come, first served": "Wie het eerst komt",
    "Households placed": "Huishoudens geplaatst",
    "Children placed": "Kinderen geplaatst",
    "Mean school trip (km)": "Gemiddelde schoolreis (km)",
    "Longest school trip (km)": "Langste schoolreis (km)",
    "Mean days in temporary housing of those placed": (
        "Gemiddeld aantal dagen in tijdelijke huisvesting van wie geplaatst wordt"
    ),
    "Map": "Kaart",
    "Nothing to draw: no units or schools with a location.": (
        "Niets te tekenen: geen woningen of scholen met een locatie."
    ),
    "Proposals": "Voorstellen",
    "Unit": "Woning",
    "School trips": "Schoolreizen",
    "Why": "Waarom",
    "Leave out": "Weglaten",
    "offer already out": "aanbod loopt al",
    "born": "geboren",
    "over the limit": "boven de grens",
    "no school": "geen school",
    "Explanation": "Toelichting",
    "Reason": "Reden",
    "Committing turns every proposal not left out into an offer that reserves its unit.": (
        "Vastleggen maakt van elk voorstel dat u niet weglaat een aanbod dat de woning reserveert."
    ),
    "Commit: make the offers": "Vastleggen: aanbiedingen doen",
    "This preview proposes nothing.": "Dit voorstel koppelt niemand.",
    "Households without a proposal": "Huishoudens zonder voorstel",
    "Units ruled out by": "Woningen uitgesloten door",
    "of": "van",
    "units suitable": "woningen passend",
    "Every household in scope has a proposal.": "Elk huishouden in het bereik heeft een voorstel.",
    # The map
    "Map of the proposals": "Kaart van de voorstellen",
    "Units are squares (filled: proposed), schools are triangles; a line runs from each proposed "
    "unit to each child's school, dashed when the trip is over the child's limit. The table "
    "below lists the same.": (
        "Woningen zijn vierkanten (gevuld: voorgesteld), scholen driehoeken; een lijn loopt van "
        "elke voorgestelde woning naar de school van elk kind, gestippeld als de reis boven de "
        "grens van het kind ligt. De tabel hieronder geeft hetzelfde weer."
    ),
    "School": "School",
    "Proposed unit": "Voorgestelde woning",
    "Available unit, not proposed": "Beschikbare woning, niet voorgesteld",
    "Legend": "Legenda",
    "Proposed unit (filled square)": "Voorgestelde woning (gevuld vierkant)",
    "Available unit, not proposed (open square)": (
        "Beschikbare woning, niet voorgesteld (open vierkant)"
    ),
    "School (triangle)": "School (driehoek)",
    "School trip of a child (solid line)": "Schoolreis van een kind (doorgetrokken lijn)",
    "Trip over the child's limit (dashed line)": (
        "Reis boven de grens van het kind (gestippelde lijn)"
    ),
    "Point at a shape for its details; the table below is the same information as text.": (
        "Wijs een vorm aan voor de details; de tabel hieronder geeft dezelfde informatie als tekst."
    ),
    # Messages of the services shown on these pages
    "The households or units of this run changed since the preview; run a new preview and "
    "commit that one.": (
        "De huishoudens of woningen van deze run zijn veranderd sinds het voorstel; maak een "
        "nieuw voorstel en leg dat vast."
    ),
    "Only the run's own proposals can be left out.": (
        "Alleen voorstellen van deze run kunnen worden weggelaten."
    ),
    "child(ren) keep their school": "kind(eren) houden hun school",
    "spare bedroom(s)": "slaapkamer(s) over",
    "Best alternative": "Beste alternatief",
    "goes to": "gaat naar",
    "decided by": "doorslaggevend",
    "tier placement": "een plek voor zoveel mogelijk gezinnen",
    "tier school_and_waiting": "schoolafstand en wachttijd samen",
    "tier school_trips": "schoolafstand",
    "tier waiting": "wachttijd",
    "tier fit": "passendheid van de woning",
}
