"""Dutch texts of the offers and placements pages (English text → Dutch); the code names they
share with the households pages are in `texts/households.py`."""

DUTCH: dict[str, str] = {
    "Move-in date": "Datum intrek",
    "Leave empty for today.": "Laat leeg voor vandaag.",
    "Accept the offer": "Aanbieding accepteren",
    "Decline this offer? The unit goes back to the pool.": (
        "Deze aanbieding afwijzen? De woning komt weer beschikbaar."
    ),
    "Reason for declining": "Reden van afwijzing",
    "Explanation": "Toelichting",
    "Required with the reason Other. Never a name.": (
        "Verplicht bij de reden Anders. Nooit een naam."
    ),
    "Decline the offer": "Aanbieding afwijzen",
    "All placements": "Alle plaatsingen",
    "Offers on your units": "Aanbiedingen op uw woningen",
    "The desk answers offers; you see the unit, the dates, the household's size and what the "
    "unit must offer.": (
        "Het woonloket beantwoordt aanbiedingen; u ziet de woning, de data, de grootte van het "
        "huishouden en wat de woning moet bieden."
    ),
    "Household size": "Grootte huishouden",
    "The unit must have": "De woning moet hebben",
    "Expires soon": "Verloopt binnenkort",
    "Open offers": "Open aanbiedingen",
    "No open offers.": "Geen open aanbiedingen.",
    "Earlier offers": "Eerdere aanbiedingen",
    "No earlier offers.": "Geen eerdere aanbiedingen.",
    "The offer has been accepted: the stay has started.": (
        "De aanbieding is geaccepteerd: het verblijf is begonnen."
    ),
    "The offer has been declined: the unit is available again.": (
        "De aanbieding is afgewezen: de woning is weer beschikbaar."
    ),
    "within": "binnen",
    "hours": "uur",
    "Offer by hand": "Aanbieding met de hand",
    "More open offers exist than this page shows; answer these first.": (
        "Er zijn meer open aanbiedingen dan deze pagina toont; beantwoord eerst deze."
    ),
    "Decided": "Besloten op",
    "Placements": "Plaatsingen",
    "Placements in your units": "Plaatsingen in uw woningen",
    "No placements.": "Geen plaatsingen.",
    "The stay has ended; the unit is available again.": (
        "Het verblijf is beëindigd; de woning is weer beschikbaar."
    ),
    "End the stay": "Verblijf beëindigen",
    "End this stay? The unit becomes available again.": (
        "Dit verblijf beëindigen? De woning komt weer beschikbaar."
    ),
    "Left on": "Vertrokken op",
}
