"""The match pages over the test transaction: preview, result with map and rights check, commit."""

from __future__ import annotations

import re
from typing import cast

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.households.models import Household
from service.offers.models import Offer
from service.runs.models import MatchRun
from service.runs.settings import RunSettings
from service.units import service as units
from service.units.schemas import UnitUpdate
from tests.factories import AMSTERDAM, make_municipality
from tests.service.conftest import TokenFactory
from tests.service.runs.scenario import homeless_family, unit_at
from tests.service.web.conftest import PageClient, PageClientFactory

AMSTELVEEN = "GM0362"


def _desk(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> PageClient:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    client = page_client()
    client.sign_in(make_token(Role.DESK, municipalities=[AMSTERDAM]), language="en")
    return client


def _submit(client: PageClient, path: str, data: dict[str, str]) -> httpx.Response:
    return cast(httpx.Response, client.submit(path, data))


def _preview(client: PageClient, **data: str) -> str:
    response = _submit(
        client, "/app/match", {"municipalities": AMSTERDAM, "policy": "default", **data}
    )
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert re.fullmatch(r"/app/match/[0-9a-f-]{36}", location)
    return location


def test_the_form_offers_the_desks_municipalities_and_the_stored_policies(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    page = client.get("/app/match")
    assert page.status_code == 200
    assert 'name="municipalities" value="GM0363" checked' in page.text
    assert '<label for="scope-GM0363">Amsterdam (GM0363)</label>' in page.text
    for policy in ("default@1", "school-first@1", "waiting-first@1"):
        assert f'value="{policy}"' in page.text
    assert '<option value="default@1" selected>' in page.text


def test_a_preview_without_municipalities_shows_the_error_next_to_the_scope(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    response = _submit(client, "/app/match", {"policy": "default"})
    assert response.status_code == 422
    assert 'data-testid="error-municipalities"' in response.text
    assert db_session.scalar(select(func.count()).select_from(MatchRun)) == 0


def test_a_preview_outside_the_desks_municipalities_is_refused_on_the_form(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    make_municipality(db_session, code=AMSTELVEEN, name="Amstelveen")
    response = _submit(client, "/app/match", {"municipalities": AMSTELVEEN})
    assert response.status_code == 403
    assert "only match within your own municipalities" in response.text
    assert db_session.scalar(select(func.count()).select_from(MatchRun)) == 0


def test_the_result_shows_rights_check_proposals_map_and_unmatched(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    long_wait = homeless_family(db_session, case_reference="W-600", days_waiting=600)
    short_wait = homeless_family(db_session, case_reference="W-10", days_waiting=10)
    unit = unit_at(db_session, reference="U-MAP")

    page = client.get(_preview(client))

    assert page.status_code == 200
    text = page.text
    assert 'data-testid="children-placed">2<' in text
    assert "Families with children left without an offer" in text
    # The proposal, its children's trips and its explanation one click away.
    row = re.search(rf'<tr data-household="{long_wait.id}">(.*?)</tr>', text, re.S)
    assert row is not None
    assert "W-600" in row.group(1) and "U-MAP" in row.group(1)
    assert row.group(1).count("De Regenboog (00AB01), 1,0 km (limit 15 km)") == 2
    assert "<details><summary>Explanation</summary>" in row.group(1)
    # The map: the unit, the school and a line per child from the unit to the school.
    assert 'data-testid="match-map"' in text
    lines = re.findall(rf'<line class="trip" [^>]*data-household="{long_wait.id}"', text)
    assert len(lines) == 2
    assert f'data-unit="{unit.id}"' in text
    assert "<title>W-600 → De Regenboog: 1,0 km</title>" in text
    # The household left out, with its reason.
    unmatched = re.search(rf'<tr data-household="{short_wait.id}">(.*?)</tr>', text, re.S)
    assert unmatched is not None and "Outranked by other households" in unmatched.group(1)
    # Explanations name households by case reference and units by reference, not by id.
    assert "W-600" in unmatched.group(1) and str(long_wait.id) not in unmatched.group(1)


def test_the_result_page_is_dutch_by_default(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    client = page_client()
    client.sign_in(make_token(Role.DESK, municipalities=[AMSTERDAM]))
    homeless_family(db_session, case_reference="NL-1", days_waiting=300)
    homeless_family(db_session, case_reference="NL-2", days_waiting=20)
    unit_at(db_session, reference="U-NL")
    unit_at(db_session, reference="U-NL-FAR", lon_lat=(4.95, 52.40))
    page = client.get(_preview(client))
    assert "Kinderrechtentoets" in page.text
    assert "Voorstellen" in page.text
    # The explanation in Dutch, from the engine's figures; the engine's English text beside it.
    dutch = re.findall(r'<p data-testid="explanation-nl">(.*?)</p>', page.text, re.S)
    assert dutch and all("kind(eren) houden hun school" in text for text in dutch)
    assert any("Beste alternatief: ymere U-NL" in " ".join(t.split()) for t in dutch), dutch
    assert 'lang="en" data-testid="explanation"' in page.text


def test_another_desks_run_is_not_found(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    homeless_family(db_session, case_reference="OWN-1")
    unit_at(db_session, reference="U-OWN")
    location = _preview(client)
    make_municipality(db_session, code=AMSTELVEEN, name="Amstelveen")
    other = page_client()
    other.sign_in(make_token(Role.DESK, municipalities=[AMSTELVEEN]), language="en")
    assert other.get(location).status_code == 404
    corporation = page_client()
    corporation.sign_in(make_token(Role.CORPORATION, corporation_code="ymere"), language="en")
    assert corporation.get(location).status_code == 403


def test_commit_makes_offers_except_those_left_out_with_a_reason(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    first = homeless_family(db_session, case_reference="C-1", days_waiting=300)
    second = homeless_family(db_session, case_reference="C-2", days_waiting=200)
    unit_at(db_session, reference="U-C1")
    unit_at(db_session, reference="U-C2")
    location = _preview(client)
    page = client.get(location).text
    rows = dict(re.findall(r'name="proposal\.(\d+)\.household_id" value="([^"]+)"', page))
    index_of = {household: index for index, household in rows.items()}
    left_out = index_of[str(second.id)]

    # Ticked without a reason: the reason field says so, nothing is made.
    response = _submit(
        client,
        f"{location}/commit",
        {
            **{f"proposal.{i}.household_id": h for i, h in rows.items()},
            f"proposal.{left_out}.leave_out": "1",
        },
    )
    assert response.status_code == 422
    assert f'data-testid="error-proposal.{left_out}.reason"' in response.text
    ticked = f'name="proposal.{left_out}.leave_out" value="1" checked'
    assert ticked in response.text
    assert db_session.scalar(select(func.count()).select_from(Offer)) == 0

    response = _submit(
        client,
        f"{location}/commit",
        {
            **{f"proposal.{i}.household_id": h for i, h in rows.items()},
            f"proposal.{left_out}.leave_out": "1",
            f"proposal.{left_out}.reason": "Family asked to wait for a school place",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app/offers"
    offers = db_session.scalars(select(Offer)).all()
    assert [o.household_id for o in offers] == [first.id]
    db_session.expire_all()
    assert db_session.get(Household, second.id).status == "homeless"  # type: ignore[union-attr]
    run = db_session.scalars(select(MatchRun)).one()
    assert run.commit_exclusions == [
        {"household_id": str(second.id), "reason": "Family asked to wait for a school place"}
    ]
    committed = client.get(location).text
    assert 'data-testid="committed"' in committed
    assert "<td>C-2</td><td>Family asked to wait for a school place</td>" in committed
    assert "Commit: make the offers" not in committed


def test_commit_after_the_units_changed_is_a_readable_conflict(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    household = homeless_family(db_session, case_reference="X-1")
    unit = unit_at(db_session, reference="U-X1")
    location = _preview(client)
    units.update_unit(db_session, unit=unit, data=UnitUpdate(bedrooms=3))
    response = _submit(client, f"{location}/commit", {"proposal.0.household_id": str(household.id)})
    assert response.status_code == 409
    assert "changed since the preview; run a new preview" in response.text
    assert db_session.scalar(select(func.count()).select_from(Offer)) == 0


def test_a_big_preview_solves_in_the_background_and_its_page_reloads_until_done(
    app: FastAPI, db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    app.state.run_settings = RunSettings(match_run_sync_max_households=0)
    client = _desk(db_session, make_token, page_client)
    homeless_family(db_session, case_reference="BG-1")
    unit_at(db_session, reference="U-BG")
    location = _preview(client)
    run = db_session.scalars(select(MatchRun)).one()
    db_session.refresh(run)
    assert run.status == "completed"  # the background task ran after the response
    # As a fresh run still waiting for its worker looks (a running one holds the worker's lock).
    run.status, run.progress_percent, run.progress_stage = "queued", 0, "queued"
    db_session.flush()

    page = client.get(location)

    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "The preview is still running: 0% (queued)" in page.text
    assert "<script>" not in page.text
