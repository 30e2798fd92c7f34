"""The monthly eviction summary follows every change: new, changed, deleted, moved."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.households import service as households
from service.households.schemas import ClosedReason, EvictionUpdate, HouseholdUpdate
from tests.factories import make_eviction
from tests.service.conftest import TokenFactory
from tests.service.stats.conftest import AMSTERDAM, OUDER_AMSTEL, HouseholdMaker, bearer


def _by_municipality(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, int]:
    body = client.get(
        "/v1/stats/evictions",
        params={"group_by": "municipality", **params},
        headers=headers,
    ).json()
    return {row["group"]["municipality"]: row["evictions"] for row in body["rows"]}


def test_summary_follows_updates_deletes_and_moves(
    db_session: Session, client: TestClient, make_token: TokenFactory, household: HouseholdMaker
) -> None:
    desk = bearer(make_token(Role.DESK, municipalities=[AMSTERDAM, OUDER_AMSTEL]))
    first, second = household(), household()
    planned = make_eviction(db_session, household=first, eviction_date=date(2025, 3, 3))
    eviction = make_eviction(
        db_session, household=second, eviction_date=date(2025, 3, 9), state="planned"
    )
    db_session.flush()
    assert _by_municipality(client, desk, period="2025") == {AMSTERDAM: 1}
    # Planned becomes executed.
    moved = households.get_household(db_session, household_id=second.id)
    households.update_eviction(
        db_session, household=moved, eviction=eviction, data=EvictionUpdate(state="executed")
    )
    db_session.flush()
    assert _by_municipality(client, desk, period="2025-03") == {AMSTERDAM: 2}
    assert _by_municipality(client, desk, period="2025", state="planned") == {}
    # The household moves to Ouder-Amstel: its eviction goes with it.
    households.update_household(
        db_session, household=moved, data=HouseholdUpdate(municipality=OUDER_AMSTEL)
    )
    db_session.flush()
    assert _by_municipality(client, desk, period="2025") == {AMSTERDAM: 1, OUDER_AMSTEL: 1}
    # Deleted (by hand in the database): gone from the summary, and from day ranges too.
    db_session.delete(planned)
    db_session.flush()
    assert _by_municipality(client, desk, period="2025") == {OUDER_AMSTEL: 1}
    assert _by_municipality(client, desk, **{"from": "2025-03-05", "to": "2025-04-30"}) == {
        OUDER_AMSTEL: 1
    }
    assert _by_municipality(client, desk, **{"from": "2025-03-01", "to": "2025-03-08"}) == {}


def test_episodes_follow_children_and_closing(
    db_session: Session, client: TestClient, make_token: TokenFactory, household: HouseholdMaker
) -> None:
    desk = bearer(make_token(Role.DESK, municipalities=[AMSTERDAM]))
    family = household(homeless_since=date(2025, 1, 1), children=[{"birth_year": 2015}])
    db_session.flush()

    def totals(as_of: str) -> tuple[int, int]:
        total = client.get(
            "/v1/stats/temporary-housing", params={"as_of": as_of}, headers=desk
        ).json()["total"]
        return total["households"], total["children"]

    assert totals("2025-06-30") == (1, 1)
    family = households.update_household(
        db_session,
        household=family,
        data=HouseholdUpdate.model_validate(
            {"children": [{"birth_year": 2015}, {"birth_year": 2019}, {"birth_year": 2021}]}
        ),
    )
    db_session.flush()
    assert totals("2025-06-30") == (1, 3)
    households.close_household(
        db_session, household=family, reason=ClosedReason.PERMANENT_HOME, closed_on=date(2025, 7, 1)
    )
    db_session.flush()
    assert totals("2025-06-30") == (1, 3)
    assert totals("2025-07-01") == (0, 0)
