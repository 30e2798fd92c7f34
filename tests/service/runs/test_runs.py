"""Match runs over REST: previews built from the database, commits into offers."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.auth.models import Role
from service.households.models import Household
from service.offers.models import Offer
from service.runs import repository
from service.runs import service as runs
from service.runs.instance import unit_groups
from service.runs.models import MatchRun
from service.runs.settings import RunSettings
from service.units import service as units
from service.units.models import Unit
from service.units.schemas import UnitUpdate
from tests.factories import AMSTERDAM, make_municipality, make_unit
from tests.service.conftest import TokenFactory
from tests.service.runs.scenario import (
    FAR,
    UTRECHT,
    bearer,
    homeless_family,
    post_building_cap,
    unit_at,
)


def _desk(make_token: TokenFactory, *municipalities: str) -> dict[str, str]:
    return bearer(make_token(Role.DESK, municipalities=municipalities or (AMSTERDAM,)))


@pytest.fixture(autouse=True)
def _amsterdam(db_session: Session) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")


def _preview(client: TestClient, headers: dict[str, str], **body: object) -> dict[str, object]:
    response = client.post(
        "/v1/match-runs", json={"municipalities": [AMSTERDAM], **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v1/match-runs/{response.json()['id']}"
    result: dict[str, object] = response.json()
    return result


def test_a_preview_proposes_with_explanations_and_changes_nothing_else(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    long_wait = homeless_family(db_session, case_reference="A", days_waiting=600)
    short_wait = homeless_family(db_session, case_reference="B", days_waiting=10)
    unit = unit_at(db_session, reference="U-1")
    headers = _desk(make_token)

    run = _preview(client, headers)

    assert run["status"] == "completed"
    assert run["policy"] == "default@1"
    summary = run["summary"]
    assert isinstance(summary, dict)
    assert summary["proposals"] == 1 and summary["unmatched"] == 1
    rights = summary["childrens_rights"]
    assert rights["children_placed"] == 2
    assert rights["families_with_children_without_offer"] == 1
    assert rights["longest_remaining_stays"] == [
        {"household_id": str(short_wait.id), "children": 2, "days_in_temporary_housing": 10}
    ]
    assert summary["first_come_first_served"]["households_placed"] == 1
    proposals = client.get(f"/v1/match-runs/{run['id']}/proposals", headers=headers).json()
    assert [(p["household_id"], p["unit_id"]) for p in proposals["items"]] == [
        (str(long_wait.id), str(unit.id))
    ]
    assert proposals["items"][0]["explanation"]
    unmatched = client.get(f"/v1/match-runs/{run['id']}/unmatched", headers=headers).json()
    assert unmatched["items"][0]["reason"] == "outranked"
    # Nothing but the run itself changed.
    db_session.expire_all()
    assert db_session.get(Unit, unit.id).status == "available"  # type: ignore[union-attr]
    assert db_session.scalar(select(func.count()).select_from(Offer)) == 0
    assert db_session.get(Household, long_wait.id).status == "homeless"  # type: ignore[union-attr]


def test_school_trips_beyond_the_limit_are_never_proposed(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="FAR", lon_lat=FAR)
    headers = _desk(make_token)

    run = _preview(client, headers)

    summary = run["summary"]
    assert isinstance(summary, dict)
    assert summary["proposals"] == 0
    rights = summary["childrens_rights"]
    assert rights["families_with_children_without_offer"] == 1
    detail = rights["families_with_children_without_offer_detail"][0]
    assert detail["household_id"] == str(family.id)
    assert detail["reason"] == "no_feasible_unit"
    assert rights["children_over_trip_limit"] == 0


def test_commit_turns_proposals_into_offers_once(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    family = homeless_family(db_session, case_reference="A")
    unit = unit_at(db_session, reference="U-1")
    headers = _desk(make_token)
    run = _preview(client, headers)

    response = client.post(f"/v1/match-runs/{run['id']}/commit", json={}, headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["offers"]) == 1
    assert body["committed_by"].startswith("Test Persoon")
    db_session.expire_all()
    offer = db_session.get(Offer, uuid.UUID(body["offers"][0]))
    assert offer is not None and offer.status == "open" and offer.unit_id == unit.id
    assert db_session.get(Unit, unit.id).status == "reserved"  # type: ignore[union-attr]
    assert db_session.get(Household, family.id).status == "offered"  # type: ignore[union-attr]
    actions = set(db_session.scalars(select(AuditEvent.action)).all())
    assert {"run.committed", "offer.made", "unit.reserved", "household.status_changed"} <= actions

    again = client.post(f"/v1/match-runs/{run['id']}/commit", json={}, headers=headers)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


def test_a_commit_of_many_offers_moves_every_unit_and_household_with_its_own_audit_event(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    families = [homeless_family(db_session, case_reference=f"M-{n}") for n in range(5)]
    units_made = [unit_at(db_session, reference=f"M-U{n}") for n in range(5)]
    db_session.flush()
    versions = {u.id: u.version for u in units_made} | {h.id: h.version for h in families}
    headers = _desk(make_token)
    run = _preview(client, headers)

    response = client.post(f"/v1/match-runs/{run['id']}/commit", json={}, headers=headers)

    assert response.status_code == 200, response.text
    assert len(response.json()["offers"]) == 5
    db_session.expire_all()
    for unit in units_made:
        fresh_unit = db_session.get(Unit, unit.id)
        assert fresh_unit is not None and fresh_unit.status == "reserved"
        assert fresh_unit.version == versions[unit.id] + 1  # the ETag changes
    for family in families:
        fresh_household = db_session.get(Household, family.id)
        assert fresh_household is not None and fresh_household.status == "offered"
        assert fresh_household.version == versions[family.id] + 1
    events = db_session.execute(select(AuditEvent.action, AuditEvent.entity_id)).all()
    for action, ids in (
        ("unit.reserved", {str(u.id) for u in units_made}),
        ("household.status_changed", {str(h.id) for h in families}),
        ("offer.made", set(response.json()["offers"])),
    ):
        assert {entity for a, entity in events if a == action} == ids, action


def test_commit_answers_409_when_the_inputs_changed_since_the_preview(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    homeless_family(db_session, case_reference="A")
    unit = unit_at(db_session, reference="U-1")
    headers = _desk(make_token)
    run = _preview(client, headers)
    units.update_unit(db_session, unit=unit, data=UnitUpdate(bedrooms=3))
    db_session.flush()

    response = client.post(f"/v1/match-runs/{run['id']}/commit", json={}, headers=headers)

    assert response.status_code == 409
    assert "new preview" in response.json()["detail"]
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Offer)) == 0


def test_commit_leaves_out_what_the_person_excludes_with_a_reason(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    first = homeless_family(db_session, case_reference="A", days_waiting=300)
    second = homeless_family(db_session, case_reference="B", days_waiting=200)
    unit_at(db_session, reference="U-1")
    unit_at(db_session, reference="U-2")
    headers = _desk(make_token)
    run = _preview(client, headers)

    unknown = client.post(
        f"/v1/match-runs/{run['id']}/commit",
        json={"exclusions": [{"household_id": str(uuid.uuid4()), "reason": "typo"}]},
        headers=headers,
    )
    assert unknown.status_code == 422
    response = client.post(
        f"/v1/match-runs/{run['id']}/commit",
        json={"exclusions": [{"household_id": str(second.id), "reason": "moving abroad"}]},
        headers=headers,
    )

    assert response.status_code == 200, response.text
    assert len(response.json()["offers"]) == 1
    offered = db_session.scalars(select(Offer.household_id)).all()
    assert offered == [first.id]


def test_desks_match_only_within_their_municipalities(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    make_municipality(db_session, code=UTRECHT, name="Utrecht")
    homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="U-1")
    amsterdam = _desk(make_token, AMSTERDAM)
    utrecht = _desk(make_token, UTRECHT)

    forbidden = client.post("/v1/match-runs", json={"municipalities": [AMSTERDAM]}, headers=utrecht)
    assert forbidden.status_code == 403
    run = _preview(client, amsterdam)
    assert client.get(f"/v1/match-runs/{run['id']}", headers=utrecht).status_code == 404
    assert (
        client.post(f"/v1/match-runs/{run['id']}/commit", json={}, headers=utrecht).status_code
        == 404
    )
    corporation = client.post(
        "/v1/match-runs",
        json={"municipalities": [AMSTERDAM]},
        headers=bearer(make_token(Role.CORPORATION, corporation_code="ymere")),
    )
    assert corporation.status_code == 403


def test_unknown_policy_and_municipality_are_field_errors(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    headers = _desk(make_token)
    policy = client.post(
        "/v1/match-runs",
        json={"municipalities": [AMSTERDAM], "policy": "nope@3"},
        headers=headers,
    )
    assert policy.status_code == 422
    assert policy.json()["errors"][0]["field"] == "policy"
    municipality = client.post("/v1/match-runs", json={"municipalities": ["GM9999"]})
    assert municipality.status_code == 422


def test_a_run_records_the_policy_version_and_replays_to_the_same_result(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    for n in range(4):
        homeless_family(db_session, case_reference=f"H{n}", days_waiting=50 * n, children=n % 3)
    for n in range(3):
        unit_at(db_session, reference=f"U-{n}", lon_lat=(4.90 + 0.01 * n, 52.37))
    headers = _desk(make_token)
    run = _preview(client, headers, policy="school-first")
    assert run["policy"] == "school-first@1"

    stored = db_session.get(MatchRun, uuid.UUID(str(run["id"])))
    assert stored is not None and stored.result is not None
    replayed = runs.replay(stored)
    assert replayed.model_dump(mode="json", exclude={"timings"}) == {
        k: v for k, v in stored.result.items() if k != "timings"
    }


def test_a_big_run_answers_202_and_is_polled_to_completion(
    app: FastAPI, client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    app.state.run_settings = RunSettings(match_run_sync_max_households=0)
    homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="U-1")
    headers = _desk(make_token)

    response = client.post("/v1/match-runs", json={"municipalities": [AMSTERDAM]}, headers=headers)

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    polled = client.get(response.headers["Location"], headers=headers)
    assert polled.status_code == 200
    assert polled.json()["status"] == "completed"
    assert polled.json()["progress_percent"] == 100
    assert polled.json()["summary"]["proposals"] == 1


def test_an_emergency_placed_family_is_a_candidate_for_transitional_units_only(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    family = homeless_family(db_session, case_reference="A", days_waiting=400)
    emergency = unit_at(db_session, reference="E-1")
    headers = _desk(make_token)
    run = _preview(client, headers)
    offer_id = client.post(f"/v1/match-runs/{run['id']}/commit", json={}, headers=headers).json()[
        "offers"
    ][0]
    accepted = client.post(f"/v1/offers/{offer_id}/accept", json={}, headers=headers)
    assert accepted.status_code == 200, accepted.text
    unit_at(db_session, reference="E-2")
    transitional = unit_at(db_session, reference="T-1", kind="transitional")

    run = _preview(client, headers)

    proposals = client.get(f"/v1/match-runs/{run['id']}/proposals", headers=headers).json()
    assert [(p["household_id"], p["unit_id"]) for p in proposals["items"]] == [
        (str(family.id), str(transitional.id))
    ]
    assert emergency.id  # occupied by the family: not in the run at all


def test_a_declined_pair_is_not_proposed_again(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="U-1")
    headers = _desk(make_token)
    run = _preview(client, headers)
    offer_id = client.post(f"/v1/match-runs/{run['id']}/commit", json={}, headers=headers).json()[
        "offers"
    ][0]
    declined = client.post(
        f"/v1/offers/{offer_id}/decline", json={"reason": "unit_unsuitable"}, headers=headers
    )
    assert declined.status_code == 200, declined.text

    again = _preview(client, headers)

    assert again["summary"]["proposals"] == 0  # type: ignore[index]
    unmatched = client.get(f"/v1/match-runs/{again['id']}/unmatched", headers=headers).json()
    assert "declined_before" in str(unmatched["items"][0]["rule_counts"])


def test_a_bad_cursor_is_a_clean_422(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    homeless_family(db_session, case_reference="A")
    headers = _desk(make_token)
    run = _preview(client, headers)
    response = client.get(
        f"/v1/match-runs/{run['id']}/proposals", params={"cursor": "%%%"}, headers=headers
    )
    assert response.status_code == 422


def test_an_admin_can_clear_a_declined_pair(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    homeless_family(db_session, case_reference="A")
    unit_at(db_session, reference="U-1")
    headers = _desk(make_token)
    run = _preview(client, headers)
    offer_id = client.post(f"/v1/match-runs/{run['id']}/commit", json={}, headers=headers).json()[
        "offers"
    ][0]
    client.post(f"/v1/offers/{offer_id}/decline", json={"reason": "no_show"}, headers=headers)

    assert client.post(f"/v1/offers/{offer_id}/clear-decline", headers=headers).status_code == 403
    cleared = client.post(f"/v1/offers/{offer_id}/clear-decline")  # the client is an admin

    assert cleared.status_code == 200, cleared.text
    assert _preview(client, headers)["summary"]["proposals"] == 1  # type: ignore[index]


def test_desks_list_the_runs_within_their_municipalities(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    make_municipality(db_session, code=UTRECHT, name="Utrecht")
    amsterdam = _desk(make_token, AMSTERDAM)
    both = _desk(make_token, AMSTERDAM, UTRECHT)
    mine = _preview(client, amsterdam)
    wide = client.post(
        "/v1/match-runs", json={"municipalities": [AMSTERDAM, UTRECHT]}, headers=both
    ).json()

    seen_by_amsterdam = client.get("/v1/match-runs", headers=amsterdam).json()["items"]
    seen_by_both = client.get("/v1/match-runs", params={"limit": 1}, headers=both).json()

    assert [r["id"] for r in seen_by_amsterdam] == [mine["id"]]
    rest = client.get(
        "/v1/match-runs", params={"cursor": seen_by_both["next_cursor"]}, headers=both
    ).json()
    # One test transaction gives both runs the same created_at: only the paging is certain.
    pages = [r["id"] for r in seen_by_both["items"]] + [r["id"] for r in rest["items"]]
    assert sorted(pages) == sorted([mine["id"], wide["id"]])
    assert rest["next_cursor"] is None


def test_a_background_run_that_fails_says_so_when_polled(
    app: FastAPI,
    client: TestClient,
    db_session: Session,
    make_token: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.state.run_settings = RunSettings(match_run_sync_max_households=0)
    homeless_family(db_session, case_reference="A")
    headers = _desk(make_token)

    def broken_solver(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(runs, "solve", broken_solver)
    response = client.post("/v1/match-runs", json={"municipalities": [AMSTERDAM]}, headers=headers)

    assert response.status_code == 202
    polled = client.get(response.headers["Location"], headers=headers).json()
    assert polled["status"] == "failed"
    assert polled["error"] == "RuntimeError: the run could not be completed."
    assert "exploded" not in str(polled)  # internals stay in the log


def _run_left_behind(
    client: TestClient, db_session: Session, make_token: TokenFactory, *, status: str
) -> tuple[MatchRun, dict[str, str]]:
    homeless_family(db_session, case_reference="A")
    headers = _desk(make_token)
    run = db_session.get(MatchRun, uuid.UUID(str(_preview(client, headers)["id"])))
    assert run is not None
    run.status = status  # as a server that stopped mid-run leaves it
    db_session.flush()
    return run, headers


def test_a_run_whose_worker_is_gone_is_marked_failed_when_read(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    run, headers = _run_left_behind(client, db_session, make_token, status="running")

    read = client.get(f"/v1/match-runs/{run.id}", headers=headers).json()

    assert read["status"] == "failed"
    assert read["error"] == runs.INTERRUPTED
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == str(run.id))
    ).all()
    assert "run.interrupted" in actions


def test_a_run_whose_worker_holds_its_lock_stays_running(
    client: TestClient, db_session: Session, make_token: TokenFactory, engine: Engine
) -> None:
    run, headers = _run_left_behind(client, db_session, make_token, status="running")
    with engine.connect() as worker:
        repository.hold_worker_lock(worker, run.id)
        try:
            read = client.get(f"/v1/match-runs/{run.id}", headers=headers).json()
        finally:
            repository.release_worker_lock(worker, run.id)
            worker.commit()
    assert read["status"] == "running"


def test_a_queued_run_waits_for_its_worker_for_a_grace_period(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    run, headers = _run_left_behind(client, db_session, make_token, status="queued")
    assert client.get(f"/v1/match-runs/{run.id}", headers=headers).json()["status"] == "queued"
    run.created_at = run.created_at - runs.QUEUED_RUN_GRACE - timedelta(seconds=1)
    db_session.flush()
    assert client.get(f"/v1/match-runs/{run.id}", headers=headers).json()["status"] == "failed"


def test_a_preview_retried_with_its_idempotency_key_is_one_run(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    homeless_family(db_session, case_reference="A")
    headers = {**_desk(make_token), "Idempotency-Key": "preview-1"}
    body = {"municipalities": [AMSTERDAM]}
    first = client.post("/v1/match-runs", json=body, headers=headers)
    again = client.post("/v1/match-runs", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert db_session.scalar(select(func.count()).select_from(MatchRun)) == 1
    other = client.post("/v1/match-runs", json={**body, "policy": "school-first"}, headers=headers)
    assert other.status_code == 422


def test_a_policy_cap_per_building_spreads_placements(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    # Both units are at Damrak 1, 1012 AB: one building. The policy allows one placement there;
    # the family comes first (a cap never leaves a family without a place).
    family = homeless_family(db_session, case_reference="A", days_waiting=20)
    single = homeless_family(db_session, case_reference="B", days_waiting=300, children=0)
    unit_at(db_session, reference="U-1")
    unit_at(db_session, reference="U-2")
    post_building_cap(client, policy="spread", max_households=1)
    headers = _desk(make_token)

    run = _preview(client, headers, policy="spread")

    summary = run["summary"]
    assert isinstance(summary, dict)
    assert summary["proposals"] == 1 and summary["unmatched"] == 1
    proposals = client.get(f"/v1/match-runs/{run['id']}/proposals", headers=headers).json()
    assert [p["household_id"] for p in proposals["items"]] == [str(family.id)]
    unmatched = client.get(f"/v1/match-runs/{run['id']}/unmatched", headers=headers).json()
    assert unmatched["items"][0]["household_id"] == str(single.id)
    assert unmatched["items"][0]["reason"] == "cap_reached"
    assert "building 1012 AB 1" in unmatched["items"][0]["explanation"]


def test_a_building_cap_counts_the_households_already_living_there(
    client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    # Damrak 1, 1012 AB may house two households and already houses one, in a unit no run sees
    # (occupied). Two new households fit best in its two free units (V-1 elsewhere has
    # bedrooms to spare), but only one may go there.
    homeless_family(db_session, case_reference="A", days_waiting=300, children=0)
    homeless_family(db_session, case_reference="B", days_waiting=20, children=0)
    make_unit(db_session, reference="LIVED-IN", status="occupied", available_from=date(2025, 1, 1))
    building = {
        str(make_unit(db_session, reference=r, available_from=date(2025, 1, 1)).id)
        for r in ("U-1", "U-2")
    }
    other_building = make_unit(
        db_session, reference="V-1", postcode="1013 CD", bedrooms=4, available_from=date(2025, 1, 1)
    )
    post_building_cap(client, policy="two-per-building", max_households=2)
    headers = _desk(make_token)

    run = _preview(client, headers, policy="two-per-building")

    proposals = client.get(f"/v1/match-runs/{run['id']}/proposals", headers=headers).json()
    placed_units = [p["unit_id"] for p in proposals["items"]]
    assert len(placed_units) == 2
    assert len(building & set(placed_units)) == 1 and str(other_building.id) in placed_units

    # Another corporation's unit in the same building, reserved for a household outside this
    # desk's run: it counts too, and the building is full.
    make_unit(
        db_session,
        corporation="eigen-haard",
        reference="THEIRS",
        status="reserved",
        available_from=date(2025, 1, 1),
    )
    db_session.commit()
    full = _preview(client, headers, policy="two-per-building")
    summary = full["summary"]
    assert isinstance(summary, dict)
    assert summary["proposals"] == 1 and summary["unmatched"] == 1
    proposals = client.get(f"/v1/match-runs/{full['id']}/proposals", headers=headers).json()
    assert [p["unit_id"] for p in proposals["items"]] == [str(other_building.id)]
    unmatched = client.get(f"/v1/match-runs/{full['id']}/unmatched", headers=headers).json()
    assert unmatched["items"][0]["reason"] == "cap_reached"
    assert "building 1012 AB 1 is full" in unmatched["items"][0]["explanation"]


def test_flats_share_a_building_and_postcode_areas_are_neighbourhoods(
    db_session: Session,
) -> None:
    unit = unit_at(db_session, reference="U-1")
    unit.house_number = "12-2"
    assert unit_groups(unit) == {
        "building": "1012 AB 12",
        "neighbourhood": "1012",
        "corporation": "ymere",
    }
