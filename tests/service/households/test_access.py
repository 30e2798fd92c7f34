"""Desks see and register only their own municipalities' households; nobody else sees them."""

from fastapi.testclient import TestClient

from service.auth.models import Role
from tests.service.conftest import TokenFactory
from tests.service.households.conftest import household_body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_desk_works_on_its_own_municipality_only(
    client: TestClient, make_token: TokenFactory
) -> None:
    desk = _bearer(make_token(Role.DESK, municipalities=["GM0363"]))
    own = client.post("/v1/households", json=household_body(), headers=desk)
    assert own.status_code == 201, own.text
    elsewhere = client.post(
        "/v1/households", json=household_body(municipality="GM0437", case_reference="X")
    ).json()  # by the admin

    listed = client.get("/v1/households", headers=desk).json()["items"]
    assert [h["id"] for h in listed] == [own.json()["id"]]
    # Another municipality's household does not exist for this desk.
    assert client.get(f"/v1/households/{elsewhere['id']}", headers=desk).status_code == 404
    assert client.get(f"/v1/households/{elsewhere['id']}/stays", headers=desk).status_code == 404
    refused = client.post(
        "/v1/households", json=household_body(municipality="GM0437"), headers=desk
    )
    assert refused.status_code == 403
    moved = client.patch(
        f"/v1/households/{own.json()['id']}", json={"municipality": "GM0437"}, headers=desk
    )
    assert moved.status_code == 403


def test_corporations_auditors_and_strangers_never_see_households(
    client: TestClient, make_token: TokenFactory
) -> None:
    household = client.post("/v1/households", json=household_body()).json()
    url = f"/v1/households/{household['id']}"
    auditor = _bearer(make_token(Role.AUDITOR))
    assert client.get(url, headers=auditor).status_code == 403
    assert client.get("/v1/households", headers=auditor).status_code == 403
    assert client.get(url, headers={"Authorization": ""}).status_code == 401
