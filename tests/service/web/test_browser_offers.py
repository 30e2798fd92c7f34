"""In headless Chromium: a corporation's offers and placements pages show its units, never a
child's school or birth year, or the desk's case reference — even after the desk accepted."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from service.auth.principal import SYSTEM
from service.core.time import today_amsterdam
from service.offers import service as offers
from service.offers.schemas import HandOfferCreate
from tests.factories import make_household, make_unit
from tests.service.web.browser import LiveSite, Screenshots, sign_in


def test_a_corporation_never_sees_childrens_details_or_case_references(
    browser: Browser, live_site: LiveSite, screenshots: Screenshots
) -> None:
    suffix = uuid.uuid4().hex[:8]
    factory: sessionmaker[Session] = live_site.session_factory  # type: ignore[assignment]
    with factory() as session, session.begin():
        made = []
        for number in (1, 2):
            household = make_household(
                session,
                case_reference=f"SECRET-{suffix}-{number}",
                homeless_since=today_amsterdam().replace(day=1),
                children=[{"birth_year": 2013, "school": "00AB01"}],
            )
            unit = make_unit(session, corporation="ymere", reference=f"CORP-{suffix}-{number}")
            made.append(
                offers.make_hand_offer(
                    session,
                    principal=SYSTEM,
                    data=HandOfferCreate(
                        household_id=household.id, unit_id=unit.id, reason="urgent"
                    ),
                )
            )
        offers.accept_offer(session, principal=SYSTEM, offer_id=made[1].id, move_in_on=None)

    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_site, live_site.keys["corporation"])
    page.get_by_role("link", name="Aanbiedingen", exact=True).first.click()
    expect(page.get_by_test_id("open-offers")).to_contain_text(f"CORP-{suffix}-1")
    expect(page.get_by_test_id("earlier-offers")).to_contain_text(f"CORP-{suffix}-2")
    screenshots.take(page, "20-corporation-offers")
    offers_text = page.content()
    page.get_by_role("link", name="Plaatsingen", exact=True).first.click()
    expect(page.get_by_test_id("placements")).to_contain_text(f"CORP-{suffix}-2")
    screenshots.take(page, "21-corporation-placements")
    placements_text = page.content()
    for html in (offers_text, placements_text):
        for secret in (f"SECRET-{suffix}", "De Regenboog", "00AB01", "2013"):
            assert secret not in html, secret
    # No way to answer the offer either.
    expect(page.get_by_role("button", name="Aanbieding accepteren")).to_have_count(0)

    other = browser.new_context(locale="nl-NL").new_page()
    sign_in(other, live_site, live_site.keys["other_corporation"])
    other.goto(live_site.url("/app/offers"))
    expect(other.locator("main")).not_to_contain_text(f"CORP-{suffix}")
    context.close()
    other.context.close()
