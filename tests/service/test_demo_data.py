from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.demo_data import DemoCounts, load_demo_region
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
