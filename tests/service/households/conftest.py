from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.core.time import today_amsterdam
from tests.factories import make_municipality, make_school


@pytest.fixture(autouse=True)
def _reference_data(db_session: Session) -> None:
    """Amsterdam and Ouder-Amstel; Weesp (GM0457) merged into Amsterdam; two schools."""
    make_municipality(db_session, code="GM0363", name="Amsterdam")
    make_municipality(db_session, code="GM0437", name="Ouder-Amstel")
    make_municipality(db_session, code="GM0457", name="Weesp", merged_into="GM0363")
    make_school(db_session, brin_code="00AB01")
    make_school(db_session, brin_code="00AB02", level="secondary")
    db_session.flush()


def days_ago(days: int) -> date:
    return today_amsterdam() - timedelta(days=days)


def household_body(**overrides: Any) -> dict[str, Any]:
    """A valid `POST /v1/households` body: two adults, two children, at risk."""
    this_year = today_amsterdam().year
    body: dict[str, Any] = {
        "case_reference": "2026-0042",
        "municipality": "GM0363",
        "adults": 2,
        "children": [
            {"birth_year": this_year - 10, "school": "00AB01"},
            {"birth_year": this_year - 14, "school": "00AB02", "needs_wheelchair": True},
        ],
        "needs": {"pets": True},
        "safety_exclusions": [
            {"location": {"type": "Point", "coordinates": [4.90, 52.37]}, "min_distance_m": 500}
        ],
        "needed_from": days_ago(-30).isoformat(),
    }
    return body | overrides
