from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.auth.models import Role
from tests.factories import make_municipality
from tests.service.conftest import TokenFactory


@pytest.fixture(autouse=True)
def _municipalities(db_session: Session) -> None:
    make_municipality(db_session, code="GM0363", name="Amsterdam")
    make_municipality(db_session, code="GM0437", name="Ouder-Amstel")
    db_session.flush()


def _school(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "brin_code": "00AB01",
        "name": "De Regenboog",
        "level": "primary",
        "municipality": "GM0363",
        "location": {"type": "Point", "coordinates": [4.8952, 52.3702]},
    }
    return body | overrides


def test_create_read_update_with_etag(client: TestClient) -> None:
    created = client.post("/v1/schools", json=_school())
    assert created.status_code == 201, created.text
    school = created.json()
    assert school["location"] == {"type": "Point", "coordinates": [4.8952, 52.3702]}
    read = client.get(f"/v1/schools/{school['id']}")
    etag = read.headers["etag"]
    assert etag == created.headers["etag"]

    renamed = client.patch(
        f"/v1/schools/{school['id']}", json={"name": "De Zonnebloem"}, headers={"If-Match": etag}
    )
    assert renamed.status_code == 200
    assert renamed.headers["etag"] != etag

    stale = client.patch(
        f"/v1/schools/{school['id']}", json={"name": "Oud"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert client.get(f"/v1/schools/{school['id']}").json()["name"] == "De Zonnebloem"


def test_rd_new_coordinates_are_converted(client: TestClient) -> None:
    # The Amersfoort reference point of RD New.
    created = client.post("/v1/schools", json=_school(location={"rd_x": 155000, "rd_y": 463000}))
    assert created.status_code == 201, created.text
    lon, lat = created.json()["location"]["coordinates"]
    # 2 m is about 0.00003 degrees of longitude and 0.000018 of latitude here.
    assert abs(lon - 5.38720621) < 0.00003
    assert abs(lat - 52.15517440) < 0.000018


@pytest.mark.parametrize(
    ("location", "field"),
    [
        ({"type": "Point", "coordinates": [2.35, 48.85]}, "body.location.geojson"),
        ({"type": "Point", "coordinates": [52.37, 4.89]}, "body.location.geojson"),
        ({"rd_x": 155000, "rd_y": 100000}, "body.location.rd"),
    ],
)
def test_location_outside_the_netherlands_is_rejected(
    client: TestClient, location: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/schools", json=_school(location=location))
    assert response.status_code == 422
    assert any(e["field"].startswith(field) for e in response.json()["errors"])


def test_unknown_municipality_and_bad_brin_are_field_errors(client: TestClient) -> None:
    response = client.post("/v1/schools", json=_school(municipality="GM9999"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "municipality"
    response = client.post("/v1/schools", json=_school(brin_code="AB"))
    assert response.json()["errors"][0]["field"] == "body.brin_code"


def test_idempotency_key_creates_once(client: TestClient) -> None:
    headers = {"Idempotency-Key": "import-7"}
    first = client.post("/v1/schools", json=_school(), headers=headers)
    again = client.post("/v1/schools", json=_school(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post("/v1/schools", json=_school(name="Anders"), headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert len(client.get("/v1/schools").json()["items"]) == 1


def test_idempotency_keys_belong_to_their_caller(
    client: TestClient, make_token: TokenFactory
) -> None:
    """Two people who happen to pick the same key each create their own record and never
    receive the other's stored answer."""
    headers = {"Idempotency-Key": "batch-1"}
    first = client.post("/v1/schools", json=_school(), headers=headers)
    other_person = {
        **headers,
        "Authorization": f"Bearer {make_token(Role.ADMIN, person='Iemand Anders')}",
    }
    second = client.post(
        "/v1/schools", json=_school(brin_code="22BB01", name="Ander"), headers=other_person
    )
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in second.headers


def test_list_pages_with_a_stable_cursor_and_updated_since(client: TestClient) -> None:
    for i in range(7):
        client.post("/v1/schools", json=_school(brin_code=f"0{i}XY01", name=f"School {i}"))
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/schools", params=params).json()
        seen += [s["brin_code"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # A school added mid-way before the cursor never shows up twice or shifts the pages.
        client.post("/v1/schools", json=_school(brin_code="00AA00", name="Vroeg"))
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 7

    all_schools = client.get("/v1/schools").json()["items"]
    newest = max(s["updated_at"] for s in all_schools)
    recent = client.get("/v1/schools", params={"updated_since": newest}).json()["items"]
    assert {s["updated_at"] for s in recent} == {newest}
    assert client.get("/v1/schools", params={"cursor": "garbage"}).status_code == 422


CSV_GOOD = (
    "brin_code,name,level,municipality,lon,lat,rd_x,rd_y\n"
    "01AB01,Het Kompas,primary,GM0363,4.90,52.36,,\n"
    "01AB02,Het Lyceum,secondary,GM0437,,,122000,480000\n"
)


def test_csv_import_creates_then_reimport_changes_nothing(client: TestClient) -> None:
    headers = {"content-type": "text/csv"}
    first = client.post("/v1/schools/import", content=CSV_GOOD, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() | {"errors": []} == {
        "stored": True,
        "total": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "errors": [],
    }
    again = client.post("/v1/schools/import", content=CSV_GOOD, headers=headers).json()
    assert (again["created"], again["unchanged"]) == (0, 2)


def test_csv_import_is_all_or_nothing_with_row_numbers(client: TestClient) -> None:
    bad = CSV_GOOD + "01AB03,Zonder Plek,primary,GM0363,,,,\n01AB04,X,college,GM0363,4.9,52.3,,\n"
    response = client.post("/v1/schools/import", content=bad, headers={"content-type": "text/csv"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    report = response.json()["report"]
    assert report["stored"] is False
    assert sorted({e["row"] for e in report["errors"]}) == [3, 4]
    assert any(e["field"] == "level" for e in report["errors"] if e["row"] == 4)
    assert client.get("/v1/schools").json()["items"] == []


def test_csv_import_partial_stores_the_good_rows(client: TestClient) -> None:
    bad = CSV_GOOD + "01AB03,Zonder Plek,primary,GM0363,,,,\n"
    response = client.post(
        "/v1/schools/import?partial=true", content=bad, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 200
    report = response.json()
    assert (report["created"], report["failed"]) == (2, 1)
    assert report["errors"][0]["row"] == 3
    assert len(client.get("/v1/schools").json()["items"]) == 2


def test_json_import_and_unknown_column(client: TestClient) -> None:
    rows = [
        {
            "brin_code": "02CD01",
            "name": "A",
            "level": "special",
            "municipality": "GM0363",
            "lon": 4.9,
            "lat": 52.37,
            "director": "x",
        },
    ]
    response = client.post("/v1/schools/import", json=rows)
    assert response.status_code == 422
    assert response.json()["report"]["errors"][0]["field"] == "director"


def test_unreadable_csv_is_a_problem_not_a_crash(client: TestClient) -> None:
    # A field over the csv module's limit (128 KiB) makes the reader itself fail.
    huge = "brin_code,name\n01AB01," + "x" * 200_000 + "\n"
    response = client.post("/v1/schools/import", content=huge, headers={"content-type": "text/csv"})
    assert response.status_code == 422
    assert "line" in response.json()["detail"]
