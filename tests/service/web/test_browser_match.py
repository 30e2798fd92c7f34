"""In headless Chromium against a real server: a desk previews a match, reads the map and the
table, opens an explanation, leaves one proposal out with a reason and commits the rest."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.core.time import today_amsterdam
from service.offers.models import Offer
from tests.factories import make_household, make_unit
from tests.service.web.browser import LiveSite, Screenshots, sign_in

AMSTERDAM = "GM0363"


def _seed(factory: sessionmaker[Session], suffix: str) -> tuple[str, str]:
    """Two homeless families with children at De Regenboog and units a few km from it."""
    with factory() as session, session.begin():
        families = [
            make_household(
                session,
                case_reference=f"BRM-{suffix}-{name}",
                municipality=AMSTERDAM,
                adults=1,
                children=[
                    {"birth_year": 2015, "school": "00AB01"},
                    {"birth_year": 2018, "school": "00AB01"},
                ],
                homeless_since=today_amsterdam() - timedelta(days=days),
                needed_from=date(2026, 1, 1),
            )
            for name, days in (("A", 1900), ("B", 1800))
        ]
        for number, (lon, lat) in enumerate(((4.91, 52.38), (4.87, 52.36), (4.93, 52.35))):
            make_unit(
                session,
                corporation="ymere",
                reference=f"BRM-{suffix}-U{number}",
                municipality=AMSTERDAM,
                lon=lon,
                lat=lat,
                bedrooms=3,
                max_occupants=5,
                available_from=date(2025, 1, 1),
            )
        return str(families[0].id), str(families[1].id)


def test_a_desk_previews_reads_the_map_leaves_one_out_and_commits(
    browser: Browser, live_site: LiveSite, screenshots: Screenshots
) -> None:
    factory: sessionmaker[Session] = live_site.session_factory  # type: ignore[assignment]
    kept, left_out = _seed(factory, uuid.uuid4().hex[:6])
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_site, live_site.keys["desk"])

    page.get_by_role("link", name="Matchvoorstel").first.click()
    page.get_by_label("Beleid").select_option("default@1")
    page.get_by_role("button", name="Voorstel maken").click()
    page.wait_for_url("**/app/match/*")

    # The rights check at the top, the map with a line per child of the kept family.
    expect(page.get_by_test_id("rights-check")).to_contain_text("Kinderrechtentoets")
    svg = page.get_by_test_id("match-map")
    expect(svg.locator(f'line[data-household="{kept}"]')).to_have_count(2)
    expect(svg.locator(f'line[data-household="{left_out}"]')).to_have_count(2)
    expect(svg.locator("g.school title").first).to_contain_text("De Regenboog")
    # The table is the text alternative; the explanation opens with one click.
    row = page.locator(f'table[data-testid="proposals"] tr[data-household="{kept}"]')
    expect(row).to_contain_text("De Regenboog (00AB01)")
    explanation = row.get_by_test_id("explanation")
    expect(explanation).to_be_hidden()
    row.locator("details > summary").click()
    expect(explanation).to_be_visible()
    screenshots.take(page, "match-result-map")

    # Leave out the second family (and any other desk's proposal on this shared site).
    rows = page.locator('table[data-testid="proposals"] tbody tr')
    for index in range(rows.count()):
        household = rows.nth(index).get_attribute("data-household")
        if household != kept and rows.nth(index).locator("input[type=checkbox]").count():
            rows.nth(index).locator("input[type=checkbox]").check()
            rows.nth(index).locator("input[type=text]").fill("Gezin wacht op een schoolplek")
    page.get_by_role("button", name="Vastleggen: aanbiedingen doen").click()
    page.wait_for_url("**/app/offers")
    screenshots.take(page, "match-committed-offers")

    with factory() as session:
        offered = {str(o.household_id) for o in session.scalars(select(Offer))}
    assert kept in offered
    assert left_out not in offered
    page.go_back()
    page.reload()
    expect(page.get_by_test_id("committed")).to_contain_text("Vastgelegd door")
    screenshots.take(page, "match-commit-confirmation")
    context.close()
