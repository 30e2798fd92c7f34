"""Offers and placements: accept, decline, expire, end, move on; never a double booking."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.core.errors import Conflict
from service.core.time import today_amsterdam, utc_now
from service.households.models import Household, Stay
from service.offers import service as offers
from service.offers.models import Offer, Placement
from service.policies import repository as policies
from service.units.models import Unit
from tests.factories import AMSTERDAM, make_municipality
from tests.service.conftest import TokenFactory
from tests.service.runs.scenario import bearer, homeless_family, unit_at


@pytest.fixture(autouse=True)
def _amsterdam(db_session: Session) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")


@pytest.fixture
def desk(make_token: TokenFactory) -> dict[str, str]:
    return bearer(make_token(Role.DESK, municipalities=[AMSTERDAM], person="Desk Medewerker"))


def _offer(client: TestClient, headers: dict[str, str]) -> str:
    run = client.post("/v1/match-runs", json={"municipalities": [AMSTERDAM]}, headers=headers)
    assert run.status_code == 201, run.text
    committed = client.post(f"/v1/match-runs/{run.json()['id']}/commit", json={}, headers=headers)
    assert committed.status_code == 200, committed.text
    offer_id: str = committed.json()["offers"][0]
    return offer_id


def _reload(session: Session, model: type, key: object) -> object:
    session.expire_all()
    return session.get(model, key)


def test_accepting_places_the_household_and_occupies_the_unit(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit = unit_at(db_session, reference="U-1")
    offer_id = _offer(client, desk)

    response = client.post(f"/v1/offers/{offer_id}/accept", json={}, headers=desk)

    assert response.status_code == 200, response.text
    placement = response.json()
    assert placement["status"] == "active"
    assert placement["start_date"] == today_amsterdam().isoformat()
    assert _reload(db_session, Unit, unit.id).status == "occupied"  # type: ignore[attr-defined]
    assert _reload(db_session, Household, family.id).status == "placed"  # type: ignore[attr-defined]
    stay = db_session.get(Stay, uuid.UUID(placement["stay_id"]))
    assert stay is not None and stay.unit_id == unit.id and stay.end_date is None
    again = client.post(f"/v1/offers/{offer_id}/accept", json={}, headers=desk)
    assert again.status_code == 409


def test_declining_returns_unit_and_household_to_the_pool(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit = unit_at(db_session, reference="U-1")
    offer_id = _offer(client, desk)

    needs_text = client.post(
        f"/v1/offers/{offer_id}/decline", json={"reason": "other"}, headers=desk
    )
    assert needs_text.status_code == 422
    response = client.post(
        f"/v1/offers/{offer_id}/decline", json={"reason": "household_refused"}, headers=desk
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "declined"
    assert _reload(db_session, Unit, unit.id).status == "available"  # type: ignore[attr-defined]
    assert _reload(db_session, Household, family.id).status == "homeless"  # type: ignore[attr-defined]


def test_expired_offers_release_their_units_when_offers_are_read(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit = unit_at(db_session, reference="U-1")
    offer_id = _offer(client, desk)
    db_session.execute(
        update(Offer).values(expires_at=utc_now() - timedelta(minutes=1), version=Offer.version)
    )

    listed = client.get("/v1/offers", headers=desk)

    assert listed.status_code == 200
    assert listed.json()["items"][0]["status"] == "expired"
    assert _reload(db_session, Unit, unit.id).status == "available"  # type: ignore[attr-defined]
    assert _reload(db_session, Household, family.id).status == "homeless"  # type: ignore[attr-defined]
    late = client.post(f"/v1/offers/{offer_id}/accept", json={}, headers=desk)
    assert late.status_code == 409


def test_the_expiry_sweep_counts_what_it_expired(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="U-1")
    _offer(client, desk)

    later = utc_now() + timedelta(hours=73)
    assert offers.expire_due_offers(db_session, actor="test", now=later) == 1
    assert offers.expire_due_offers(db_session, actor="test", now=later) == 0


def test_ending_a_placement_for_permanent_housing_closes_the_case(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit = unit_at(db_session, reference="U-1")
    offer_id = _offer(client, desk)
    placement = client.post(f"/v1/offers/{offer_id}/accept", json={}, headers=desk).json()

    response = client.post(
        f"/v1/placements/{placement['id']}/end",
        json={"end_date": today_amsterdam().isoformat(), "reason": "moved_to_permanent_housing"},
        headers=desk,
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ended"
    assert _reload(db_session, Unit, unit.id).status == "available"  # type: ignore[attr-defined]
    household = _reload(db_session, Household, family.id)
    assert household.status == "closed"  # type: ignore[attr-defined]
    twice = client.post(
        f"/v1/placements/{placement['id']}/end",
        json={"end_date": today_amsterdam().isoformat(), "reason": "other", "text": "again"},
        headers=desk,
    )
    assert twice.status_code == 409


def test_ending_a_placement_otherwise_puts_the_household_back_in_the_pool(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="U-1")
    offer_id = _offer(client, desk)
    placement = client.post(f"/v1/offers/{offer_id}/accept", json={}, headers=desk).json()

    response = client.post(
        f"/v1/placements/{placement['id']}/end",
        json={"end_date": today_amsterdam().isoformat(), "reason": "moved_elsewhere"},
        headers=desk,
    )

    assert response.status_code == 200, response.text
    assert _reload(db_session, Household, family.id).status == "homeless"  # type: ignore[attr-defined]


def test_moving_on_from_an_emergency_unit_releases_it_in_the_same_transaction(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A")
    emergency = unit_at(db_session, reference="E-1")
    first = client.post(f"/v1/offers/{_offer(client, desk)}/accept", json={}, headers=desk).json()
    transitional = unit_at(db_session, reference="T-1", kind="transitional")

    moved = client.post(f"/v1/offers/{_offer(client, desk)}/accept", json={}, headers=desk)

    assert moved.status_code == 200, moved.text
    db_session.expire_all()
    assert db_session.get(Unit, emergency.id).status == "available"  # type: ignore[union-attr]
    assert db_session.get(Unit, transitional.id).status == "occupied"  # type: ignore[union-attr]
    old = db_session.get(Placement, uuid.UUID(first["id"]))
    assert old is not None and old.status == "ended" and old.end_reason == "moved_on"
    ongoing = db_session.scalars(
        select(Stay).where(Stay.household_id == family.id, Stay.end_date.is_(None))
    ).all()
    assert [s.unit_id for s in ongoing] == [transitional.id]


def test_the_database_refuses_a_second_open_offer_for_a_unit(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    homeless_family(db_session, case_reference="A")
    other = homeless_family(db_session, case_reference="B", days_waiting=1)
    unit = unit_at(db_session, reference="U-1")
    _offer(client, desk)
    policy = policies.get_latest(db_session, name="default")
    assert policy is not None

    with pytest.raises(IntegrityError, match="uq_offers_unit_held"), db_session.begin_nested():
        db_session.add(
            Offer(
                household_id=other.id,
                unit_id=unit.id,
                policy_id=policy.id,
                source="run",
                status="open",
                made_by="someone bypassing the service",
                expires_at=utc_now() + timedelta(hours=1),
                explanation={},
            )
        )
        db_session.flush()
    assert db_session.scalar(select(func.count()).select_from(Offer)) == 1


def test_the_database_refuses_a_second_open_offer_for_a_household(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="U-1")
    spare = unit_at(db_session, reference="U-2")
    _offer(client, desk)
    policy = policies.get_latest(db_session, name="default")
    assert policy is not None

    with pytest.raises(IntegrityError, match="uq_offers_household_open"), db_session.begin_nested():
        db_session.add(
            Offer(
                household_id=family.id,
                unit_id=spare.id,
                policy_id=policy.id,
                source="run",
                status="open",
                made_by="someone bypassing the service",
                expires_at=utc_now() + timedelta(hours=1),
                explanation={},
            )
        )
        db_session.flush()


def test_corporations_see_offers_on_their_units_without_childrens_details(
    client: TestClient, db_session: Session, desk: dict[str, str], make_token: TokenFactory
) -> None:
    homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="U-1")
    offer_id = _offer(client, desk)
    ymere = bearer(make_token(Role.CORPORATION, corporation_code="ymere"))
    unit_at(db_session, reference="X-1", corporation="other-corp")
    other = bearer(make_token(Role.CORPORATION, corporation_code="other-corp"))

    seen = client.get(f"/v1/offers/{offer_id}", headers=ymere)

    assert seen.status_code == 200
    view = seen.json()
    # The corporation's own schema: the unit, the dates, the household's size and unit needs.
    assert view["view"] == "corporation"
    assert view["unit_reference"] == "U-1"
    assert view["household_size"] >= 1
    assert set(view["needs"]) == {"wheelchair", "ground_floor", "pets"}
    for hidden in ("explanation", "household_id", "case_reference", "children", "run_id"):
        assert hidden not in view
    assert client.get(f"/v1/offers/{offer_id}", headers=other).status_code == 404
    assert client.get("/v1/offers", headers=other).json()["items"] == []
    answer = client.post(f"/v1/offers/{offer_id}/accept", json={}, headers=ymere)
    assert answer.status_code == 403


def test_unknown_offers_and_placements_are_404(client: TestClient, desk: dict[str, str]) -> None:
    missing = uuid.uuid4()
    assert client.get(f"/v1/offers/{missing}", headers=desk).status_code == 404
    assert client.post(f"/v1/offers/{missing}/accept", json={}, headers=desk).status_code == 404
    ended = client.post(
        f"/v1/placements/{missing}/end",
        json={"end_date": "2026-01-01", "reason": "evicted"},
        headers=desk,
    )
    assert ended.status_code == 404


def test_a_refused_double_booking_becomes_a_clean_conflict(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    homeless_family(db_session, case_reference="A")
    other = homeless_family(db_session, case_reference="B", days_waiting=1)
    unit = unit_at(db_session, reference="U-1")
    _offer(client, desk)
    policy = policies.get_latest(db_session, name="default")
    assert policy is not None

    with pytest.raises(Conflict) as refused, db_session.begin_nested(), offers.conflicts_as_409():
        db_session.add(
            Offer(
                household_id=other.id,
                unit_id=unit.id,
                policy_id=policy.id,
                source="run",
                status="open",
                made_by="a racing request",
                expires_at=utc_now() + timedelta(hours=1),
                explanation={},
            )
        )
        db_session.flush()

    assert refused.value.status == 409
    assert refused.value.extensions == {"constraint": "uq_offers_unit_held"}


def test_permanent_housing_cancels_an_offer_still_out_to_the_household(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="E-1")
    placement = client.post(f"/v1/offers/{_offer(client, desk)}/accept", json={}, headers=desk)
    transitional = unit_at(db_session, reference="T-1", kind="transitional")
    moving_on = _offer(client, desk)

    ended = client.post(
        f"/v1/placements/{placement.json()['id']}/end",
        json={"end_date": today_amsterdam().isoformat(), "reason": "moved_to_permanent_housing"},
        headers=desk,
    )

    assert ended.status_code == 200, ended.text
    assert client.get(f"/v1/offers/{moving_on}", headers=desk).json()["status"] == "cancelled"
    assert _reload(db_session, Unit, transitional.id).status == "available"  # type: ignore[attr-defined]
    assert _reload(db_session, Household, family.id).status == "closed"  # type: ignore[attr-defined]


def test_a_desk_cannot_close_a_case_around_an_open_offer(
    client: TestClient, db_session: Session, desk: dict[str, str]
) -> None:
    household = homeless_family(db_session, case_reference="CLOSE-1")
    unit_at(db_session, reference="U-CLOSE")
    _offer(client, desk)
    response = client.post(
        f"/v1/households/{household.id}/close", json={"reason": "lost_contact"}, headers=desk
    )
    assert response.status_code == 409
    assert "decline" in response.json()["detail"]
    db_session.refresh(household)
    assert household.status == "offered"
