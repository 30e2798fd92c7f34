"""Known data for the figures: two municipalities, keys for every role, small helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.households.models import Household
from tests.factories import make_eviction, make_household, make_municipality
from tests.service.conftest import TokenFactory

AMSTERDAM = "GM0363"
OUDER_AMSTEL = "GM0437"

Headers = dict[str, str]


@pytest.fixture(autouse=True)
def _municipalities(db_session: Session) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    make_municipality(db_session, code=OUDER_AMSTEL, name="Ouder-Amstel")
    db_session.flush()


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auditor(make_token: TokenFactory) -> Headers:
    return bearer(make_token(Role.AUDITOR, person="Statisticus"))


@pytest.fixture
def desk(make_token: TokenFactory) -> Headers:
    """The Amsterdam desk."""
    return bearer(make_token(Role.DESK, municipalities=[AMSTERDAM], person="Loket Amsterdam"))


HouseholdMaker = Callable[..., Household]


@pytest.fixture
def household(db_session: Session) -> HouseholdMaker:
    """A household with a unique case reference; children as `[{"birth_year": ...}, ...]`."""
    counter = iter(range(1, 10_000))

    def make(*, municipality: str = AMSTERDAM, **fields: Any) -> Household:
        return make_household(
            db_session,
            case_reference=f"S-{next(counter):04d}",
            municipality=municipality,
            **fields,
        )

    return make


EvictionMaker = Callable[..., None]


@pytest.fixture
def evictions(db_session: Session, household: HouseholdMaker) -> EvictionMaker:
    """`count` households, each with one eviction as described."""

    def make(
        count: int,
        *,
        on: date,
        municipality: str = AMSTERDAM,
        reason: str = "rent_arrears",
        landlord_type: str = "social",
        children_involved: int = 0,
        state: str = "executed",
    ) -> None:
        for _ in range(count):
            make_eviction(
                db_session,
                household=household(municipality=municipality),
                eviction_date=on,
                state=state,
                reason=reason,
                landlord_type=landlord_type,
                children_involved=children_involved,
            )
        db_session.flush()

    return make
