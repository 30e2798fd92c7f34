"""The whole scenario of issue #8 in headless Chromium against a real server, as two people at
two desks would do it: a desk registers a family with a child at a school; a corporation
uploads units as CSV; the desk previews a match, sees the proposal's line on the map, commits
and accepts the offer. Throughout, no page the corporation opens names the case or the school.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from service.core.time import today_amsterdam
from service.offers.models import Placement
from tests.service.web.browser import LiveSite, Screenshots, sign_in

AMSTELVEEN = "GM0362"
SCHOOL_NAME, SCHOOL_BRIN = "Het Baken", "00AC01"
CSV_HEADER = (
    "reference,kind,street,house_number,postcode,city,municipality,lon,lat,bedrooms,"
    "max_occupants,wheelchair_accessible,ground_floor,pets_allowed,available_from,"
    "available_until,max_stay_days,rent_cents"
)


def _corporation_sees_no_case(page: Page, *, case_reference: str) -> None:
    html = page.content()
    for secret in (case_reference, SCHOOL_NAME, SCHOOL_BRIN):
        assert secret not in html, f"{secret!r} on the corporation's page {page.url}"


def test_desk_and_corporation_from_registration_to_an_accepted_offer(
    browser: Browser, live_site: LiveSite, screenshots: Screenshots
) -> None:
    suffix = uuid.uuid4().hex[:6].upper()
    case_reference = f"E2E-{suffix}"
    today = today_amsterdam()
    desk = browser.new_context(locale="nl-NL").new_page()
    corporation = browser.new_context(locale="nl-NL").new_page()

    # 1. The desk registers a family: one adult, a child born in 2016 at Het Baken, homeless for
    #    years (so this family comes first in the preview whatever else the shared site holds).
    sign_in(desk, live_site, live_site.keys["desk"])
    desk.goto(live_site.url("/app/households/new"))
    desk.locator("#field-case_reference").fill(case_reference)
    desk.locator("#field-municipality").select_option(AMSTELVEEN)
    desk.locator("#field-adults").fill("1")
    desk.locator("#field-needed_from").fill(str(today))
    desk.locator("#field-homeless_since").fill(str(today - timedelta(days=2500)))
    desk.locator("#field-children-0-birth_year").fill("2016")
    school_option = desk.locator("#field-children-0-school option", has_text=SCHOOL_NAME)
    desk.locator("#field-children-0-school").select_option(school_option.get_attribute("value"))
    desk.get_by_role("button", name="Huishouden aanmelden").click()
    expect(desk).to_have_url(re.compile(r"/app/households/[0-9a-f-]{36}(\?.*)?$"))
    household_id = desk.url.split("?")[0].rsplit("/", 1)[1]
    expect(desk.locator("main")).to_contain_text(case_reference)
    expect(desk.locator("main")).to_contain_text(SCHOOL_NAME)
    screenshots.take(desk, "scenario-01-desk-household")

    # 2. The corporation uploads two units near the school as CSV.
    sign_in(corporation, live_site, live_site.keys["corporation"])
    corporation.goto(live_site.url("/app/units/upload"))
    rows = [
        f"{case}-{suffix},emergency,Stadsplein,{n},1181 ZM,Amstelveen,{AMSTELVEEN},"
        f"{lon},{lat},2,4,,,,{today - timedelta(days=1)},,,70000"
        for n, (case, lon, lat) in enumerate(
            (("SC-A", 4.8625, 52.3045), ("SC-B", 4.8702, 52.2990)), start=1
        )
    ]
    corporation.locator("#field-file").set_input_files(
        files=[
            {
                "name": "units.csv",
                "mimeType": "text/csv",
                "buffer": ("\n".join([CSV_HEADER, *rows]) + "\n").encode(),
            }
        ]
    )
    corporation.locator("form[action='/app/units/upload'] button[type=submit]").click()
    expect(corporation.get_by_test_id("upload-stored")).to_be_visible()
    screenshots.take(corporation, "scenario-02-corporation-upload")
    corporation.goto(live_site.url("/app/units"))
    expect(corporation.locator("main")).to_contain_text(f"SC-A-{suffix}")
    _corporation_sees_no_case(corporation, case_reference=case_reference)

    # 3. The desk previews a match for Amstelveen with the default policy.
    desk.goto(live_site.url("/app/match"))
    for checkbox in desk.locator("input[name=municipalities]").all():
        checkbox.set_checked(checkbox.get_attribute("value") == AMSTELVEEN)
    desk.get_by_role("button", name="Voorstel maken").click()
    expect(desk).to_have_url(re.compile(r"/app/match/[0-9a-f-]{36}$"))
    expect(desk.get_by_test_id("rights-check")).to_be_visible()
    row = desk.locator(f"[data-testid=proposals] tr[data-household='{household_id}']")
    expect(row).to_contain_text(case_reference)
    expect(row).to_contain_text(SCHOOL_NAME)
    # The map draws the family's line from its proposed unit to the child's school.
    line = desk.locator(f"[data-testid=match-map] line.trip[data-household='{household_id}']")
    expect(line).to_have_count(1)
    row.locator("summary").click()
    expect(row.get_by_test_id("explanation")).to_be_visible()
    screenshots.take(desk, "scenario-03-desk-match-map")

    # 4. The desk commits the preview; the offers page shows the family's offer; it accepts.
    desk.get_by_role("button", name=re.compile("Vastleggen")).click()
    expect(desk).to_have_url(live_site.url("/app/offers"))
    offer = desk.locator("[data-testid=open-offers] li", has_text=case_reference)
    expect(offer).to_have_count(1)
    screenshots.take(desk, "scenario-04-desk-offers")
    offer.get_by_role("button", name=re.compile("accepteren", re.I)).click()
    expect(desk.locator("[data-testid=open-offers] li", has_text=case_reference)).to_have_count(0)
    desk.goto(live_site.url("/app/placements"))
    expect(desk.locator("main")).to_contain_text(case_reference)
    screenshots.take(desk, "scenario-05-desk-placements")

    with live_site.session_factory() as session:  # type: ignore[operator]
        placement = session.scalars(
            select(Placement).where(Placement.household_id == uuid.UUID(household_id))
        ).one()
        assert placement.status == "active"

    # 5. The corporation sees the placement on its unit, and still no case or school anywhere.
    for path in ("/app", "/app/units", "/app/offers", "/app/placements"):
        corporation.goto(live_site.url(path))
        _corporation_sees_no_case(corporation, case_reference=case_reference)
    expect(corporation.locator("main")).to_contain_text(f"-{suffix}")
    screenshots.take(corporation, "scenario-06-corporation-placements")
