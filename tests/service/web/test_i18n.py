"""Every text a page shows through `_()` has its Dutch translation (Dutch is the default)."""

from __future__ import annotations

import re
from pathlib import Path

from service.web.i18n import DUTCH, dutch_date, dutch_number

WEB = Path(__file__).resolve().parents[3] / "service" / "web"
# _("...") or _('...') with a literal; adjacent-literal concatenation is not used in pages.
LITERAL = re.compile(r"""\b_\(\s*(?P<q>["'])(?P<text>.+?)(?P=q)\s*\)""")


def _texts() -> set[tuple[str, str]]:
    found = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        for match in LITERAL.finditer(path.read_text()):
            found.add((str(path.relative_to(WEB)), match.group("text")))
    return found


def test_every_page_text_has_a_dutch_translation() -> None:
    texts = _texts()
    assert len(texts) > 20
    missing = sorted(f"{where}: {text}" for where, text in texts if text not in DUTCH)
    assert missing == [], "add these to service/web/i18n.py DUTCH:\n" + "\n".join(missing)


def test_dates_and_numbers_are_dutch_on_screen() -> None:
    from datetime import UTC, date, datetime

    assert dutch_date(date(2026, 3, 7)) == "07-03-2026"
    # 13:05 UTC on a winter day is 14:05 in Amsterdam.
    assert dutch_date(datetime(2026, 1, 15, 13, 5, tzinfo=UTC)) == "15-01-2026 14:05"
    assert dutch_number(12345.678, 1) == "12.345,7"
    assert dutch_number(None) == "–"


def test_validation_messages_are_dutch_and_field_names_readable() -> None:
    from service.web.i18n import translator
    from service.web.templating import templates

    dutch = translator("nl")
    assert dutch("Field required") == "Dit veld is verplicht"
    assert dutch("Input should be greater than or equal to 1") == "Vul 1 of meer in"
    assert dutch("Input should be less than or equal to 2026") == "Vul 2026 of minder in"
    assert dutch("String should have at most 40 characters") == "Gebruik hoogstens 40 tekens"
    assert dutch("Something only we say") == "Something only we say"
    assert translator("en")("Field required") == "Field required"
    macros = templates.env.get_template("macros.html").make_module({"_": dutch})
    assert str(macros.field_name("children.0.birth_year")) == "kinderen · 1 · geboortejaar"


def test_no_two_catalogues_translate_one_text_differently() -> None:
    """The catalogues merge into one; a text translated twice would silently lose one."""
    from service.web import i18n
    from service.web.texts import figures, households, match, offers, units

    catalogues = {
        "common": i18n.COMMON_DUTCH,
        **{
            module.__name__.rsplit(".", 1)[1]: module.DUTCH
            for module in (figures, households, match, offers, units)
        },
    }
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for name, catalogue in catalogues.items():
        for english, dutch in catalogue.items():
            if english in seen and seen[english][1] != dutch:
                clashes.append(f"{english!r}: {seen[english]} vs ({name!r}, {dutch!r})")
            seen.setdefault(english, (name, dutch))
    assert clashes == [], "\n".join(clashes)
