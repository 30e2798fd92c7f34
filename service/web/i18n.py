"""Dutch (the default) and English texts for the web pages.

The English text is the message id, as with gettext; `DUTCH` holds its translation (common texts
here, each feature's in `service/web/texts/<feature>.py`). A test reads
every template and page module and fails for a text used with `_()` that has no Dutch entry, so
a page can never show half its labels in English to a Dutch desk.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from service.web.texts import figures as texts_figures
from service.web.texts import households as texts_households
from service.web.texts import match as texts_match
from service.web.texts import offers as texts_offers
from service.web.texts import units as texts_units

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Language(enum.StrEnum):
    DUTCH = "nl"
    ENGLISH = "en"


DEFAULT_LANGUAGE = Language.DUTCH

Translator = Callable[[str], str]

COMMON_DUTCH: dict[str, str] = {
    # Layout and sign-in
    "Onderdak": "Onderdak",
    "Skip to content": "Naar de inhoud",
    "Main navigation": "Hoofdmenu",
    "Home": "Start",
    "Sign in": "Inloggen",
    "Sign out": "Uitloggen",
    "Signed in as": "Ingelogd als",
    "Your personal key": "Uw persoonlijke sleutel",
    "The key starts with ond_. It is personal: never share it.": (
        "De sleutel begint met ond_. Hij is persoonlijk: deel hem nooit."
    ),
    "Language": "Taal",
    "Nederlands": "Nederlands",
    "English": "English",
    "Change language": "Taal wijzigen",
    "Sign in with your personal key to continue.": (
        "Log in met uw persoonlijke sleutel om verder te gaan."
    ),
    "You have been signed out.": "U bent uitgelogd.",
    "Your session has ended; sign in again.": "Uw sessie is verlopen; log opnieuw in.",
    "Fill in your key.": "Vul uw sleutel in.",
    "The web pages are for desks and housing corporations.": (
        "Deze pagina's zijn voor woonloketten en woningcorporaties."
    ),
    "This form has expired or did not come from this site; reload the page and try again.": (
        "Dit formulier is verlopen of kwam niet van deze site; laad de pagina opnieuw en "
        "probeer het nog eens."
    ),
    # Roles and home
    "Housing desk": "Woonloket",
    "Housing corporation": "Woningcorporatie",
    "Administrator": "Beheerder",
    "Municipalities": "Gemeenten",
    "What would you like to do?": "Wat wilt u doen?",
    "Households": "Huishoudens",
    "Units": "Woningen",
    "Match preview": "Matchvoorstel",
    "Offers": "Aanbiedingen",
    "Placements": "Plaatsingen",
    "Figures": "Cijfers",
    "Register a household": "Huishouden aanmelden",
    "Add a unit": "Woning toevoegen",
    "Upload units (CSV)": "Woningen uploaden (CSV)",
    # Errors
    "Something went wrong": "Er ging iets mis",
    "Not found": "Niet gevonden",
    "Not allowed": "Geen toegang",
    "Conflict": "Conflict",
    "Invalid input": "Ongeldige invoer",
    "Back to the start page": "Terug naar de startpagina",
    "Request id": "Verzoeknummer",
    "Please correct the fields marked below.": "Verbeter de gemarkeerde velden.",
    # Field names, as error summaries name them ("children.0.birth_year").
    "children": "kinderen",
    "birth year": "geboortejaar",
    "school": "school",
    "school trip limit km": "persoonlijke schoolreisgrens (km)",
    "case reference": "dossiernummer",
    "municipality": "gemeente",
    "municipalities": "gemeenten",
    "adults": "volwassenen",
    "needed from": "nodig vanaf",
    "homeless since": "zonder woning sinds",
    "expected stay days": "verwachte verblijfsduur (dagen)",
    "needs": "behoeften",
    "min bedrooms": "minimaal aantal slaapkamers",
    "reference": "referentie",
    "kind": "soort",
    "bedrooms": "slaapkamers",
    "max occupants": "maximaal aantal bewoners",
    "available from": "beschikbaar vanaf",
    "available until": "beschikbaar tot",
    "lat": "breedtegraad",
    "lon": "lengtegraad",
    "file": "bestand",
    "period": "periode",
    "api key": "sleutel",
    "move in on": "verhuisdatum",
    "reason": "reden",
    "text": "toelichting",
    "start date": "begindatum",
    "end date": "einddatum",
    "eviction date": "ontruimingsdatum",
    "policy": "beleid",
    "form": "formulier",
    "Save": "Opslaan",
    "Cancel": "Annuleren",
    "Yes": "Ja",
    "No": "Nee",
}

DUTCH: dict[str, str] = {
    **COMMON_DUTCH,
    **texts_households.DUTCH,
    **texts_units.DUTCH,
    **texts_match.DUTCH,
    **texts_offers.DUTCH,
    **texts_figures.DUTCH,
}


# The validation messages forms show come from pydantic, in English and with numbers in them;
# these patterns give the common ones in Dutch (anything else is shown as written).
DUTCH_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), dutch)
    for pattern, dutch in (
        (r"^Field required$", "Dit veld is verplicht"),
        (r"^Input should be a valid integer.*$", "Vul een geheel getal in"),
        (r"^Input should be a valid number.*$", "Vul een getal in"),
        (r"^Input should be a valid date.*$", "Vul een geldige datum in"),
        (r"^Input should be a valid boolean.*$", "Kies ja of nee"),
        (r"^Input should be greater than or equal to (\S+)$", r"Vul \1 of meer in"),
        (r"^Input should be greater than (\S+)$", r"Vul meer dan \1 in"),
        (r"^Input should be less than or equal to (\S+)$", r"Vul \1 of minder in"),
        (r"^Input should be less than (\S+)$", r"Vul minder dan \1 in"),
        (r"^String should have at most (\d+) characters?$", r"Gebruik hoogstens \1 tekens"),
        (r"^String should have at least (\d+) characters?$", r"Gebruik minstens \1 tekens"),
        (r"^String should match pattern .*$", "Deze invoer heeft niet de juiste vorm"),
        (r"^Input should be (.+)$", r"Kies een van: \1"),
        (r"^Extra inputs are not permitted$", "Dit veld is hier niet toegestaan"),
    )
)


def to_dutch(text: str) -> str:
    exact = DUTCH.get(text)
    if exact is not None:
        return exact
    for pattern, dutch in DUTCH_PATTERNS:
        if pattern.match(text):
            return pattern.sub(dutch, text)
    return text


def translator(language: str) -> Translator:
    """The `_()` of one page: Dutch from the catalogue (and the patterns), English as written."""
    if language == Language.ENGLISH:
        return lambda text: text
    return to_dutch


def dutch_date(value: date | datetime | None) -> str:
    """Dates on screen are Dutch: 24-11-2026; instants in Amsterdam time: 24-11-2026 14:05."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        local = value.astimezone(AMSTERDAM) if value.tzinfo else value
        return local.strftime("%d-%m-%Y %H:%M")
    return value.strftime("%d-%m-%Y")


def dutch_number(value: float | int | None, decimals: int = 0) -> str:
    """Numbers with a decimal comma and a dot between thousands, as Dutch readers expect."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
