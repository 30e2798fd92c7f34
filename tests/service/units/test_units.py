"""Units one at a time: create, read, change, validation, Idempotency-Key, status."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.core.errors import Conflict
from service.units import service
from service.units.models import Unit
from tests.factories import make_unit
from tests.service.units.conftest import create_body


def _count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Unit)) or 0


def _fields(response: Any) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def test_create_read_and_patch_with_etags(client: TestClient) -> None:
    created = client.post(
        "/v1/units",
        json=create_body(
            address={
                "street": "Damrak",
                "house_number": "12A",
                "postcode": "1012lg",
                "city": "Amsterdam",
            }
        ),
    )
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["status"] == "available"
    assert unit["corporation"] == "ymere"
    assert unit["address"]["postcode"] == "1012 LG"
    assert unit["location"] == {"type": "Point", "coordinates": [4.8952, 52.3702]}
    assert created.headers["location"] == f"/v1/units/{unit['id']}"

    read = client.get(f"/v1/units/{unit['id']}")
    assert read.status_code == 200
    etag = read.headers["etag"]
    assert etag == created.headers["etag"]

    changed = client.patch(
        f"/v1/units/{unit['id']}",
        json={"bedrooms": 3, "available_until": None, "max_stay_days": None},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["bedrooms"] == 3
    assert changed.json()["available_until"] is None
    assert changed.json()["max_stay_days"] is None
    assert changed.headers["etag"] != etag

    stale = client.patch(
        f"/v1/units/{unit['id']}", json={"bedrooms": 5}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert client.get(f"/v1/units/{unit['id']}").json()["bedrooms"] == 3


def test_patch_that_changes_nothing_keeps_the_version(client: TestClient) -> None:
    unit = client.post("/v1/units", json=create_body()).json()
    etag = client.get(f"/v1/units/{unit['id']}").headers["etag"]
    same = client.patch(f"/v1/units/{unit['id']}", json={"bedrooms": 2, "rent_cents": 65_000})
    assert same.status_code == 200
    assert same.headers["etag"] == etag


def test_rd_new_location_is_stored_as_wgs84(client: TestClient) -> None:
    # The Amersfoort reference point; Amersfoort is not Ymere's, but the location is not checked
    # against the municipality (a unit on a border is fine).
    created = client.post("/v1/units", json=create_body(location={"rd_x": 155000, "rd_y": 463000}))
    assert created.status_code == 201, created.text
    lon, lat = created.json()["location"]["coordinates"]
    assert abs(lon - 5.38720621) < 0.00003
    assert abs(lat - 52.15517440) < 0.000018


def _address(**overrides: str) -> dict[str, Any]:
    address = {"street": "Damrak", "house_number": "1", "postcode": "1012 LG", "city": "Amsterdam"}
    return {"address": address | overrides}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (_address(postcode="0123 AB"), "body.address.postcode"),
        (_address(postcode="1234 A1"), "body.address.postcode"),
        (_address(postcode="1234ABC"), "body.address.postcode"),
        (_address(house_number="0"), "body.address.house_number"),
        (_address(street="Dam\x00rak"), "body.address.street"),
        (_address(city="x" * 101), "body.address.city"),
        ({"bedrooms": 0}, "body.bedrooms"),
        ({"bedrooms": 2**31}, "body.bedrooms"),
        ({"max_occupants": 0}, "body.max_occupants"),
        ({"rent_cents": -1}, "body.rent_cents"),
        ({"rent_cents": 12.5}, "body.rent_cents"),
        ({"max_stay_days": 0}, "body.max_stay_days"),
        ({"kind": "castle"}, "body.kind"),
        (
            {"available_from": "2027-01-01", "available_until": "2026-12-31"},
            "body.available_until",
        ),
        ({"available_from": "1890-01-01"}, "body.available_from"),
        ({"reference": "has/slash"}, "body.reference"),
        ({"municipality": "Amsterdam"}, "body.municipality"),
        ({"status": "occupied"}, "body.status"),
        ({"location": {"type": "Point", "coordinates": [2.35, 48.85]}}, "body.location.geojson"),
        ({"location": {"type": "Point", "coordinates": [52.37, 4.89]}}, "body.location.geojson"),
        ({"location": {"rd_x": 155000, "rd_y": 100000}}, "body.location.rd"),
    ],
)
def test_invalid_fields_are_named(
    client: TestClient, db_session: Session, overrides: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/units", json=create_body(**overrides))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(f.startswith(field) for f in _fields(response)), response.json()
    assert _count(db_session) == 0


def test_until_equal_to_from_is_a_one_day_window(client: TestClient) -> None:
    body = create_body(available_from="2027-01-01", available_until="2027-01-01")
    assert client.post("/v1/units", json=body).status_code == 201


def test_municipality_must_exist_and_be_served_by_the_corporation(
    client: TestClient, db_session: Session
) -> None:
    unknown = client.post("/v1/units", json=create_body(municipality="GM9999"))
    assert unknown.status_code == 422
    assert _fields(unknown) == {"municipality"}

    # Diemen exists, but Ymere does not post units there.
    not_served = client.post("/v1/units", json=create_body(municipality="GM0384"))
    assert not_served.status_code == 422
    error = not_served.json()["errors"][0]
    assert error["field"] == "municipality"
    assert "GM0384 is not served by ymere" in error["message"]
    assert "GM0363, GM0437" in error["message"]

    # Eigen Haard serves Amsterdam only; Ouder-Amstel is Ymere's.
    other = client.post(
        "/v1/units", json=create_body(corporation="eigen_haard", municipality="GM0437")
    )
    assert other.status_code == 422
    assert _count(db_session) == 0


def test_a_merged_municipality_code_resolves_to_its_successor(client: TestClient) -> None:
    # Weesp merged into Amsterdam, which Ymere serves.
    created = client.post("/v1/units", json=create_body(municipality="gm0457"))
    assert created.status_code == 201, created.text
    assert created.json()["municipality"] == "GM0363"


def test_unknown_corporation_is_a_field_error(client: TestClient) -> None:
    response = client.post("/v1/units", json=create_body(corporation="nobody"))
    assert response.status_code == 422
    assert _fields(response) == {"corporation"}


def test_reference_is_unique_per_corporation(client: TestClient, db_session: Session) -> None:
    first = client.post("/v1/units", json=create_body(reference="NO-7"))
    assert first.status_code == 201
    again = client.post("/v1/units", json=create_body(reference="NO-7", bedrooms=5))
    assert again.status_code == 409
    assert again.json()["existing_id"] == first.json()["id"]
    # Another corporation may use the same reference.
    other = client.post("/v1/units", json=create_body(corporation="eigen_haard", reference="NO-7"))
    assert other.status_code == 201
    assert _count(db_session) == 2


def test_patch_rules(client: TestClient, db_session: Session) -> None:
    unit = client.post("/v1/units", json=create_body(reference="A")).json()
    client.post("/v1/units", json=create_body(reference="B"))
    url = f"/v1/units/{unit['id']}"

    clash = client.patch(url, json={"reference": "B"})
    assert clash.status_code == 409
    renamed = client.patch(url, json={"reference": "A-2"})
    assert renamed.json()["reference"] == "A-2"

    # available_until is 2027-06-30: moving the start past it names the field that was sent.
    window = client.patch(url, json={"available_from": "2027-07-01"})
    assert window.status_code == 422
    assert _fields(window) == {"available_from"}
    window = client.patch(url, json={"available_until": "2026-11-30"})
    assert _fields(window) == {"available_until"}

    assert _fields(client.patch(url, json={"bedrooms": None})) == {"body.bedrooms"}
    assert _fields(client.patch(url, json={"municipality": "GM0384"})) == {"municipality"}
    assert client.patch(url, json={"status": "withdrawn"}).status_code == 422
    assert client.patch(url, json={"corporation": "eigen_haard"}).status_code == 422

    moved = client.patch(
        url,
        json={
            "municipality": "GM0437",
            "location": {"rd_x": 122000, "rd_y": 480000},
            "address": {
                "street": "Dorpsstraat",
                "house_number": "3",
                "postcode": "1191ab",
                "city": "Ouderkerk aan de Amstel",
            },
        },
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["municipality"] == "GM0437"
    assert moved.json()["address"]["postcode"] == "1191 AB"
    # Nothing of the refused changes stuck.
    final = client.get(url).json()
    assert (final["available_from"], final["available_until"]) == ("2026-12-01", "2027-06-30")
    assert final["bedrooms"] == 2
    assert final["status"] == "available"


def test_idempotency_key_creates_once(client: TestClient, db_session: Session) -> None:
    headers = {"Idempotency-Key": "sync-2026-11-24-NO-1"}
    first = client.post("/v1/units", json=create_body(), headers=headers)
    again = client.post("/v1/units", json=create_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    other = client.post("/v1/units", json=create_body(bedrooms=3), headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert _count(db_session) == 1
    # Without the key, the same body again is a duplicate reference.
    assert client.post("/v1/units", json=create_body()).status_code == 409


def test_unknown_units_are_404(client: TestClient) -> None:
    missing = uuid.uuid4()
    for response in (
        client.get(f"/v1/units/{missing}"),
        client.patch(f"/v1/units/{missing}", json={"bedrooms": 2}),
        client.post(f"/v1/units/{missing}/withdraw"),
        client.post(f"/v1/units/{missing}/reinstate"),
        client.get("/v1/corporations/ymere/units/NOPE"),
        client.get("/v1/corporations/nobody/units/NO-1"),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/units/not-a-uuid").status_code == 422


def test_read_by_corporation_reference(client: TestClient) -> None:
    unit = client.post("/v1/units", json=create_body(reference="NO-9")).json()
    read = client.get("/v1/corporations/ymere/units/NO-9")
    assert read.status_code == 200
    assert read.json()["id"] == unit["id"]
    assert read.headers["etag"] == client.get(f"/v1/units/{unit['id']}").headers["etag"]


# --- status -------------------------------------------------------------------------------------


def test_withdraw_and_reinstate_by_hand(client: TestClient) -> None:
    unit = client.post("/v1/units", json=create_body()).json()
    url = f"/v1/units/{unit['id']}"
    etag = client.get(url).headers["etag"]

    withdrawn = client.post(f"{url}/withdraw", headers={"If-Match": etag})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    # Retrying is harmless and changes nothing.
    again = client.post(f"{url}/withdraw")
    assert again.json()["status"] == "withdrawn"
    assert again.headers["etag"] == withdrawn.headers["etag"]
    # The unit is still there: nothing is hard-deleted.
    assert client.get(url).json()["status"] == "withdrawn"
    assert client.delete(url).status_code == 405

    stale = client.post(f"{url}/reinstate", headers={"If-Match": etag})
    assert stale.status_code == 412
    back = client.post(f"{url}/reinstate", headers={"If-Match": withdrawn.headers["etag"]})
    assert back.status_code == 200
    assert back.json()["status"] == "available"


@pytest.mark.parametrize("status", ["reserved", "occupied"])
def test_an_offered_or_occupied_unit_cannot_be_withdrawn_or_reinstated(
    client: TestClient, db_session: Session, status: str
) -> None:
    unit = make_unit(db_session, status=status)
    for action in ("withdraw", "reinstate"):
        refused = client.post(f"/v1/units/{unit.id}/{action}")
        assert refused.status_code == 409, refused.text
        assert refused.json()["unit_status"] == status
    assert client.get(f"/v1/units/{unit.id}").json()["status"] == status


def test_workflow_moves_reserve_occupy_release(db_session: Session) -> None:
    unit = make_unit(db_session)
    version = unit.version
    assert service.reserve_unit(db_session, unit_id=unit.id).status == "reserved"
    assert unit.version == version + 1
    with pytest.raises(Conflict):
        service.reserve_unit(db_session, unit_id=unit.id)  # one offer per unit
    assert service.occupy_unit(db_session, unit_id=unit.id).status == "occupied"
    with pytest.raises(Conflict):
        service.occupy_unit(db_session, unit_id=unit.id)
    assert service.release_unit(db_session, unit_id=unit.id).status == "available"
    with pytest.raises(Conflict):
        service.release_unit(db_session, unit_id=unit.id)  # nothing holds it
    with pytest.raises(Conflict):
        service.occupy_unit(db_session, unit_id=unit.id)  # not without an offer

    # A declined offer releases a reserved unit too; a withdrawn unit cannot be offered.
    service.reserve_unit(db_session, unit_id=unit.id)
    assert service.release_unit(db_session, unit_id=unit.id).status == "available"
    service.withdraw_unit(db_session, unit=unit)
    with pytest.raises(Conflict):
        service.reserve_unit(db_session, unit_id=unit.id)


def test_a_sync_keeps_the_status(client: TestClient, db_session: Session) -> None:
    unit = make_unit(db_session, reference="NO-3", status="reserved")
    body = create_body()
    body.pop("corporation")
    body.pop("reference")
    updated = client.put("/v1/corporations/ymere/units/NO-3", json=body)
    assert updated.status_code == 200, updated.text
    assert updated.json()["status"] == "reserved"
    assert updated.json()["id"] == str(unit.id)
