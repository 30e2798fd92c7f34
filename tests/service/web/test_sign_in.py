"""Signing in and out of the web pages: HttpOnly SameSite cookie, CSRF on every form, the key
checked again on every page, and no open redirect."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.auth.keys import revoke_key
from service.auth.models import ApiKey, Role
from service.web.models import WebSession
from tests.factories import make_corporation, make_municipality
from tests.service.conftest import TokenFactory
from tests.service.web.conftest import PageClientFactory

AMSTERDAM = "GM0363"


def _desk(db_session: Session, make_token: TokenFactory) -> str:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    return make_token(Role.DESK, municipalities=[AMSTERDAM], person="Sanne de Vries")


def test_pages_send_a_visitor_without_session_to_the_sign_in_form(
    page_client: PageClientFactory,
) -> None:
    client = page_client()
    response = client.get("/app?from=mail", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/app/sign-in?next=/app%3Ffrom%3Dmail"
    form = client.get(response.headers["location"])
    assert form.status_code == 200
    assert "text/html" in form.headers["content-type"]
    assert 'name="next" value="/app?from=mail"' in form.text
    assert '<label for="field-api_key">Uw persoonlijke sleutel' in form.text
    # The API is unchanged: no redirects, problem+json.
    api = client.get("/v1/households")
    assert api.status_code == 401
    assert api.headers["content-type"] == "application/problem+json"


def test_a_desk_signs_in_with_its_key_and_gets_an_httponly_samesite_cookie(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    key = _desk(db_session, make_token)
    client = page_client()
    response = client.post(
        "/app/sign-in",
        data={"api_key": key, "language": "nl", "next": "/app/households"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app/households"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("onderdak_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert key not in cookie  # the key itself never goes into a cookie
    home = client.get("/app")
    assert home.status_code == 200
    assert "Sanne de Vries" in home.text
    assert "Uitloggen" in home.text
    assert "Amsterdam" in home.text
    assert home.headers["content-security-policy"].startswith("default-src 'self'")
    stored = db_session.scalars(select(WebSession)).one()
    assert stored.token_hash not in cookie and len(stored.token_hash) == 64


def test_a_wrong_key_is_shown_next_to_the_field_and_leaves_nothing_behind(
    db_session: Session, page_client: PageClientFactory
) -> None:
    client = page_client()
    response = client.post(
        "/app/sign-in", data={"api_key": "ond_000000000000_nope", "language": "en"}
    )
    assert response.status_code == 401
    assert 'data-testid="error-api_key"' in response.text
    assert "The API key is not valid." in response.text
    assert 'aria-invalid="true"' in response.text
    assert "onderdak_session" not in response.headers.get("set-cookie", "")
    assert db_session.scalar(select(func.count()).select_from(WebSession)) == 0
    empty = client.post("/app/sign-in", data={"api_key": "  "})
    assert empty.status_code == 422
    assert "Vul uw sleutel in." in empty.text


def test_integration_keys_cannot_sign_in(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    key = make_token(Role.INTEGRATION, municipalities=[AMSTERDAM], scopes=["units:read"])
    response = page_client().post("/app/sign-in", data={"api_key": key, "language": "en"})
    assert response.status_code == 401
    assert "The web pages are for desks and housing corporations." in response.text
    assert db_session.scalar(select(func.count()).select_from(WebSession)) == 0


def test_forms_without_this_sessions_csrf_token_or_from_another_site_are_refused(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = page_client()
    client.sign_in(_desk(db_session, make_token))
    missing = client.post("/app/language", data={"language": "en"}, follow_redirects=False)
    assert missing.status_code == 403
    assert "formulier is verlopen" in missing.text
    forged = client.post(
        "/app/language", data={"language": "en", "csrf_token": "guess"}, follow_redirects=False
    )
    assert forged.status_code == 403
    other_site = client.submit(
        "/app/language", {"language": "en"}, headers={"Origin": "https://evil.example"}
    )
    assert other_site.status_code == 403  # type: ignore[attr-defined]
    assert "Uitloggen" in client.get("/app").text  # still Dutch: nothing changed
    accepted = client.submit("/app/language", {"language": "en", "next": "/app"})
    assert accepted.status_code == 303  # type: ignore[attr-defined]
    assert "Sign out" in client.get("/app").text


def test_signing_out_ends_the_session_in_the_database_not_only_the_cookie(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = page_client()
    client.sign_in(_desk(db_session, make_token))
    cookie = client.cookies.get("onderdak_session")
    assert cookie
    response = client.submit("/app/sign-out")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert client.get("/app", follow_redirects=False).status_code == 303
    # A copy of the old cookie (a stolen one, say) no longer works either.
    replay = page_client()
    replay.cookies.set("onderdak_session", cookie)
    assert replay.get("/app", follow_redirects=False).status_code == 303
    assert db_session.scalars(select(WebSession)).one().ended_at is not None


def test_revoking_the_key_ends_its_web_sessions(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    key = _desk(db_session, make_token)
    client = page_client()
    client.sign_in(key)
    assert client.get("/app", follow_redirects=False).status_code == 200
    api_key = db_session.scalars(select(ApiKey).where(ApiKey.person == "Sanne de Vries")).one()
    revoke_key(db_session, key_id=api_key.id)
    db_session.flush()
    assert client.get("/app", follow_redirects=False).status_code == 303


def test_sign_in_never_redirects_to_another_site(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    key = _desk(db_session, make_token)
    for target in ("https://evil.example/app", "//evil.example/app", "/v1/households"):
        response = page_client().post(
            "/app/sign-in", data={"api_key": key, "next": target}, follow_redirects=False
        )
        assert response.headers["location"] == "/app", target


def test_a_corporation_cannot_open_desk_pages_and_sees_only_its_menu(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    make_corporation(db_session, code="ymere", name="Ymere", municipalities=[AMSTERDAM])
    client = page_client()
    client.sign_in(make_token(Role.CORPORATION, corporation_code="ymere"))
    home = client.get("/app")
    assert 'href="/app/units"' in home.text
    assert 'href="/app/households"' not in home.text
    assert 'href="/app/match"' not in home.text


def test_unknown_pages_are_pages_and_unknown_api_paths_stay_problems(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = page_client()
    client.sign_in(_desk(db_session, make_token))
    page = client.get("/app/no-such-page")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "Niet gevonden" in page.text
    api = client.get("/v1/no-such-thing")
    assert api.headers["content-type"] == "application/problem+json"


def test_signing_in_and_out_is_in_the_audit_trail(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = page_client()
    client.sign_in(_desk(db_session, make_token))
    client.submit("/app/sign-out")
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "web_session")
    ).all()
    assert sorted(e.action for e in events) == ["web_session.signed_in", "web_session.signed_out"]
    assert all(e.actor == "Sanne de Vries (desk)" for e in events)
