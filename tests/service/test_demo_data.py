from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.keys import authenticate
from service.auth.models import Role
from service.core.errors import Unauthorized
from service.demo import create_demo_keys
from service.demo_data import MUNICIPALITIES, DemoCounts, load_demo_region
from service.households.models import Child, Eviction, Household, Stay
from service.units.models import Unit

TODAY = date(2026, 11, 24)


def test_demo_region_is_realistic_and_loads_idempotently(db_session: Session) -> None:
    counts = DemoCounts(schools=12, households=60, units=30)
    first = load_demo_region(db_session, today=TODAY, counts=counts)
    assert (first["households_created"], first["units_created"]) == (60, 30)

    households = db_session.scalars(select(Household)).all()
    with_children = sum(1 for h in households if h.children)
    assert 15 <= with_children <= 45
    assert all(h.homeless_since is None or h.homeless_since < TODAY for h in households)
    reasons = db_session.scalars(select(Eviction.reason)).all()
    assert reasons.count("rent_arrears") > len(reasons) / 2
    # Every household already without a home has an ongoing stay somewhere.
    homeless = [h for h in households if h.homeless_since is not None]
    ongoing = db_session.scalar(
        select(func.count(func.distinct(Stay.household_id))).where(Stay.end_date.is_(None))
    )
    assert ongoing == len(homeless)
    assert db_session.scalar(
        select(func.count()).select_from(Child).where(Child.school_id.is_not(None))
    )

    again = load_demo_region(db_session, today=TODAY, counts=counts)
    assert (again["households_created"], again["units_created"]) == (0, 0)
    assert db_session.scalar(select(func.count()).select_from(Unit)) == 30


def testcreate_demo_keys_sign_in_to_the_demo_region_and_the_next_run_revokes_them(
    db_session: Session,
) -> None:
    load_demo_region(db_session, today=TODAY, counts=DemoCounts(households=5, units=5, schools=4))
    first_desk, first_corporation = create_demo_keys(db_session)
    desk = authenticate(db_session, token=first_desk)
    assert desk.role is Role.DESK
    assert desk.municipalities == {m.code for m in MUNICIPALITIES}
    assert authenticate(db_session, token=first_corporation).role is Role.CORPORATION
    second_desk, _ = create_demo_keys(db_session)
    assert authenticate(db_session, token=second_desk).role is Role.DESK
    with pytest.raises(Unauthorized):
        authenticate(db_session, token=first_desk)
    with pytest.raises(Unauthorized):
        authenticate(db_session, token=first_corporation)
