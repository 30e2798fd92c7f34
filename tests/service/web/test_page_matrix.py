"""Every page × every role × own and foreign tenant, like the API's access matrix.

The same two tenants as `tests/service/auth/test_access_matrix.py`. Signed-in people open every
page: no server error anywhere, a foreign record is never shown, a corporation's pages never name
a case, a child's school or its school code, and an auditor opens no personal page. Every form
refuses a visitor without a session and a post without the session's CSRF token, and changes
nothing when it does.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.service.auth.test_access_matrix import world  # noqa: F401 (fixture)
from tests.service.routes import all_routes
from tests.service.web.conftest import PageClient, PageClientFactory

ROLES = ("admin", "desk", "corporation", "auditor")
# What a corporation must never read on a page: the case references, the school's name and code.
CORPORATION_FORBIDDEN = re.compile(r"CASE-(own|foreign)|De Regenboog|11AA01")
# Values for the path parameters only pages use (they win over the world's ids); a parameter
# neither knows fails the test, so a new page cannot slip past the matrix.
EXTRA_PARAMETERS = {"name": "evictions"}


def _page_routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in all_routes(app) if r.path.startswith("/app")]


def _fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        known = {**ids, **EXTRA_PARAMETERS}
        assert name in known, f"add a value for {{{name}}} ({path}) to EXTRA_PARAMETERS"
        return known[name]

    return re.sub(r"\{(\w+)\}", value, path)


def _row_counts(db_session: Session) -> dict[str, int]:
    tables = ("households", "stays", "evictions", "units", "offers", "placements", "match_runs")
    return {
        table: int(db_session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        for table in tables
    }


def test_every_role_on_every_page(
    app: FastAPI,
    db_session: Session,
    page_client: PageClientFactory,
    world: dict[str, Any],  # noqa: F811
) -> None:
    people: dict[str, PageClient] = {}
    for role in ROLES:
        people[role] = page_client()
        people[role].sign_in(world["tokens"][role])
    routes = _page_routes(app)
    pages = [r for r in routes if "GET" in r.methods]
    assert len(pages) >= 3
    failures: list[str] = []
    for route in pages:
        own_path = _fill(route.path, world["ids"]["own"])
        for side in ("own", "foreign"):
            path = _fill(route.path, world["ids"][side])
            if side == "foreign" and path == own_path:
                continue  # no tenant's record in this address
            for role, client in people.items():
                response = client.get(path, follow_redirects=False)
                where = f"{role} GET {path} ({side})"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                if (
                    response.status_code in (301, 302, 303, 307)
                    and "sign-in" in response.headers["location"]
                ):
                    failures.append(f"{where}: signed out by a page")
                if (
                    side == "foreign"
                    and role in ("desk", "corporation")
                    and response.status_code == 200
                ):
                    failures.append(f"{where}: another tenant's record answered 200")
                if role == "corporation" and CORPORATION_FORBIDDEN.search(response.text):
                    found = CORPORATION_FORBIDDEN.search(response.text)
                    failures.append(f"{where}: shows {found.group(0) if found else ''!r}")
                if role == "auditor" and re.search(r"CASE-(own|foreign)", response.text):
                    failures.append(f"{where}: an auditor reads a case")
    assert failures == [], "\n".join(failures)


def test_every_form_needs_a_session_and_its_csrf_token_and_changes_nothing_without(
    app: FastAPI,
    db_session: Session,
    page_client: PageClientFactory,
    world: dict[str, Any],  # noqa: F811
) -> None:
    forms = [
        r
        for r in _page_routes(app)
        if r.methods - {"GET", "HEAD"} and r.path not in {"/app/sign-in"}
    ]
    assert forms, "the sign-out form at least"
    before = _row_counts(db_session)
    anonymous = page_client()
    admin = page_client()
    admin.sign_in(world["tokens"]["admin"])
    failures: list[str] = []
    for route in forms:
        path = _fill(route.path, world["ids"]["own"])
        response = anonymous.post(path, data={"csrf_token": "x"}, follow_redirects=False)
        if response.status_code != 303 or "/app/sign-in" not in response.headers["location"]:
            failures.append(f"anonymous POST {path}: {response.status_code}")
        forged = admin.post(path, data={"csrf_token": "forged"}, follow_redirects=False)
        if forged.status_code != 403:
            failures.append(f"admin POST {path} with a forged token: {forged.status_code}")
    assert failures == [], "\n".join(failures)
    assert _row_counts(db_session) == before
