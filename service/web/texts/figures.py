"""Dutch texts of the figures page (English text → Dutch)."""

DUTCH: dict[str, str] = {
    "Evictions by month": "Ontruimingen per maand",
    "Households and children in temporary housing": (
        "Huishoudens en kinderen in tijdelijke huisvesting"
    ),
    "School trips of placed children": "Schoolafstanden van geplaatste kinderen",
    "Households with children without an offer": "Huishoudens met kinderen zonder aanbod",
    "Month": "Maand",
    "Time waited": "Wachttijd",
    "Evictions": "Ontruimingen",
    "Evictions with children": "Ontruimingen met kinderen",
    "Children involved": "Betrokken kinderen",
    "Households": "Huishoudens",
    "Households with children": "Huishoudens met kinderen",
    "Children": "Kinderen",
    "Median days": "Mediaan, dagen",
    "90th percentile, days": "90e percentiel, dagen",
    "95th percentile, days": "95e percentiel, dagen",
    "Longest, days": "Langste, dagen",
    "Children over their limit": "Kinderen boven hun grens",
    "Mean km": "Gemiddeld, km",
    "Median km": "Mediaan, km",
    "90th percentile, km": "90e percentiel, km",
    "Share over their limit": "Aandeel boven hun grens",
    "Longest, km": "Langste, km",
    "Longest wait, days": "Langste wachttijd, dagen",
    "Choose the figures": "Cijfers kiezen",
    "Period": "Periode",
    "A year (2025), a quarter (2025-Q3) or a month (2025-03); empty: the last ended year for "
    "evictions, today for the rest.": (
        "Een jaar (2025), een kwartaal (2025-Q3) of een maand (2025-03); leeg: het laatste "
        "afgelopen jaar voor ontruimingen, vandaag voor de rest."
    ),
    "Show": "Tonen",
    "On": "Op",
    "Published figures: rounded to 5, small cells withheld.": (
        "Gepubliceerde cijfers: afgerond op 5, kleine aantallen weggelaten."
    ),
    "Exact figures for your own municipalities; not for publication.": (
        "Exacte cijfers voor uw eigen gemeenten; niet voor publicatie."
    ),
    "Total": "Totaal",
    "withheld": "weggelaten",
    "Bar chart of the table above": "Staafdiagram van de tabel hierboven",
    "Level": "Onderwijssoort",
    "Municipality": "Gemeente",
    "All your municipalities": "Al uw gemeenten",
}
