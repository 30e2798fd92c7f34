"""In headless Chromium against a real server: signing in, the language switch, signing out."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.service.web.browser import LiveSite, Screenshots, sign_in


def test_a_desk_signs_in_switches_language_and_signs_out_with_the_keyboard(
    browser: Browser, live_site: LiveSite, screenshots: Screenshots
) -> None:
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(live_site.url("/app"))
    expect(page).to_have_url(live_site.url("/app/sign-in?next=/app"))
    screenshots.take(page, "01-sign-in")
    page.get_by_label("Uw persoonlijke sleutel").fill("ond_0000_wrong")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("error-api_key")).to_contain_text("not valid")
    sign_in(page, live_site, live_site.keys["desk"])
    expect(page.get_by_test_id("person")).to_have_text("Desk Medewerker")
    expect(page.get_by_role("link", name="Huishoudens").first).to_be_visible()
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["onderdak_session"]["httpOnly"] is True
    assert cookies["onderdak_session"]["sameSite"] == "Lax"
    screenshots.take(page, "02-desk-home")
    page.get_by_label("Taal").select_option("en")  # submits on change
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("signed out")
    page.goto(live_site.url("/app"))
    expect(page).to_have_url(live_site.url("/app/sign-in?next=/app"))
    context.close()
