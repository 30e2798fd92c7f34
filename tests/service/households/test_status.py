"""The status transitions the Workflow calls: offer, decline/expiry, placement, closing."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.core.errors import Conflict
from service.households import service
from service.households.models import HouseholdStatus, PlaceKind
from service.households.schemas import ClosedReason, StayCreate
from tests.factories import make_household
from tests.service.households.conftest import days_ago


@pytest.fixture
def unit_id(db_session: Session) -> uuid.UUID:
    """A unit row, whatever the units feature needs to make one (only its id matters here)."""
    from tests.factories import make_unit

    unit = make_unit(db_session)
    db_session.flush()
    return unit.id


def test_offer_then_decline_returns_to_the_previous_status(db_session: Session) -> None:
    at_risk = make_household(db_session, case_reference="S-1")
    homeless = make_household(db_session, case_reference="S-2", homeless_since=days_ago(3))
    for household, before in ((at_risk, "at_risk"), (homeless, "homeless")):
        version = household.version
        service.mark_offered(db_session, household=household)
        assert household.status == HouseholdStatus.OFFERED
        assert household.version > version
        with pytest.raises(Conflict):
            service.mark_offered(db_session, household=household)
        service.withdraw_offer(db_session, household=household)
        assert household.status == before
    with pytest.raises(Conflict):
        service.withdraw_offer(db_session, household=homeless)


def test_placement_ends_the_ongoing_stay_and_starts_the_unit_stay(
    db_session: Session, unit_id: uuid.UUID
) -> None:
    household = make_household(db_session, case_reference="S-3", homeless_since=days_ago(30))
    shelter = service.record_stay(
        db_session,
        household=household,
        data=StayCreate.model_validate({"start_date": days_ago(30), "place_kind": "shelter"}),
    )
    service.mark_offered(db_session, household=household)
    stay = service.place_in_unit(
        db_session, household=household, unit_id=unit_id, move_in_on=days_ago(1)
    )
    assert household.status == HouseholdStatus.PLACED
    assert (stay.place_kind, stay.unit_id, stay.end_date) == (
        PlaceKind.ONDERDAK_UNIT,
        unit_id,
        None,
    )
    db_session.refresh(shelter)
    assert shelter.end_date == days_ago(1)
    # The episode goes on in the unit: placed households still count their days.
    assert service.days_in_temporary_housing(household) == 30
    # A placed household can be offered a transitional unit, and falls back to placed.
    service.mark_offered(db_session, household=household)
    service.withdraw_offer(db_session, household=household)
    assert household.status == HouseholdStatus.PLACED


def test_placement_of_an_at_risk_household_starts_its_episode(
    db_session: Session, unit_id: uuid.UUID
) -> None:
    household = make_household(db_session, case_reference="S-4")
    service.mark_offered(db_session, household=household)
    service.place_in_unit(db_session, household=household, unit_id=unit_id, move_in_on=days_ago(0))
    assert household.homeless_since == days_ago(0)
    assert service.days_in_temporary_housing(household) == 0


def test_nothing_changes_a_closed_household(db_session: Session, unit_id: uuid.UUID) -> None:
    household = make_household(db_session, case_reference="S-5")
    service.close_household(
        db_session, household=household, reason=ClosedReason.DUPLICATE, closed_on=None
    )
    assert household.status == HouseholdStatus.CLOSED
    with pytest.raises(Conflict):
        service.mark_offered(db_session, household=household)
    with pytest.raises(Conflict):
        service.place_in_unit(
            db_session, household=household, unit_id=unit_id, move_in_on=days_ago(0)
        )
    with pytest.raises(Conflict):
        service.start_episode(db_session, household=household, since=days_ago(0))


def test_the_database_refuses_a_free_status(db_session: Session) -> None:
    household = make_household(db_session, case_reference="S-6")
    db_session.flush()
    with (
        pytest.raises(Exception, match="ck_households_status_allowed"),
        db_session.begin_nested(),
    ):
        db_session.execute(
            text("UPDATE households SET status = 'sleeping' WHERE id = :id"),
            {"id": household.id},
        )
