"""A corporation's system keeping its units in sync: PUT by reference, and bulk uploads."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.units.models import Unit
from tests.service.units.conftest import unit_body

PUT_URL = "/v1/corporations/ymere/units/{reference}"
BULK_URL = "/v1/corporations/ymere/units/bulk"


def _count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Unit)) or 0


# --- PUT ----------------------------------------------------------------------------------------


def test_put_creates_then_updates_then_changes_nothing(client: TestClient) -> None:
    url = PUT_URL.format(reference="NO-0412")
    created = client.put(url, json=unit_body())
    assert created.status_code == 201, created.text
    unit = created.json()
    assert (unit["corporation"], unit["reference"], unit["status"]) == (
        "ymere",
        "NO-0412",
        "available",
    )
    assert created.headers["location"] == f"/v1/units/{unit['id']}"

    same = client.put(url, json=unit_body())
    assert same.status_code == 200
    # Nothing changed: the same version (ETag) and the same updated_at.
    assert same.headers["etag"] == created.headers["etag"]
    assert same.json() == unit

    updated = client.put(url, json=unit_body(rent_cents=70_000))
    assert updated.status_code == 200
    assert updated.json()["rent_cents"] == 70_000
    assert updated.json()["id"] == unit["id"]
    assert updated.headers["etag"] != created.headers["etag"]

    # A location sent in RD New converts the same way every time: a re-sync is no change.
    rd_body = unit_body(rent_cents=70_000, location={"rd_x": 121500, "rd_y": 487300})
    moved = client.put(url, json=rd_body)
    assert moved.headers["etag"] != updated.headers["etag"]
    assert client.put(url, json=rd_body).headers["etag"] == moved.headers["etag"]


def test_put_is_a_full_replacement(client: TestClient) -> None:
    url = PUT_URL.format(reference="NO-1")
    client.put(url, json=unit_body(pets_allowed=True))
    body = unit_body()
    for optional in ("available_until", "max_stay_days", "pets_allowed"):
        body.pop(optional)
    replaced = client.put(url, json=body).json()
    assert replaced["available_until"] is None
    assert replaced["max_stay_days"] is None
    assert replaced["pets_allowed"] is False


def test_put_honours_if_match(client: TestClient, db_session: Session) -> None:
    url = PUT_URL.format(reference="NO-2")
    # If-Match on a unit that does not exist yet cannot match anything.
    assert client.put(url, json=unit_body(), headers={"If-Match": '"x.1"'}).status_code == 412
    assert client.put(url, json=unit_body(), headers={"If-Match": "*"}).status_code == 412
    assert _count(db_session) == 0

    etag = client.put(url, json=unit_body()).headers["etag"]
    ok = client.put(url, json=unit_body(bedrooms=3), headers={"If-Match": etag})
    assert ok.status_code == 200
    stale = client.put(url, json=unit_body(bedrooms=4), headers={"If-Match": etag})
    assert stale.status_code == 412
    assert client.get(url).json()["bedrooms"] == 3
    assert client.put(url, json=unit_body(bedrooms=4), headers={"If-Match": "*"}).status_code == 200


def test_put_refuses_bad_input_and_stores_nothing(client: TestClient, db_session: Session) -> None:
    url = PUT_URL.format(reference="NO-3")
    assert client.put(url, json=unit_body(municipality="GM0384")).status_code == 422
    assert client.put(url, json=unit_body(bedrooms=0)).status_code == 422
    assert client.put(url, json=unit_body(corporation="ymere")).status_code == 422
    assert client.put("/v1/corporations/nobody/units/NO-3", json=unit_body()).status_code == 404
    assert client.put("/v1/corporations/ymere/units/a b", json=unit_body()).status_code == 422
    assert _count(db_session) == 0


def test_put_and_post_share_the_reference_space(client: TestClient) -> None:
    body = unit_body(corporation="ymere", reference="NO-4")
    posted = client.post("/v1/units", json=body).json()
    put = client.put(PUT_URL.format(reference="NO-4"), json=unit_body(bedrooms=4))
    assert put.status_code == 200
    assert put.json()["id"] == posted["id"]


# --- bulk ---------------------------------------------------------------------------------------

CSV_HEADER = (
    "reference,kind,street,house_number,postcode,city,municipality,lon,lat,rd_x,rd_y,"
    "bedrooms,max_occupants,wheelchair_accessible,ground_floor,pets_allowed,"
    "available_from,available_until,max_stay_days,rent_cents\n"
)
CSV_GOOD = CSV_HEADER + (
    "NO-1,emergency,Damrak,1,1012lg,Amsterdam,GM0363,4.8952,52.3702,,,2,4,true,,0,"
    "2026-12-01,,,65000\n"
    "NO-2,transitional,Dorpsstraat,3-2,1191 AB,Ouderkerk,GM0437,,,122000,480000,3,5,no,yes,1,"
    "2026-12-15,2027-12-14,365,82500\n"
)


def _row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "reference": "J-1",
        "kind": "emergency",
        "street": "Damrak",
        "house_number": "1",
        "postcode": "1012 LG",
        "city": "Amsterdam",
        "municipality": "GM0363",
        "lon": 4.8952,
        "lat": 52.3702,
        "bedrooms": 2,
        "max_occupants": 4,
        "available_from": "2026-12-01",
        "rent_cents": 65_000,
    }
    return row | overrides


def test_csv_upload_creates_then_reupload_changes_nothing(client: TestClient) -> None:
    headers = {"content-type": "text/csv"}
    first = client.post(BULK_URL, content=CSV_GOOD, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "stored": True,
        "total": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "errors": [],
    }
    units = {u["reference"]: u for u in client.get("/v1/units").json()["items"]}
    assert units["NO-1"]["address"]["postcode"] == "1012 LG"
    assert (units["NO-1"]["wheelchair_accessible"], units["NO-1"]["ground_floor"]) == (True, False)
    assert units["NO-1"]["pets_allowed"] is False
    assert units["NO-2"]["available_until"] == "2027-12-14"
    assert units["NO-2"]["pets_allowed"] is True
    assert units["NO-2"]["kind"] == "transitional"
    assert units["NO-2"]["location"]["coordinates"][0] > 4.7  # RD converted

    etags = {r: client.get(f"/v1/units/{u['id']}").headers["etag"] for r, u in units.items()}
    again = client.post(BULK_URL, content=CSV_GOOD, headers=headers).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert etags == {
        r: client.get(f"/v1/units/{u['id']}").headers["etag"] for r, u in units.items()
    }

    changed = CSV_GOOD.replace(",65000\n", ",66000\n")
    report = client.post(BULK_URL, content=changed, headers=headers).json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)


def test_json_upload_uses_the_same_columns(client: TestClient) -> None:
    rows = [_row(), _row(reference="J-2", lon=None, lat=None, rd_x=121000, rd_y=487000)]
    report = client.post(BULK_URL, json=rows)
    assert report.status_code == 200, report.text
    assert report.json()["created"] == 2


def test_bulk_is_all_or_nothing_with_row_numbers(client: TestClient, db_session: Session) -> None:
    rows = [
        _row(reference="OK-1"),
        _row(reference="BAD-2", bedrooms=0, postcode="12345"),
        _row(reference="OK-3"),
        _row(reference="BAD-4", municipality="GM0384"),
        _row(reference="BAD-5", lon=None, lat=None),
        _row(reference="OK-1"),
        _row(reference="BAD-7", lon=2.35, lat=48.85),
        _row(reference="BAD-8", available_from="2027-01-02", available_until="2027-01-01"),
    ]
    response = client.post(BULK_URL, json=rows)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    report = response.json()["report"]
    assert report["stored"] is False
    assert (report["total"], report["failed"], report["created"]) == (8, 6, 0)
    errors = {(e["row"], e["field"]) for e in report["errors"]}
    assert {(2, "bedrooms"), (2, "postcode")} <= errors
    assert (4, "municipality") in errors
    assert (5, "location") in errors
    assert (6, "reference") in errors
    assert any(row == 7 and field.startswith("location.geojson") for row, field in errors)
    assert (8, "available_until") in errors
    duplicate = next(e for e in report["errors"] if e["row"] == 6)
    assert "row 1" in duplicate["message"]
    assert _count(db_session) == 0


def test_bulk_partial_stores_the_good_rows(client: TestClient, db_session: Session) -> None:
    rows = [_row(reference="OK-1"), _row(reference="BAD-2", rent_cents=-5), _row(reference="OK-3")]
    response = client.post(f"{BULK_URL}?partial=true", json=rows)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["stored"], report["created"], report["failed"]) == (True, 2, 1)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "rent_cents")]
    references = {u["reference"] for u in client.get("/v1/units").json()["items"]}
    assert references == {"OK-1", "OK-3"}
    assert _count(db_session) == 2


def test_csv_errors_count_rows_from_one(client: TestClient) -> None:
    bad = (
        CSV_GOOD
        + "NO-3,emergency,Damrak,1,1012 LG,Amsterdam,GM0363,4.9,52.37,,,x,4,,,,2026-12-01,,,1\n"
    )
    response = client.post(BULK_URL, content=bad, headers={"content-type": "text/csv"})
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["report"]["errors"]] == [
        (3, "bedrooms")
    ]


def test_bulk_refuses_what_is_not_a_list_of_units(client: TestClient) -> None:
    assert client.post(BULK_URL, json={"reference": "x"}).status_code == 422
    unknown_column = client.post(BULK_URL, json=[_row(colour="red")])
    assert unknown_column.status_code == 422
    assert unknown_column.json()["report"]["errors"][0]["field"] == "colour"
    assert client.post("/v1/corporations/nobody/units/bulk", json=[_row()]).status_code == 404
    empty = client.post(BULK_URL, json=[])
    assert empty.status_code == 200
    assert empty.json()["total"] == 0


def test_a_malformed_csv_is_a_problem_not_a_crash(client: TestClient) -> None:
    # A bare carriage return inside an unquoted field: the csv module refuses the file.
    malformed = CSV_HEADER + "NO-1,emergency,Dam\rrak,1,1012 LG\n"
    response = client.post(BULK_URL, content=malformed, headers={"content-type": "text/csv"})
    assert response.status_code == 422
