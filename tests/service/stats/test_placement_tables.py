"""The placement tables (migration 0007) stay equal to a recomputation from the source tables
after every kind of change: stays, children, households, units and schools."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.households import service as households
from service.households.schemas import ExternalPlaceKind, HouseholdUpdate, StayCreate
from tests.factories import make_school, make_unit
from tests.service.stats.conftest import OUDER_AMSTEL, HouseholdMaker

# Written apart from the migration's refresh function, from the source tables only.
RECOMPUTED_PLACEMENTS = """
SELECT s.id, s.household_id, s.start_date, s.end_date
FROM stays s WHERE s.place_kind = 'onderdak_unit'
ORDER BY s.id
"""
RECOMPUTED_TRIPS = """
SELECT s.id, c.id, s.household_id, h.municipality_code, s.start_date, s.end_date, sc.level,
       round((ST_Distance(u.location, sc.location) / 1000.0)::numeric, 6),
       c.school_trip_limit_km
FROM stays s
JOIN households h ON h.id = s.household_id
JOIN units u ON u.id = s.unit_id
JOIN children c ON c.household_id = s.household_id
JOIN schools sc ON sc.id = c.school_id
WHERE s.place_kind = 'onderdak_unit'
ORDER BY s.id, c.id
"""
STORED_PLACEMENTS = """
SELECT stay_id, household_id, start_date, end_date FROM stats_placements ORDER BY stay_id
"""
STORED_TRIPS = """
SELECT stay_id, child_id, household_id, municipality_code, start_date, end_date, school_level,
       round(trip_km::numeric, 6), personal_limit_km
FROM stats_placement_trips
ORDER BY stay_id, child_id
"""


def _rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(text(sql))]


def _assert_current(session: Session) -> list[tuple[Any, ...]]:
    """The stored tables equal the recomputation; the trips, for the caller to look at."""
    session.flush()
    assert _rows(session, STORED_PLACEMENTS) == _rows(session, RECOMPUTED_PLACEMENTS)
    trips = _rows(session, STORED_TRIPS)
    assert trips == _rows(session, RECOMPUTED_TRIPS)
    return trips


def test_placement_tables_follow_every_change(
    db_session: Session, household: HouseholdMaker
) -> None:
    primary = make_school(db_session, brin_code="02BB01", level="primary", lon=4.9, lat=52.35)
    make_school(db_session, brin_code="02BB02", level="secondary", lon=4.9, lat=52.45)
    north = make_unit(db_session, reference="N-1", lon=4.9, lat=52.30)
    south = make_unit(db_session, reference="S-1", lon=4.9, lat=52.20)
    two_children = household(
        homeless_since=date(2025, 5, 1),
        children=[
            {"birth_year": 2016, "school": "02BB01"},
            {"birth_year": 2012, "school": "02BB02", "school_trip_limit_km": 12},
        ],
    )
    no_children = household(homeless_since=date(2025, 5, 1))
    elsewhere = household(
        municipality=OUDER_AMSTEL,
        homeless_since=date(2025, 5, 1),
        children=[{"birth_year": 2016, "school": "02BB01"}],
    )
    # Nobody placed yet: an external stay is not a placement.
    households.record_stay(
        db_session,
        household=elsewhere,
        data=StayCreate(start_date=date(2025, 5, 1), place_kind=ExternalPlaceKind.SHELTER),
    )
    assert _assert_current(db_session) == []

    # Placements (stays inserted, the external stay ended by the same action).
    households.place_in_unit(
        db_session, household=two_children, unit_id=north.id, move_in_on=date(2025, 6, 1)
    )
    households.place_in_unit(
        db_session, household=no_children, unit_id=north.id, move_in_on=date(2025, 6, 1)
    )
    households.place_in_unit(
        db_session, household=elsewhere, unit_id=south.id, move_in_on=date(2025, 7, 1)
    )
    trips = _assert_current(db_session)
    assert len(trips) == 3
    assert len(_rows(db_session, STORED_PLACEMENTS)) == 3

    # Children change: one leaves, one joins with a personal limit.
    households.update_household(
        db_session,
        household=two_children,
        data=HouseholdUpdate.model_validate(
            {
                "children": [
                    {"birth_year": 2016, "school": "02BB01", "school_trip_limit_km": 3},
                    {"birth_year": 2019, "school": "02BB02"},
                ]
            }
        ),
    )
    _assert_current(db_session)

    # The household moves municipality: its trips count there now.
    households.update_household(
        db_session, household=two_children, data=HouseholdUpdate(municipality=OUDER_AMSTEL)
    )
    trips = _assert_current(db_session)
    assert {trip[3] for trip in trips} == {OUDER_AMSTEL}

    # A unit's location is corrected, a school changes level and moves, a limit is edited.
    before = {trip[1]: trip[7] for trip in trips}
    db_session.execute(
        text(
            "UPDATE units SET location = ST_SetSRID(ST_MakePoint(4.9, 52.25), 4326)::geography "
            "WHERE id = :id"
        ),
        {"id": north.id},
    )
    trips = _assert_current(db_session)
    assert all(trip[7] != before[trip[1]] for trip in trips if trip[2] == two_children.id)
    db_session.execute(
        text(
            "UPDATE schools SET level = 'special', "
            "location = ST_SetSRID(ST_MakePoint(4.8, 52.35), 4326)::geography WHERE id = :id"
        ),
        {"id": primary.id},
    )
    assert "special" in {trip[6] for trip in _assert_current(db_session)}
    db_session.execute(
        text("UPDATE children SET school_trip_limit_km = 20 WHERE household_id = :id"),
        {"id": elsewhere.id},
    )
    _assert_current(db_session)

    # A placement ends; a stay is corrected to another unit; a stay is deleted.
    db_session.execute(
        text("UPDATE stays SET end_date = DATE '2025-09-01' WHERE unit_id = :unit"),
        {"unit": south.id},
    )
    db_session.execute(
        text(
            "UPDATE stays SET unit_id = :south WHERE household_id = :household "
            "AND place_kind = 'onderdak_unit'"
        ),
        {"south": south.id, "household": two_children.id},
    )
    _assert_current(db_session)
    db_session.execute(
        text("DELETE FROM stays WHERE household_id = :id AND place_kind = 'onderdak_unit'"),
        {"id": no_children.id},
    )
    assert len(_rows(db_session, STORED_PLACEMENTS)) == 2
    _assert_current(db_session)

    # Children deleted (the household's last one): no trips left for it.
    db_session.execute(text("DELETE FROM children WHERE household_id = :id"), {"id": elsewhere.id})
    trips = _assert_current(db_session)
    assert {trip[2] for trip in trips} == {two_children.id}
