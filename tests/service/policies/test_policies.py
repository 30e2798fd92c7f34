"""Policies: the built-ins exist after migration; admins add versions, never edit them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.auth.models import Role
from tests.factories import AMSTERDAM, make_municipality
from tests.service.conftest import TokenFactory


def test_the_builtin_policies_exist_after_migration(client: TestClient) -> None:
    response = client.get("/v1/policies")

    assert response.status_code == 200
    references = [p["reference"] for p in response.json()]
    assert {"default@1", "school-first@1", "waiting-first@1"} <= set(references)
    default = client.get("/v1/policies/default/versions/1").json()
    assert default["parameters"]["tiers"] == ["placement", "school_and_waiting", "fit"]
    assert default["parameters"]["school_trip_limits"]["primary_km"] == 15.0
    assert default["offer_valid_hours"] == 72


def test_admins_add_versions_and_runs_default_to_the_latest(
    client: TestClient, db_session: Session
) -> None:
    response = client.post(
        "/v1/policies",
        json={
            "name": "default",
            "description": "Shorter primary-school trips.",
            "parameters": {"school_trip_limits": {"primary_km": 10}},
            "offer_valid_hours": 48,
        },
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["reference"] == "default@2"
    assert created["parameters"]["school_trip_limits"]["primary_km"] == 10
    assert created["parameters"]["trip_scale_km"] == 5.0  # the engine's default, spelled out
    assert response.headers["Location"] == "/v1/policies/default/versions/2"
    assert client.get("/v1/policies/default").json()["version"] == 2
    assert client.get("/v1/policies/default/versions/1").json()["version"] == 1
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "policy.version_created")
    ).all()
    assert len(events) == 1


def test_invalid_parameters_are_field_errors(client: TestClient) -> None:
    response = client.post(
        "/v1/policies",
        json={"name": "mine", "parameters": {"tiers": ["fit", "placement"], "trip_power": 9}},
    )

    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "parameters.trip_power" in fields
    reserved = client.post("/v1/policies", json={"name": "mine", "parameters": {"version": 7}})
    assert reserved.status_code == 422


def test_only_admins_create_policies(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    desk = {"Authorization": f"Bearer {make_token(Role.DESK, municipalities=[AMSTERDAM])}"}

    assert client.get("/v1/policies", headers=desk).status_code == 200
    assert client.post("/v1/policies", json={"name": "mine"}, headers=desk).status_code == 403


def test_unknown_policies_are_404(client: TestClient) -> None:
    assert client.get("/v1/policies/nothing").status_code == 404
    assert client.get("/v1/policies/default/versions/99").status_code == 404
