"""Corporations see and change only their own units; desks read those in their municipalities."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.auth.models import Role
from tests.factories import make_corporation, make_municipality, make_unit
from tests.service.conftest import TokenFactory


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(db_session: Session, make_token: TokenFactory) -> dict[str, Any]:
    # The units conftest made ymere; parteon serves Zaanstad only.
    make_municipality(db_session, code="GM0479", name="Zaanstad")
    make_corporation(db_session, code="parteon", municipalities=["GM0479"])
    ymere_unit = make_unit(db_session, corporation="ymere", reference="Y-1", municipality="GM0363")
    parteon_unit = make_unit(
        db_session, corporation="parteon", reference="P-1", municipality="GM0479"
    )
    db_session.flush()
    return {
        "ymere": _auth(make_token(Role.CORPORATION, corporation_code="ymere")),
        "parteon": _auth(make_token(Role.CORPORATION, corporation_code="parteon")),
        "desk": _auth(make_token(Role.DESK, municipalities=["GM0363"])),
        "auditor": _auth(make_token(Role.AUDITOR)),
        "ymere_unit": str(ymere_unit.id),
        "parteon_unit": str(parteon_unit.id),
    }


def test_a_corporation_sees_only_its_own_units(
    anonymous_client: TestClient, world: dict[str, Any]
) -> None:
    listed = anonymous_client.get("/v1/units", headers=world["ymere"]).json()["items"]
    assert [u["reference"] for u in listed] == ["Y-1"]
    foreign = anonymous_client.get(f"/v1/units/{world['parteon_unit']}", headers=world["ymere"])
    assert foreign.status_code == 404
    patched = anonymous_client.patch(
        f"/v1/units/{world['parteon_unit']}", json={"bedrooms": 3}, headers=world["ymere"]
    )
    assert patched.status_code == 404
    withdrawn = anonymous_client.post(
        f"/v1/units/{world['parteon_unit']}/withdraw", headers=world["ymere"]
    )
    assert withdrawn.status_code == 404
    by_reference = anonymous_client.get(
        "/v1/corporations/parteon/units/P-1", headers=world["ymere"]
    )
    assert by_reference.status_code == 404
    assert (
        anonymous_client.post(
            "/v1/corporations/parteon/units/bulk", json=[], headers=world["ymere"]
        ).status_code
        == 404
    )


def test_a_corporation_withdraws_its_own_unit(
    anonymous_client: TestClient, world: dict[str, Any]
) -> None:
    response = anonymous_client.post(
        f"/v1/units/{world['ymere_unit']}/withdraw", headers=world["ymere"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"


def test_a_desk_reads_units_in_its_municipalities_and_changes_none(
    anonymous_client: TestClient, world: dict[str, Any]
) -> None:
    listed = anonymous_client.get("/v1/units", headers=world["desk"]).json()["items"]
    assert [u["reference"] for u in listed] == ["Y-1"]
    assert (
        anonymous_client.get(
            f"/v1/units/{world['parteon_unit']}", headers=world["desk"]
        ).status_code
        == 404
    )
    response = anonymous_client.patch(
        f"/v1/units/{world['ymere_unit']}", json={"bedrooms": 3}, headers=world["desk"]
    )
    assert response.status_code == 403


def test_auditors_see_no_units(anonymous_client: TestClient, world: dict[str, Any]) -> None:
    assert anonymous_client.get("/v1/units", headers=world["auditor"]).status_code == 403
