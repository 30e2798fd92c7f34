"""In headless Chromium against a real server: a desk registers a household with a child at a
school (first with an error next to the field), finds it in the list and opens it; then looks at
its offers and figures. Screenshots of each page go to the test artefacts."""

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


def _seed_offer(site: LiveSite, *, suffix: str) -> None:
    factory: sessionmaker[Session] = site.session_factory  # type: ignore[assignment]
    with factory() as session, session.begin():
        household = make_household(
            session,
            case_reference=f"BR-OFFER-{suffix}",
            homeless_since=today_amsterdam().replace(day=1),
            children=[{"birth_year": 2016, "school": "00AB01"}],
        )
        unit = make_unit(session, corporation="ymere", reference=f"BR-U-{suffix}")
        offers.make_hand_offer(
            session,
            principal=SYSTEM,
            data=HandOfferCreate(household_id=household.id, unit_id=unit.id, reason="urgent"),
        )


def test_a_desk_registers_a_household_with_a_child_at_a_school(
    browser: Browser, live_site: LiveSite, screenshots: Screenshots
) -> None:
    suffix = uuid.uuid4().hex[:8]
    case_reference = f"BR-{suffix}"
    _seed_offer(live_site, suffix=suffix)
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_site, live_site.keys["desk"])

    page.get_by_role("link", name="Huishouden aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Huishouden aanmelden")
    # The script adds child rows beyond the four the page starts with.
    expect(page.locator("fieldset.child")).to_have_count(4)
    page.get_by_role("button", name="Kind toevoegen").click()
    expect(page.locator("fieldset.child")).to_have_count(5)
    expect(page.locator("#field-children-4-birth_year")).to_be_focused()
    page.get_by_label("Dossiernummer").fill(case_reference)
    page.get_by_label("Gemeente").select_option(label="Amsterdam")
    page.get_by_label("Volwassenen").fill("2")
    page.get_by_label("Nodig vanaf").fill("2026-12-01")
    future = str(today_amsterdam().year + 1)
    page.locator("#field-children-0-birth_year").fill(future)
    page.locator("#field-children-0-school").select_option("00AB01")
    page.get_by_role("button", name="Huishouden aanmelden").click()

    error = page.get_by_test_id("error-children.0.birth_year")
    expect(error).to_contain_text(f"birth year {future} lies in the future")
    birth_year = page.locator("#field-children-0-birth_year")
    expect(birth_year).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("error-summary")).to_be_focused()
    expect(page.locator("#field-children-0-school")).to_have_value("00AB01")  # kept
    screenshots.take(page, "10-desk-household-form-with-errors")

    birth_year.fill("2016")
    page.get_by_role("button", name="Huishouden aanmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Het huishouden is aangemeld.")
    expect(page.get_by_test_id("case-reference")).to_have_text(case_reference)
    children = page.get_by_test_id("children")
    expect(children).to_contain_text("2016")
    expect(children).to_contain_text("De Regenboog (00AB01)")
    expect(children).to_contain_text("Basisonderwijs")
    expect(page.get_by_test_id("status")).to_contain_text("Dreigend dakloos")
    screenshots.take(page, "11-desk-household-detail")

    page.get_by_role("link", name="Huishoudens", exact=True).first.click()
    page.get_by_label("Status").select_option(label="Dreigend dakloos")
    page.get_by_role("button", name="Filteren").click()
    row = page.get_by_role("row").filter(has_text=case_reference)
    expect(row).to_contain_text("Amsterdam")
    expect(row).to_contain_text("01-12-2026")
    screenshots.take(page, "12-desk-households-list")
    row.get_by_role("link", name=case_reference).click()
    expect(page.get_by_test_id("case-reference")).to_have_text(case_reference)

    page.get_by_role("link", name="Aanbiedingen", exact=True).first.click()
    offer = page.get_by_test_id("open-offers").locator("li").filter(has_text=f"BR-U-{suffix}")
    expect(offer).to_contain_text(f"BR-OFFER-{suffix}")
    expect(offer.get_by_label("Reden van afwijzing")).to_be_visible()
    screenshots.take(page, "13-desk-offers")

    page.get_by_role("link", name="Cijfers", exact=True).first.click()
    expect(page.get_by_role("heading", name="Ontruimingen per maand")).to_be_visible()
    chart = page.get_by_test_id("chart-temporary-housing")
    expect(chart).to_be_visible()
    # The chart loaded (an image that failed has no natural width).
    assert chart.evaluate("image => image.naturalWidth") > 0
    screenshots.take(page, "14-desk-figures")
    context.close()
