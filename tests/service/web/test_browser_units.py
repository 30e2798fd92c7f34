"""In headless Chromium against a real server: a corporation uploads units as CSV (a bad row
first: the per-row report; then a good file) and finds them in its list."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, expect

from tests.service.web.browser import LiveSite, Screenshots, sign_in

HEADER = (
    "reference,kind,street,house_number,postcode,city,municipality,lon,lat,bedrooms,"
    "max_occupants,wheelchair_accessible,ground_floor,pets_allowed,available_from,"
    "available_until,max_stay_days,rent_cents"
)


def _row(reference: str, *, kind: str = "emergency", bedrooms: int = 2) -> str:
    return (
        f"{reference},{kind},Damrak,1,1012 AB,Amsterdam,GM0363,4.8952,52.3702,{bedrooms},4,"
        "true,,,2026-01-01,,,65000"
    )


def test_a_corporation_uploads_units_as_csv_and_sees_them_listed(
    browser: Browser, live_site: LiveSite, screenshots: Screenshots
) -> None:
    prefix = f"BRU-{uuid.uuid4().hex[:6]}"
    good, other = f"{prefix}-1", f"{prefix}-2"
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_site, live_site.keys["corporation"])
    page.get_by_role("link", name="Woningen uploaden (CSV)").first.click()
    expect(page.get_by_role("heading", name="Woningen uploaden (CSV)")).to_be_visible()

    # A file with one bad row: nothing is stored, each error is listed by row and field.
    bad_file = "\n".join([HEADER, _row(good), _row(other, kind="castle", bedrooms=0)]) + "\n"
    page.get_by_label("CSV-bestand").set_input_files(
        files=[{"name": "units.csv", "mimeType": "text/csv", "buffer": bad_file.encode()}]
    )
    page.get_by_role("button", name="Uploaden").click()
    report = page.get_by_test_id("upload-report")
    expect(page.get_by_test_id("upload-rejected")).to_contain_text("er is niets opgeslagen")
    expect(report.locator("tbody tr")).to_have_count(2)
    expect(report.locator("tbody tr").first).to_contain_text("kind")
    expect(report).to_contain_text("bedrooms")
    screenshots.take(page, "units-csv-report")

    # The corrected file is stored.
    good_file = "\n".join([HEADER, _row(good), _row(other, kind="transitional")]) + "\n"
    page.get_by_label("CSV-bestand").set_input_files(
        files=[{"name": "units.csv", "mimeType": "text/csv", "buffer": good_file.encode()}]
    )
    page.get_by_role("button", name="Uploaden").click()
    expect(page.get_by_test_id("upload-stored")).to_contain_text("2 nieuw")
    page.get_by_role("link", name="Naar uw woningen").click()
    expect(page.locator(f'tr[data-reference="{good}"]')).to_contain_text("Noodopvang")
    expect(page.locator(f'tr[data-reference="{other}"]')).to_contain_text("Wisselwoning")
    expect(page.locator(f'tr[data-reference="{good}"]')).to_contain_text("rolstoeltoegankelijk")
    screenshots.take(page, "units-list")
    context.close()
