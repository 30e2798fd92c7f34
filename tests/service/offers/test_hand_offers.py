"""Hand offers (same hard rules, or named overrides with a reason) and withdrawn units."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.auth.keys import principal_of
from service.auth.models import ApiKey, Role
from service.households.models import Household
from service.offers import service as offers
from service.offers.models import Offer
from service.units.models import Unit
from tests.factories import AMSTERDAM, make_municipality, make_unit
from tests.service.conftest import TokenFactory
from tests.service.runs.scenario import FAR, bearer, homeless_family, post_building_cap, unit_at


@pytest.fixture(autouse=True)
def _amsterdam(db_session: Session) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")


@pytest.fixture
def desk(make_token: TokenFactory) -> dict[str, str]:
    return bearer(make_token(Role.DESK, municipalities=[AMSTERDAM], person="Desk Medewerker"))


def test_a_hand_offer_that_keeps_the_rules_reserves_the_unit(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit = unit_at(db_session, reference="U-1")

    response = client.post(
        "/v1/offers",
        json={"household_id": str(family.id), "unit_id": str(unit.id), "reason": "urgent"},
        headers=desk,
    )

    assert response.status_code == 201, response.text
    offer = response.json()
    assert offer["source"] == "hand" and offer["overridden_rules"] == []
    assert response.headers["Location"] == f"/v1/offers/{offer['id']}"
    db_session.expire_all()
    assert db_session.get(Unit, unit.id).status == "reserved"  # type: ignore[union-attr]
    assert db_session.get(Household, family.id).status == "offered"  # type: ignore[union-attr]
    second = client.post(
        "/v1/offers",
        json={"household_id": str(family.id), "unit_id": str(unit.id), "reason": "again"},
        headers=desk,
    )
    assert second.status_code == 409


def test_a_hand_offer_into_a_building_at_its_cap_needs_a_named_override(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    # The default policy's new version allows one household per building; Damrak 1 has one.
    post_building_cap(client, policy="default", max_households=1)
    family = homeless_family(db_session, case_reference="A")
    other_family = homeless_family(db_session, case_reference="B")
    make_unit(db_session, reference="LIVED-IN", status="occupied", available_from=date(2025, 1, 1))
    free = unit_at(db_session, reference="U-1")
    elsewhere = make_unit(
        db_session, reference="V-1", postcode="1013 CD", available_from=date(2025, 1, 1)
    )
    db_session.commit()
    body = {"household_id": str(family.id), "unit_id": str(free.id), "reason": "urgent"}

    refused = client.post("/v1/offers", json=body, headers=desk)
    assert refused.status_code == 422, refused.text
    assert refused.json()["broken_rules"] == ["placement_cap"]
    assert [e["field"] for e in refused.json()["errors"]] == ["body.override_rules"]
    assert "placement_cap" in refused.json()["errors"][0]["message"]
    db_session.expire_all()
    assert db_session.get(Unit, free.id).status == "available"  # type: ignore[union-attr]
    # Another building is fine without an override.
    other = client.post(
        "/v1/offers",
        json={**body, "household_id": str(other_family.id), "unit_id": str(elsewhere.id)},
        headers=desk,
    )
    assert other.status_code == 201, other.text

    overridden = client.post(
        "/v1/offers",
        json={**body, "override_rules": ["placement_cap"], "override_reason": "no other unit"},
        headers=desk,
    )
    assert overridden.status_code == 201, overridden.text
    assert overridden.json()["overridden_rules"] == ["placement_cap"]


def test_a_hand_offer_breaking_a_rule_needs_a_named_override(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A", children=2)
    far = unit_at(db_session, reference="FAR", lon_lat=FAR, max_occupants=3)
    body = {"household_id": str(family.id), "unit_id": str(far.id), "reason": "nothing else"}

    refused = client.post("/v1/offers", json=body, headers=desk)
    assert refused.status_code == 422
    assert refused.json()["broken_rules"] == ["occupants", "school_trip"]
    partly = client.post(
        "/v1/offers",
        json={**body, "override_rules": ["school_trip"], "override_reason": "family agrees"},
        headers=desk,
    )
    assert partly.status_code == 422
    no_reason = client.post(
        "/v1/offers", json={**body, "override_rules": ["school_trip", "occupants"]}, headers=desk
    )
    assert no_reason.status_code == 422

    response = client.post(
        "/v1/offers",
        json={
            **body,
            "override_rules": ["school_trip", "occupants"],
            "override_reason": "family agrees; temporary",
        },
        headers=desk,
    )

    assert response.status_code == 201, response.text
    assert response.json()["overridden_rules"] == ["occupants", "school_trip"]
    trips = response.json()["explanation"]["child_trips"]
    assert len(trips) == 2 and all(t["school_trip_km"] > 15 for t in trips)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "offer.made")).one()
    assert event.after is not None and event.after["override_reason"] == "family agrees; temporary"

    # The next run reports the override in its children's-rights check.
    run = client.post("/v1/match-runs", json={"municipalities": [AMSTERDAM]}, headers=desk)
    rights = run.json()["summary"]["childrens_rights"]
    assert rights["children_over_trip_limit"] == 2
    assert all(c["school_trip_km"] > 15 for c in rights["children_over_trip_limit_detail"])


def test_a_hand_offer_for_an_unknown_or_foreign_household_is_a_field_error(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit = unit_at(db_session, reference="U-1")
    make_municipality(db_session, code="GM0344", name="Utrecht")
    utrecht = bearer(make_token(Role.DESK, municipalities=["GM0344"]))

    response = client.post(
        "/v1/offers",
        json={"household_id": str(family.id), "unit_id": str(unit.id), "reason": "x"},
        headers=utrecht,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.household_id"


def test_withdrawing_a_unit_cancels_its_open_offer(
    client: TestClient, db_session: Session, desk: dict[str, str], make_token: TokenFactory
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit = unit_at(db_session, reference="U-1")
    offer = client.post(
        "/v1/offers",
        json={"household_id": str(family.id), "unit_id": str(unit.id), "reason": "urgent"},
        headers=desk,
    ).json()
    make_token(Role.CORPORATION, corporation_code="ymere", person="Corporatie")
    key = db_session.scalars(select(ApiKey).where(ApiKey.person == "Corporatie")).one()

    withdrawn = offers.withdraw_unit(db_session, principal=principal_of(key), unit_id=unit.id)

    assert withdrawn.status == "withdrawn"
    db_session.flush()
    db_session.expire_all()
    cancelled = db_session.get(Offer, offer["id"])
    assert cancelled is not None and cancelled.status == "cancelled"
    assert db_session.get(Household, family.id).status == "homeless"  # type: ignore[union-attr]
    actions = db_session.scalars(select(AuditEvent.action)).all()
    assert "offer.cancelled" in actions and "unit.withdrawn" in actions
