"""Personal API keys: 401 without a valid one, 403 without the right, rotation with grace."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.dependencies import access_rule_of
from service.auth.keys import authenticate, create_key
from service.auth.models import ApiKey, Role
from service.core.time import utc_now
from tests.factories import make_corporation, make_municipality
from tests.service.conftest import TokenFactory
from tests.service.routes import all_routes


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_route_declares_its_access_rule(app: FastAPI) -> None:
    def rules(dependant: object) -> list[dict[str, object]]:
        found = []
        for dependency in getattr(dependant, "dependencies", []):
            rule = access_rule_of(dependency.call)
            if rule is not None:
                found.append(rule)
            found += rules(dependency)
        return found

    routes = all_routes(app)
    assert len(routes) > 10
    missing = [f"{sorted(r.methods)} {r.path}" for r in routes if not rules(r.dependant)]
    assert missing == [], f"routes without an access rule: {missing}"


def test_missing_malformed_and_unknown_keys_are_401(anonymous_client: TestClient) -> None:
    for headers in (
        {},
        {"Authorization": "Basic dXNlcjpwdw=="},
        _bearer("ond_000000000000_notakey"),
        _bearer("garbage"),
    ):
        response = anonymous_client.get("/v1/municipalities", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"] == "application/problem+json"


def test_health_probes_need_no_key(anonymous_client: TestClient) -> None:
    assert anonymous_client.get("/healthz").status_code == 200


def test_a_desk_may_read_reference_data_but_not_change_it(
    anonymous_client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    make_municipality(db_session, code="GM0363", name="Amsterdam")
    token = make_token(Role.DESK, municipalities=["GM0363"])
    assert anonymous_client.get("/v1/municipalities", headers=_bearer(token)).status_code == 200
    response = anonymous_client.post(
        "/v1/municipalities", json={"code": "GM0001", "name": "X"}, headers=_bearer(token)
    )
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


def test_integration_needs_the_scope(
    anonymous_client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    make_municipality(db_session, code="GM0363", name="Amsterdam")
    reader = make_token(Role.INTEGRATION, municipalities=["GM0363"], scopes=["schools:read"])
    assert anonymous_client.get("/v1/schools", headers=_bearer(reader)).status_code == 200
    response = anonymous_client.post("/v1/schools/import", json=[], headers=_bearer(reader))
    assert response.status_code == 403
    assert "schools:write" in response.json()["detail"]


def test_keys_are_stored_only_as_a_hash(db_session: Session) -> None:
    key, token = create_key(db_session, person="Ans", role=Role.ADMIN)
    stored = db_session.scalars(select(ApiKey).where(ApiKey.id == key.id)).one()
    secret = token.split("_", 2)[2]
    assert secret not in (stored.secret_hash, stored.prefix)
    assert len(secret) >= 43  # 32 random bytes


def test_expired_and_revoked_keys_are_refused(
    client: TestClient, anonymous_client: TestClient, db_session: Session
) -> None:
    _, expired = create_key(
        db_session, person="Oud", role=Role.ADMIN, expires_at=utc_now() - timedelta(minutes=1)
    )
    db_session.flush()
    response = anonymous_client.get("/v1/municipalities", headers=_bearer(expired))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]

    created = client.post("/v1/keys", json={"person": "Bea", "role": "auditor"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    assert anonymous_client.get("/v1/municipalities", headers=_bearer(token)).status_code == 200
    assert client.post(f"/v1/keys/{created.json()['id']}/revoke").status_code == 200
    response = anonymous_client.get("/v1/municipalities", headers=_bearer(token))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert "token" not in client.get("/v1/keys").json()[0]


def test_rotation_keeps_the_old_key_working_for_the_grace_period(
    client: TestClient, db_session: Session
) -> None:
    make_corporation(db_session, code="ymere", municipalities=["GM0363"])
    created = client.post(
        "/v1/keys", json={"person": "Cor", "role": "corporation", "corporation": "ymere"}
    ).json()
    rotated = client.post(f"/v1/keys/{created['id']}/rotate", json={"grace_hours": 1})
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()
    assert new["token"] != created["token"]
    assert new["corporation_id"] == created["corporation_id"]
    old_principal = authenticate(db_session, token=created["token"])
    assert old_principal.person == "Cor"
    later = utc_now() + timedelta(hours=2)
    assert authenticate(db_session, token=new["token"], now=later).person == "Cor"
    try:
        authenticate(db_session, token=created["token"], now=later)
    except Exception as exc:
        assert "expired" in str(exc)
    else:  # pragma: no cover - the failure
        raise AssertionError("the old key still worked after its grace period")


def test_key_rules_per_role(client: TestClient) -> None:
    for body, field in (
        ({"person": "D", "role": "desk"}, "municipality"),
        ({"person": "C", "role": "corporation"}, "corporation"),
        ({"person": "I", "role": "integration", "municipalities": []}, "scopes"),
    ):
        response = client.post("/v1/keys", json=body)
        assert response.status_code == 422
        assert field in response.json()["detail"]
