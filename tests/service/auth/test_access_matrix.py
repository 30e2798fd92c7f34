"""Every route × every role × own and foreign tenant.

Two tenants side by side (Amsterdam with corporation ymere, Zaanstad with parteon), each with a
household (a child at a school, an eviction, a stay), a unit, an offer and a match run. Every
role then calls every route: no server error anywhere, nobody but an admin reads the other
tenant's records, corporations never see a child, a school, a case reference or an eviction,
and auditors see no personal record at all.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.core.time import today_amsterdam
from tests.factories import (
    make_corporation,
    make_eviction,
    make_household,
    make_municipality,
    make_school,
    make_unit,
)
from tests.service.conftest import TokenFactory
from tests.service.routes import all_routes

OWN, FOREIGN = "GM0363", "GM0479"
# Words that name a child's, a family's or a case's details: never in a corporation's view.
CORPORATION_FORBIDDEN = re.compile(
    r'"(case_reference|children|birth_year|school|schools|safety_exclusions|evictions?|'
    r'eviction_date|homeless_since|explanation)"'
)
# Routes whose records belong to one tenant: a foreign id must never answer 200.
TENANT_BOUND = re.compile(
    r"^/v1/(households|units|offers|placements|match-runs|corporations/\{code\}/units)"
)
PERSONAL = re.compile(r"^/v1/(households|offers|placements|match-runs)")


def _api_routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in all_routes(app) if r.path.startswith("/v1/")]


@pytest.fixture
def world(client: TestClient, db_session: Session, make_token: TokenFactory) -> dict[str, Any]:
    today = today_amsterdam()
    make_municipality(db_session, code=OWN, name="Amsterdam")
    make_municipality(db_session, code=FOREIGN, name="Zaanstad")
    make_corporation(db_session, code="ymere", municipalities=[OWN])
    make_corporation(db_session, code="parteon", municipalities=[FOREIGN])
    school = make_school(db_session, brin_code="11AA01")
    ids: dict[str, dict[str, str]] = {}
    for side, municipality, corporation in (("own", OWN, "ymere"), ("foreign", FOREIGN, "parteon")):
        household = make_household(
            db_session,
            case_reference=f"CASE-{side}",
            municipality=municipality,
            children=[{"birth_year": today.year - 8, "school": "11AA01"}],
            needed_from=today,
        )
        eviction = make_eviction(
            db_session, household=household, eviction_date=today - timedelta(days=40)
        )
        unit = make_unit(
            db_session,
            corporation=corporation,
            reference=f"REF-{side}",
            municipality=municipality,
            available_from=today - timedelta(days=1),
        )
        db_session.flush()
        stay = client.post(
            f"/v1/households/{household.id}/stays",
            json={"start_date": str(today - timedelta(days=30)), "place_kind": "shelter"},
        )
        assert stay.status_code == 201, stay.text
        offer = client.post(
            "/v1/offers",
            json={
                "household_id": str(household.id),
                "unit_id": str(unit.id),
                "reason": "Matrix test offer",
                "override_rules": ["occupants", "bedrooms", "needs", "availability", "school_trip"],
                "override_reason": "The matrix test only needs an offer to exist.",
            },
        )
        assert offer.status_code == 201, offer.text
        run = client.post("/v1/match-runs", json={"municipalities": [municipality]})
        assert run.status_code in (200, 201, 202), run.text
        ids[side] = {
            "household_id": str(household.id),
            "eviction_id": str(eviction.id),
            "stay_id": stay.json()["id"],
            "unit_id": str(unit.id),
            "offer_id": offer.json()["id"],
            "run_id": run.json()["id"],
            "placement_id": "00000000-0000-4000-8000-000000000000",
            "code": corporation,
            "reference": f"REF-{side}",
            "school_id": str(school.id),
            "name": "default",
            "version": "1",
            "key_id": "00000000-0000-4000-8000-000000000000",
        }
    # Municipality routes take a municipality code where corporation routes take theirs.
    tokens = {
        "admin": make_token(Role.ADMIN),
        "desk": make_token(Role.DESK, municipalities=[OWN]),
        "corporation": make_token(Role.CORPORATION, corporation_code="ymere"),
        "auditor": make_token(Role.AUDITOR),
        "integration": make_token(
            Role.INTEGRATION,
            municipalities=[OWN],
            scopes=["households:read", "units:read", "offers:read", "runs:read", "stats:read"],
        ),
    }
    return {"ids": ids, "tokens": tokens, "school_id": str(school.id)}


def _fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "code" and path.startswith("/v1/municipalities"):
            return OWN if ids["code"] == "ymere" else FOREIGN
        return ids[name]

    return re.sub(r"\{(\w+)\}", value, path)


def test_every_role_on_every_route(
    app: FastAPI, anonymous_client: TestClient, world: dict[str, Any]
) -> None:
    failures: list[str] = []
    reads = [r for r in _api_routes(app) if "GET" in r.methods]
    writes = [r for r in _api_routes(app) if r.methods - {"GET", "HEAD"}]
    assert len(reads) > 15 and len(writes) > 15

    for route in reads:
        for role, token in world["tokens"].items():
            for side in ("own", "foreign"):
                path = _fill(route.path, world["ids"][side])
                response = anonymous_client.get(path, headers={"Authorization": f"Bearer {token}"})
                where = f"{role} GET {path} ({side}) -> {response.status_code}"
                if response.status_code >= 500:
                    failures.append(f"server error: {where}")
                if response.status_code != 200:
                    continue
                if side == "foreign" and role != "admin" and TENANT_BOUND.match(route.path):
                    if "{" in route.path:
                        failures.append(f"foreign record readable: {where}")
                    elif world["ids"]["foreign"]["household_id"] in response.text:
                        failures.append(f"foreign record listed: {where}")
                if role == "corporation" and CORPORATION_FORBIDDEN.search(response.text):
                    found = CORPORATION_FORBIDDEN.search(response.text)
                    failures.append(f"corporation sees {found and found.group(0)}: {where}")
                if role == "auditor" and PERSONAL.match(route.path):
                    failures.append(f"auditor reads personal records: {where}")

    for route in writes:
        for method in sorted(route.methods - {"HEAD"}):
            path = _fill(route.path, world["ids"]["foreign"])
            anonymous = anonymous_client.request(method, path, json={})
            if anonymous.status_code != 401:
                failures.append(f"anonymous {method} {path} -> {anonymous.status_code}")
            auditor = anonymous_client.request(
                method,
                path,
                json={},
                headers={"Authorization": f"Bearer {world['tokens']['auditor']}"},
            )
            if auditor.status_code != 403:
                failures.append(f"auditor {method} {path} -> {auditor.status_code}")

    assert failures == [], "\n".join(failures)


def test_own_tenant_reads_work(anonymous_client: TestClient, world: dict[str, Any]) -> None:
    own = world["ids"]["own"]
    expectations = {
        "desk": [
            f"/v1/households/{own['household_id']}",
            f"/v1/households/{own['household_id']}/evictions",
            f"/v1/households/{own['household_id']}/stays/{own['stay_id']}",
            f"/v1/units/{own['unit_id']}",
            f"/v1/offers/{own['offer_id']}",
            f"/v1/match-runs/{own['run_id']}",
        ],
        "corporation": [
            f"/v1/units/{own['unit_id']}",
            "/v1/corporations/ymere/units/REF-own",
            f"/v1/offers/{own['offer_id']}",
            "/v1/offers",
        ],
        "auditor": ["/v1/stats/evictions", "/v1/audit-events"],
        "integration": [f"/v1/households/{own['household_id']}", f"/v1/units/{own['unit_id']}"],
    }
    failures = []
    for role, paths in expectations.items():
        headers = {"Authorization": f"Bearer {world['tokens'][role]}"}
        for path in paths:
            status = anonymous_client.get(path, headers=headers).status_code
            if status != 200:
                failures.append(f"{role} GET {path} -> {status}")
    assert failures == [], "\n".join(failures)


def test_the_world_is_what_the_matrix_assumes(world: dict[str, Any]) -> None:
    assert world["ids"]["own"]["household_id"] != world["ids"]["foreign"]["household_id"]
    assert date.fromisoformat("2026-01-01")  # keeps the import honest for type checkers
