from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_municipality


def test_municipality_create_and_read(client: TestClient) -> None:
    response = client.post(
        "/v1/municipalities", json={"code": "gm0363", "name": "Amsterdam", "region": "Amsterdam"}
    )
    assert response.status_code == 201, response.text
    assert response.json() == {
        "code": "GM0363",
        "name": "Amsterdam",
        "region": "Amsterdam",
        "merged_into": None,
    }
    assert client.get("/v1/municipalities/GM0363").json()["name"] == "Amsterdam"
    assert (
        client.post("/v1/municipalities", json={"code": "GM0363", "name": "x"}).status_code == 409
    )


def test_municipality_code_format_is_checked(client: TestClient) -> None:
    response = client.post("/v1/municipalities", json={"code": "0363", "name": "Amsterdam"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.code"


def test_merged_municipality_code_resolves_to_its_successor(
    client: TestClient, db_session: Session
) -> None:
    make_municipality(db_session, code="GM1980", name="Zuidplas")
    db_session.flush()
    response = client.post(
        "/v1/municipalities",
        json={"code": "GM0512", "name": "Gorinchem-oud", "merged_into": "GM1980"},
    )
    assert response.status_code == 201
    corporation = client.post(
        "/v1/corporations", json={"code": "woonpartners", "name": "W", "municipalities": ["GM0512"]}
    )
    assert corporation.status_code == 201, corporation.text
    assert corporation.json()["municipalities"] == ["GM1980"]


def test_corporation_with_unknown_municipality_names_the_field(client: TestClient) -> None:
    response = client.post(
        "/v1/corporations", json={"code": "ymere", "name": "Ymere", "municipalities": ["GM9999"]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "municipalities.0"
    assert client.get("/v1/corporations/ymere").status_code == 404


def test_nul_characters_are_a_field_error_not_a_crash(client: TestClient) -> None:
    response = client.post("/v1/corporations", json={"code": "ymere", "name": "Ym\u0000ere"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.name"
