from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_corporation, make_municipality

AMSTERDAM_CENTRE = (4.8952, 52.3702)


@pytest.fixture(autouse=True)
def _reference_data(db_session: Session) -> None:
    """Amsterdam and Ouder-Amstel; ymere serves both, eigen_haard only Amsterdam.

    Diemen (GM0384) is served by nobody; Weesp (GM0457) merged into Amsterdam.
    """
    make_municipality(db_session, code="GM0363", name="Amsterdam")
    make_municipality(db_session, code="GM0437", name="Ouder-Amstel")
    make_municipality(db_session, code="GM0384", name="Diemen")
    make_municipality(db_session, code="GM0457", name="Weesp", merged_into="GM0363")
    make_corporation(db_session, code="ymere", name="Ymere", municipalities=["GM0363", "GM0437"])
    make_corporation(db_session, code="eigen_haard", name="Eigen Haard", municipalities=["GM0363"])
    db_session.flush()


def unit_body(**overrides: Any) -> dict[str, Any]:
    """A valid `PUT /v1/corporations/{code}/units/{reference}` body."""
    body: dict[str, Any] = {
        "kind": "emergency",
        "address": {
            "street": "Damrak",
            "house_number": "12A",
            "postcode": "1012 LG",
            "city": "Amsterdam",
        },
        "municipality": "GM0363",
        "location": {"type": "Point", "coordinates": list(AMSTERDAM_CENTRE)},
        "bedrooms": 2,
        "max_occupants": 4,
        "wheelchair_accessible": False,
        "ground_floor": True,
        "pets_allowed": False,
        "available_from": "2026-12-01",
        "available_until": "2027-06-30",
        "max_stay_days": 180,
        "rent_cents": 65_000,
    }
    return body | overrides


def create_body(**overrides: Any) -> dict[str, Any]:
    """A valid `POST /v1/units` body."""
    return unit_body(corporation="ymere", reference="NO-1") | overrides
