"""Temporary housing, school trips and households left unplaced, on a known day."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.households import service as households
from service.households.models import Household
from service.households.schemas import ClosedReason
from service.offers.models import Offer
from service.policies.models import PolicyVersion
from tests.factories import make_school, make_unit
from tests.service.stats.conftest import AMSTERDAM, OUDER_AMSTEL, Headers, HouseholdMaker

END_OF_2025 = date(2025, 12, 31)
CHILD = {"birth_year": 2015}


def _since(days: int) -> date:
    return END_OF_2025 - timedelta(days=days)


@pytest.fixture
def episodes(db_session: Session, household: HouseholdMaker) -> list[Household]:
    """On 2025-12-31 Amsterdam has 10 households in temporary housing, 10 to 100 days (the
    first four with two children each; the 100-day one closes later, on 2026-01-10); Ouder-Amstel
    has 3 (5, 6, 7 days). Not counted: one closed on 2025-12-01, one homeless from 2026."""
    amsterdam = [
        household(homeless_since=_since(days), children=[CHILD, CHILD] if days <= 40 else None)
        for days in range(10, 101, 10)
    ]
    for days in (5, 6, 7):
        household(municipality=OUDER_AMSTEL, homeless_since=_since(days))
    closed_before = household(homeless_since=date(2025, 6, 1), children=[CHILD])
    households.close_household(
        db_session,
        household=closed_before,
        reason=ClosedReason.PERMANENT_HOME,
        closed_on=date(2025, 12, 1),
    )
    households.close_household(
        db_session,
        household=amsterdam[-1],
        reason=ClosedReason.PERMANENT_HOME,
        closed_on=date(2026, 1, 10),
    )
    household(homeless_since=date(2026, 1, 5), children=[CHILD])
    db_session.flush()
    return amsterdam


def test_temporary_housing_exact_for_a_desk(
    client: TestClient, desk: Headers, episodes: list[Household]
) -> None:
    response = client.get(
        "/v1/stats/temporary-housing", params={"as_of": "2025-12-31"}, headers=desk
    )
    assert response.status_code == 200
    total = response.json()["total"]
    assert total["households"] == 10
    assert total["households_with_children"] == 4
    assert total["children"] == 8
    assert isinstance(total["children"], int)
    assert total["median_days"] == 55  # (50 + 60) / 2
    assert total["p90_days"] == 91  # 90 + 0.1 * 10
    assert total["p95_days"] == 95.5
    assert total["max_days"] == 100


def test_temporary_housing_published(
    client: TestClient, auditor: Headers, episodes: list[Household]
) -> None:
    body = client.get(
        "/v1/stats/temporary-housing",
        params={"period": "2025-Q4", "group_by": "municipality"},
        headers=auditor,
    ).json()
    assert body["date_to"] == "2025-12-31"
    amsterdam, ouder_amstel = body["rows"]
    # Ouder-Amstel has 3 households: withheld whole; Amsterdam's counts are its complement.
    assert ouder_amstel["households"] is None
    assert ouder_amstel["median_days"] is None
    assert amsterdam["households"] is None
    assert amsterdam["children"] is None
    # Amsterdam has 10 households: its percentiles are published, its maximum never.
    assert (amsterdam["median_days"], amsterdam["p90_days"]) == (55, 91)
    assert amsterdam["max_days"] is None
    total = body["total"]
    assert total["households"] == 15  # 13
    assert total["children"] == 10  # 8
    assert total["households_with_children"] is None  # 4
    # 13 households: 5, 6, 7, 10, 20, ..., 100.
    assert (total["median_days"], total["p90_days"], total["p95_days"]) == (40, 88, 94)
    assert total["max_days"] is None
    assert "max_days" in total["withheld"]


def test_unplaced_by_time_waited(
    db_session: Session, client: TestClient, desk: Headers, episodes: list[Household]
) -> None:
    """Of the four Amsterdam households with children (10, 20, 30, 40 days), the 20-day one is
    placed in a unit and the 40-day one holds an offer on 2025-12-31."""
    unit = make_unit(db_session, available_from=date(2025, 1, 1))
    households.place_in_unit(
        db_session, household=episodes[1], unit_id=unit.id, move_in_on=date(2025, 12, 20)
    )
    policy_id = db_session.scalars(select(PolicyVersion.id)).first()
    db_session.add(
        Offer(
            household_id=episodes[3].id,
            unit_id=make_unit(db_session, reference="U-2").id,
            policy_id=policy_id,
            source="hand",
            hand_reason="test",
            status="open",
            made_by="test",
            expires_at=datetime(2026, 1, 2, tzinfo=UTC),
            explanation={},
            overridden_rules=[],
            created_at=datetime(2025, 12, 30, 12, tzinfo=UTC),
        )
    )
    db_session.flush()
    body = client.get("/v1/stats/unplaced", params={"as_of": "2025-12-31"}, headers=desk).json()
    assert body["group_by"] == ["waited"]
    assert [
        (row["group"]["waited"], row["households"], row["children"]) for row in body["rows"]
    ] == [
        ("0-29 days", 1, 2),
        ("30-90 days", 1, 2),
    ]
    assert body["total"]["max_days_waited"] == 30
    # The offer was made on 2025-12-30: a day earlier the 40-day household was still waiting.
    before = client.get("/v1/stats/unplaced", params={"as_of": "2025-12-29"}, headers=desk).json()
    assert before["total"]["households"] == 3


def test_unplaced_published_withholds_small_buckets(
    client: TestClient, auditor: Headers, episodes: list[Household]
) -> None:
    body = client.get("/v1/stats/unplaced", params={"period": "2025-12"}, headers=auditor).json()
    assert [row["households"] for row in body["rows"]] == [None, None]
    assert body["total"]["households"] is None  # 4
    assert body["total"]["children"] is None  # 8 children, but of 4 households


def _meridian_km(lat_from: float, lat_to: float) -> float:
    """Distance along a meridian on the WGS84 ellipsoid (the meridian arc, Simpson's rule)."""
    a, f = 6378.137, 1 / 298.257223563
    e2 = f * (2 - f)
    steps = 100
    h = math.radians(lat_to - lat_from) / steps

    def radius(phi: float) -> float:
        return a * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5

    phis = [math.radians(lat_from) + i * h for i in range(steps + 1)]
    weights = [1 if i in (0, steps) else 4 if i % 2 else 2 for i in range(steps + 1)]
    return h / 3 * sum(w * radius(p) for w, p in zip(weights, phis, strict=True))


@pytest.fixture
def placed(db_session: Session, household: HouseholdMaker) -> dict[str, float]:
    """Ten Amsterdam households placed on 2025-06-01 in a unit at 52.30 N, 4.90 E. Every
    household has a child at a primary school 0.05 degrees north (the first with a personal
    limit of 5 km: over it); six a child at a secondary school 0.20 degrees north; two a child
    in special education 0.40 degrees north (over 40 km). One placement in Ouder-Amstel."""
    make_school(db_session, brin_code="01AA01", level="primary", lon=4.9, lat=52.35)
    make_school(db_session, brin_code="01AA02", level="secondary", lon=4.9, lat=52.50)
    make_school(db_session, brin_code="01AA03", level="special", lon=4.9, lat=52.70)
    unit = make_unit(db_session, lon=4.9, lat=52.30, available_from=date(2025, 1, 1))
    for index in range(10):
        primary: dict[str, Any] = {"birth_year": 2016, "school": "01AA01"}
        if index == 0:
            primary["school_trip_limit_km"] = 5
        children = [primary]
        if index < 6:
            children.append({"birth_year": 2012, "school": "01AA02"})
        if index < 2:
            children.append({"birth_year": 2014, "school": "01AA03"})
        member = household(homeless_since=date(2025, 5, 1), children=children)
        households.place_in_unit(
            db_session, household=member, unit_id=unit.id, move_in_on=date(2025, 6, 1)
        )
    elsewhere = household(
        municipality=OUDER_AMSTEL,
        homeless_since=date(2025, 5, 1),
        children=[{"birth_year": 2016, "school": "01AA01"}],
    )
    households.place_in_unit(
        db_session, household=elsewhere, unit_id=unit.id, move_in_on=date(2025, 6, 1)
    )
    db_session.flush()
    return {
        "primary": _meridian_km(52.30, 52.35),
        "secondary": _meridian_km(52.30, 52.50),
        "special": _meridian_km(52.30, 52.70),
    }


def test_school_trips_exact_for_a_desk(
    client: TestClient, desk: Headers, placed: dict[str, float]
) -> None:
    body = client.get("/v1/stats/school-trips", params={"as_of": "2025-12-31"}, headers=desk).json()
    primary, secondary, special = placed["primary"], placed["secondary"], placed["special"]
    total = body["total"]
    assert (total["children"], total["households"], total["children_over_limit"]) == (18, 10, 3)
    approx = lambda km: pytest.approx(km, abs=0.01)  # noqa: E731
    assert total["mean_km"] == approx((10 * primary + 6 * secondary + 2 * special) / 18)
    assert total["median_km"] == approx(primary)  # the 9th and 10th of 18 trips
    assert total["p90_km"] == approx(secondary + 0.3 * (special - secondary))  # position 15.3
    assert total["share_over_limit"] == pytest.approx(3 / 18, abs=0.001)
    assert total["max_km"] == approx(special)
    before = client.get(
        "/v1/stats/school-trips", params={"as_of": "2025-05-31"}, headers=desk
    ).json()
    assert before["total"]["children"] == 0


def test_school_trips_published_by_level(
    client: TestClient, auditor: Headers, placed: dict[str, float]
) -> None:
    body = client.get(
        "/v1/stats/school-trips",
        params={"period": "2025", "group_by": "school_level", "municipality": AMSTERDAM},
        headers=auditor,
    ).json()
    primary, secondary, special = body["rows"]
    assert [row["group"]["school_level"] for row in body["rows"]] == [
        "primary",
        "secondary",
        "special",
    ]
    # Special: 2 children of 2 households, withheld; secondary (6) is its complement.
    assert special["children"] is None and special["median_km"] is None
    assert secondary["children"] is None and secondary["households"] is None
    assert primary["children"] == 10 and primary["households"] == 10
    # Primary: 10 households, so its distribution is published; over its limit: 1 child,
    # withheld, and the share over the limit with it (share x children would give it back).
    assert primary["median_km"] == pytest.approx(placed["primary"], abs=0.01)
    assert primary["children_over_limit"] is None
    assert primary["share_over_limit"] is None
    # Secondary has 6 households: too few for a distribution.
    assert secondary["mean_km"] is None
    total = body["total"]
    assert (total["children"], total["households"]) == (20, 10)
    assert total["children_over_limit"] is None and total["share_over_limit"] is None
    assert total["max_km"] is None
