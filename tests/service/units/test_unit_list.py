"""Listing units: filters, distance, sorting, cursors and updated_since."""

import base64
import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.units import service
from tests.factories import make_corporation, make_unit

CENTRE = (4.8952, 52.3702)  # Amsterdam, Dam square


def _references(client: TestClient, **params: Any) -> set[str]:
    response = client.get("/v1/units", params=params)
    assert response.status_code == 200, response.text
    return {u["reference"] for u in response.json()["items"]}


def test_filters_by_municipality_corporation_kind_and_status(
    client: TestClient, db_session: Session
) -> None:
    make_unit(db_session, reference="AMS-E")
    make_unit(db_session, reference="AMS-T", kind="transitional")
    make_unit(db_session, reference="OA-E", municipality="GM0437", lon=4.90, lat=52.30)
    make_unit(db_session, corporation="eigen_haard", reference="EH-1")
    withdrawn = make_unit(db_session, reference="AMS-W")
    service.withdraw_unit(db_session, unit=withdrawn)
    make_unit(db_session, reference="AMS-R", status="reserved")

    assert _references(client, municipality="GM0437") == {"OA-E"}
    # An old code of a merged municipality finds its successor's units.
    assert _references(client, municipality="GM0457") == _references(client, municipality="GM0363")
    assert _references(client, corporation="eigen_haard") == {"EH-1"}
    assert _references(client, kind="transitional") == {"AMS-T"}
    assert _references(client, status="withdrawn") == {"AMS-W"}
    assert _references(client, status="reserved") == {"AMS-R"}
    assert _references(client, status="available", kind="emergency", municipality="GM0363") == {
        "AMS-E",
        "EH-1",
    }
    for params in (
        {"municipality": "GM9999"},
        {"corporation": "nobody"},
        {"kind": "castle"},
        {"status": "sold"},
        {"municipality": "Amsterdam"},
    ):
        response = client.get("/v1/units", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


def test_available_on_a_date(client: TestClient, db_session: Session) -> None:
    make_unit(db_session, reference="OPEN", available_from=date(2026, 12, 1))
    make_unit(
        db_session,
        reference="WINTER",
        available_from=date(2026, 12, 1),
        available_until=date(2027, 2, 28),
    )
    make_unit(db_session, reference="LATER", available_from=date(2027, 3, 1))

    assert _references(client, available_on="2026-11-30") == set()
    assert _references(client, available_on="2026-12-01") == {"OPEN", "WINTER"}
    assert _references(client, available_on="2027-02-28") == {"OPEN", "WINTER"}
    assert _references(client, available_on="2027-03-01") == {"OPEN", "LATER"}
    assert client.get("/v1/units", params={"available_on": "2027-02-30"}).status_code == 422
    assert client.get("/v1/units", params={"available_on": "1800-01-01"}).status_code == 422


def test_near_within_km_with_hand_checked_distances(
    client: TestClient, db_session: Session
) -> None:
    # Geodesic distances on WGS84 from the Dam (4.8952 E, 52.3702 N), checked by hand:
    # - NORTH, 0.009° of latitude further: the meridian radius of curvature at 52.37° N is
    #   a(1-e²)/(1-e²sin²φ)^1.5 = 6 375 561 m, so 0.009° is 1 001.5 m;
    # - EAST, 0.01° of longitude further: the parallel's radius is N·cos φ = 3 901 421 m, so
    #   0.01° is 680.9 m along the parallel (the geodesic: 681.1 m);
    # - UTRECHT (5.1214 E, 52.0907 N): 34.7 km.
    make_unit(db_session, reference="NORTH", lon=CENTRE[0], lat=52.3792)
    make_unit(db_session, reference="EAST", lon=4.9052, lat=CENTRE[1])
    make_corporation(db_session, code="mitros", name="Mitros", municipalities=["GM0344"])
    make_unit(
        db_session,
        corporation="mitros",
        reference="UTRECHT",
        municipality="GM0344",
        lon=5.1214,
        lat=52.0907,
    )
    near = f"{CENTRE[0]},{CENTRE[1]}"

    assert _references(client, near=near, within_km=0.68) == set()
    assert _references(client, near=near, within_km=0.682) == {"EAST"}
    assert _references(client, near=near, within_km=1.0) == {"EAST"}
    assert _references(client, near=near, within_km=1.002) == {"EAST", "NORTH"}
    assert _references(client, near=near, within_km=34.7) == {"EAST", "NORTH"}
    assert _references(client, near=near, within_km=34.8) == {"EAST", "NORTH", "UTRECHT"}
    # Combined with other filters.
    assert _references(client, near=near, within_km=50, municipality="GM0344") == {"UTRECHT"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "4.8952,52.3702"}, "within_km"),
        ({"within_km": 5}, "near"),
        ({"near": "4.8952", "within_km": 5}, "near"),
        ({"near": "lon,lat", "within_km": 5}, "near"),
        ({"near": "2.35,48.85", "within_km": 5}, "near"),  # Paris
        ({"near": "52.3702,4.8952", "within_km": 5}, "near"),  # swapped
        ({"near": "4.8952,52.3702", "within_km": 0}, "query.within_km"),
        ({"near": "4.8952,52.3702", "within_km": -1}, "query.within_km"),
        ({"near": "4.8952,52.3702", "within_km": 1000}, "query.within_km"),
        ({"near": "4.8952,52.3702", "within_km": "nan"}, "query.within_km"),
    ],
)
def test_near_and_within_km_are_validated_together(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.get("/v1/units", params=params)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_distance_filter_can_use_the_gist_index(db_session: Session) -> None:
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        row[0]
        for row in db_session.execute(
            text(
                "EXPLAIN SELECT id FROM units WHERE ST_DWithin(location, "
                "ST_GeogFromText('SRID=4326;POINT(4.8952 52.3702)'), 1000.0)"
            )
        )
    )
    assert "idx_units_location" in plan


def _all_pages(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get("/v1/units", params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


@pytest.mark.parametrize(
    ("sort", "key", "descending"),
    [
        ("rent_cents", "rent_cents", False),
        ("-rent_cents", "rent_cents", True),
        ("bedrooms", "bedrooms", False),
        ("-available_from", "available_from", True),
        ("reference", "reference", False),
    ],
)
def test_sorting_pages_through_everything_once(
    client: TestClient, db_session: Session, sort: str, key: str, descending: bool
) -> None:
    for i in range(9):
        make_unit(
            db_session,
            reference=f"U-{i}",
            rent_cents=50_000 + 10_000 * (i % 3),  # ties, broken by id
            bedrooms=1 + i % 4,
            available_from=date(2026, 12, 1 + i % 2),
        )
    items = _all_pages(client, sort=sort, limit=2)
    assert len(items) == len({u["id"] for u in items}) == 9
    keys = [(u[key], u["id"]) for u in items]
    assert keys == sorted(keys, reverse=descending)


def test_cursor_pagination_is_stable_while_units_are_added(
    client: TestClient, db_session: Session
) -> None:
    for i in range(7):
        make_unit(db_session, reference=f"R-{i}", rent_cents=10_000 * (i + 1))
    seen: list[str] = []
    cursor = None
    added = 0
    while True:
        params: dict[str, Any] = {"limit": 3, "sort": "rent_cents"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/units", params=params).json()
        seen += [u["reference"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # Units added behind the cursor never shift the pages nor show up twice; one added
        # ahead of it is simply met later.
        added += 1
        make_unit(db_session, reference=f"CHEAP-{added}", rent_cents=added)
        if added == 1:
            make_unit(db_session, reference="DEAR", rent_cents=1_000_000)
    assert seen == [f"R-{i}" for i in range(7)] + ["DEAR"]


def test_bad_or_foreign_cursors_are_refused(client: TestClient, db_session: Session) -> None:
    for i in range(3):
        make_unit(db_session, reference=f"C-{i}")
    cursor = client.get("/v1/units", params={"limit": 1, "sort": "rent_cents"}).json()[
        "next_cursor"
    ]
    assert cursor is not None
    other_order = client.get("/v1/units", params={"cursor": cursor, "sort": "-rent_cents"})
    assert other_order.status_code == 422
    assert "sort order" in other_order.json()["detail"]

    # Valid base64 JSON, but not a value the sort column can hold.
    def forged(value: Any) -> str:
        raw = json.dumps([value, "6f1c3a2e-8a51-4a43-9d1e-1d3e5b1f2a10", "rent_cents"])
        return base64.urlsafe_b64encode(raw.encode()).decode()

    for value in ("lots", 2**40, 1.5, None, True):
        response = client.get("/v1/units", params={"cursor": forged(value), "sort": "rent_cents"})
        assert response.status_code == 422, (value, response.text)
    assert client.get("/v1/units", params={"cursor": "garbage"}).status_code == 422
    assert client.get("/v1/units", params={"sort": "colour"}).status_code == 422


def test_updated_since_finds_only_recent_changes(client: TestClient, db_session: Session) -> None:
    old = make_unit(db_session, reference="OLD")
    touched = make_unit(db_session, reference="TOUCHED")
    make_unit(db_session, reference="NEW")
    # Inside one test transaction now() stands still, so age two units by hand.
    db_session.execute(
        text("UPDATE units SET updated_at = '2026-01-01T00:00:00Z' WHERE id IN (:a, :b)"),
        {"a": old.id, "b": touched.id},
    )
    db_session.expire_all()
    since = "2026-06-01T00:00:00Z"
    assert _references(client, updated_since=since) == {"NEW"}

    changed = client.patch(f"/v1/units/{touched.id}", json={"bedrooms": 3})
    assert changed.status_code == 200
    assert _references(client, updated_since=since) == {"NEW", "TOUCHED"}
    # A sync that changes nothing does not show up as a change.
    client.patch(f"/v1/units/{old.id}", json={"bedrooms": 2})
    assert _references(client, updated_since=since) == {"NEW", "TOUCHED"}
    assert _references(client, updated_since="2025-12-31T00:00:00+01:00") == {
        "OLD",
        "TOUCHED",
        "NEW",
    }

    # Sorting by updated_at puts the oldest first, for a client that syncs in order.
    items = _all_pages(client, sort="updated_at", limit=1)
    assert items[0]["reference"] == "OLD"
