"""The units pages over the test transaction: a desk's read-only list; a corporation's list,
add, edit (stale edits refused), withdraw and reinstate, and the CSV upload with its report."""

from __future__ import annotations

import re
from typing import cast

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.core.bulk import rows_of_csv
from service.units import service as units
from service.units.models import Unit
from service.units.schemas import UnitUpdate
from tests.factories import AMSTERDAM, make_corporation, make_municipality, make_unit
from tests.service.conftest import TokenFactory
from tests.service.web.conftest import PageClient, PageClientFactory

AMSTELVEEN = "GM0362"
HEADER = (
    "reference,kind,street,house_number,postcode,city,municipality,lon,lat,bedrooms,"
    "max_occupants,wheelchair_accessible,ground_floor,pets_allowed,available_from,"
    "available_until,max_stay_days,rent_cents"
)
GOOD_ROW = (
    "CSV-1,emergency,Damrak,1,1012 AB,Amsterdam,GM0363,4.8952,52.3702,2,4,true,,,2026-01-01,,,65000"
)
BAD_ROW = "CSV-2,castle,Damrak,2,1012,Amsterdam,GM0363,4.8952,52.3702,0,4,,,,2026-01-01,,,65000"

NEW_UNIT = {
    "reference": "WEB-1",
    "kind": "transitional",
    "bedrooms": "3",
    "max_occupants": "5",
    "rent": "712,50",
    "address.street": "Keizersgracht",
    "address.house_number": "12A",
    "address.postcode": "1015 CJ",
    "address.city": "Amsterdam",
    "municipality": AMSTERDAM,
    "latitude": "52.3740",
    "longitude": "4.8896",
    "wheelchair_accessible": "1",
    "available_from": "2026-02-01",
    "available_until": "2026-12-31",
}


def _submit(client: PageClient, path: str, data: dict[str, str]) -> httpx.Response:
    return cast(httpx.Response, client.submit(path, data))


def _corporation(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> PageClient:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    make_corporation(db_session, code="ymere", name="Ymere", municipalities=[AMSTERDAM])
    client = page_client()
    client.sign_in(make_token(Role.CORPORATION, corporation_code="ymere"), language="en")
    return client


def _upload(client: PageClient, csv_text: str, *, partial: bool = False) -> httpx.Response:
    data = {"csrf_token": client.csrf_token or ""}
    if partial:
        data["partial"] = "1"
    return client.post(
        "/app/units/upload",
        data=data,
        files={"file": ("units.csv", csv_text.encode(), "text/csv")},
        follow_redirects=False,
    )


def test_csv_rows_are_read_like_the_api_reads_them() -> None:
    rows = rows_of_csv(("\ufeff" + HEADER + "\n" + GOOD_ROW + "\n").encode())
    assert rows[0]["reference"] == "CSV-1" and rows[0]["ground_floor"] is None


def test_a_desk_sees_the_available_units_of_its_municipalities_read_only(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    make_corporation(db_session, code="ymere", municipalities=[AMSTERDAM, AMSTELVEEN])
    make_unit(db_session, reference="AMS-1", wheelchair_accessible=True, bedrooms=3)
    make_unit(db_session, reference="AMS-GONE", status="withdrawn")
    make_unit(db_session, reference="AVL-1", municipality=AMSTELVEEN)
    client = page_client()
    client.sign_in(make_token(Role.DESK, municipalities=[AMSTERDAM]), language="en")

    page = client.get("/app/units")

    assert page.status_code == 200
    row = re.search(r'<tr data-reference="AMS-1">(.*?)</tr>', page.text, re.S)
    assert row is not None
    assert "<td>Ymere</td>" in row.group(1)
    assert "wheelchair accessible" in row.group(1)
    assert "Emergency shelter" in row.group(1)
    assert "from 01-01-2026" in row.group(1)
    assert "AMS-GONE" not in page.text and "AVL-1" not in page.text
    assert "/withdraw" not in page.text and "Add a unit</a>" not in page.text.split("<main")[1]
    assert client.get("/app/units/new").status_code == 403


def test_a_corporation_adds_a_unit_with_lat_lon_and_euros(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)
    form = client.get("/app/units/new")
    assert '<label for="field-latitude">Latitude' in form.text

    response = _submit(client, "/app/units/new", NEW_UNIT)

    assert response.status_code == 303, response.text
    unit = db_session.scalars(select(Unit).where(Unit.reference == "WEB-1")).one()
    read = units.to_read(unit)
    assert read.location.coordinates == (4.8896, 52.374)
    assert (unit.rent_cents, unit.kind, unit.wheelchair_accessible, unit.pets_allowed) == (
        71250,
        "transitional",
        True,
        False,
    )
    listed = client.get(response.headers["location"])
    assert "The unit was added." in listed.text
    assert '<tr data-reference="WEB-1">' in listed.text


def test_the_apis_validation_errors_stand_next_to_the_fields(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)
    bad = {
        **NEW_UNIT,
        "bedrooms": "0",
        "address.postcode": "12345",
        "latitude": "48.85",  # Paris
        "rent": "a lot",
        "available_until": "2025-01-01",
    }

    response = _submit(client, "/app/units/new", bad)

    assert response.status_code == 422
    for name in ("bedrooms", "address.postcode", "latitude", "rent", "available_until"):
        assert f'data-testid="error-{name}"' in response.text, name
    assert 'id="field-bedrooms" name="bedrooms" type="number" value="0"' in response.text
    assert "outside the Netherlands" in response.text
    assert "Give a Dutch postcode: four digits and two letters, e.g. 1012 AB." in response.text
    assert db_session.scalars(select(Unit)).all() == []


def test_a_reference_used_twice_is_a_conflict_on_the_form(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)
    make_unit(db_session, reference="WEB-1")
    response = _submit(client, "/app/units/new", NEW_UNIT)
    assert response.status_code == 409
    assert 'data-testid="error-summary"' in response.text


def test_an_edit_saves_and_a_stale_edit_is_a_readable_conflict(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)
    unit = make_unit(db_session, reference="ED-1", bedrooms=2, max_stay_days=90)
    form = client.get(f"/app/units/{unit.id}/edit").text
    version = re.search(r'name="version" value="([^"]+)"', form)
    assert version is not None
    assert 'name="rent" type="text" value="650,00"' in form
    fields = dict(
        re.findall(r'<input id="field-[^"]+" name="([^"]+)" type="[^"]+" value="([^"]*)"', form)
    )
    fields["bedrooms"] = "3"
    fields["max_stay_days"] = ""  # cleared: no maximum any more
    fields["version"] = version.group(1).replace("&#34;", '"')

    saved = _submit(client, f"/app/units/{unit.id}/edit", fields)

    assert saved.status_code == 303, saved.text
    db_session.refresh(unit)
    assert (unit.bedrooms, unit.max_stay_days) == (3, None)
    # The same (now stale) form again, after someone else changed the unit.
    units.update_unit(db_session, unit=unit, data=UnitUpdate(bedrooms=4))
    stale = _submit(client, f"/app/units/{unit.id}/edit", {**fields, "bedrooms": "1"})
    assert stale.status_code == 409
    assert "Someone changed this unit after you opened the form" in stale.text
    db_session.refresh(unit)
    assert unit.bedrooms == 4


def test_another_corporations_unit_cannot_be_edited_or_withdrawn(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)
    other = make_unit(db_session, corporation="eigen-haard", reference="EH-1")
    assert client.get(f"/app/units/{other.id}/edit").status_code == 404
    assert _submit(client, f"/app/units/{other.id}/withdraw", {}).status_code == 404
    assert "EH-1" not in client.get("/app/units").text
    db_session.refresh(other)
    assert other.status == "available"


def test_withdraw_and_reinstate(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)
    unit = make_unit(db_session, reference="WD-1")
    page = client.get("/app/units").text
    assert f'action="/app/units/{unit.id}/withdraw" class="inline" data-confirm=' in page
    response = _submit(client, f"/app/units/{unit.id}/withdraw", {})
    assert response.status_code == 303
    db_session.refresh(unit)
    assert unit.status == "withdrawn"
    assert "Withdrawn" in client.get("/app/units?status=withdrawn").text
    assert _submit(client, f"/app/units/{unit.id}/reinstate", {}).status_code == 303
    db_session.refresh(unit)
    assert unit.status == "available"


def test_a_csv_with_a_bad_row_stores_nothing_and_reports_each_error(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)

    response = _upload(client, f"{HEADER}\n{GOOD_ROW}\n{BAD_ROW}\n")

    assert response.status_code == 422
    assert "1 of 2 rows have errors; nothing was stored." in response.text
    report = re.search(r'data-testid="upload-report">(.*?)</table>', response.text, re.S)
    assert report is not None
    rows = re.findall(r'<td class="row">(\d+)</td><td><code>([^<]*)</code></td>', report.group(1))
    assert ("2", "kind") in rows and ("2", "bedrooms") in rows and ("2", "postcode") in rows
    assert "four digits and two letters" in report.group(1)
    assert db_session.scalars(select(Unit)).all() == []


def test_a_csv_with_partial_stores_the_valid_rows_and_a_good_one_all(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)

    partial = _upload(client, f"{HEADER}\n{GOOD_ROW}\n{BAD_ROW}\n", partial=True)

    assert partial.status_code == 200
    assert "Stored: 1 new, 0 changed, 0 unchanged; 1 rows skipped" in partial.text
    assert 'data-testid="upload-report"' in partial.text
    again = _upload(client, f"{HEADER}\n{GOOD_ROW}\n")
    assert "Stored: 0 new, 0 changed, 1 unchanged" in again.text
    assert [u.reference for u in db_session.scalars(select(Unit))] == ["CSV-1"]


def test_an_upload_without_a_file_or_with_a_broken_file_says_so_next_to_the_field(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)
    missing = _submit(client, "/app/units/upload", {})
    assert missing.status_code == 422
    assert 'data-testid="error-file"' in missing.text
    broken = _upload(client, "")
    assert broken.status_code == 422
    assert "no header line" in broken.text


def test_an_occupied_unit_cannot_be_withdrawn_and_the_page_says_why(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)
    unit = make_unit(db_session, reference="OCC-1", status="occupied")
    assert "/withdraw" not in client.get("/app/units").text  # no button for it
    response = _submit(client, f"/app/units/{unit.id}/withdraw", {})
    assert response.status_code == 409
    assert "only an available unit can be withdrawn" in response.text
    db_session.refresh(unit)
    assert unit.status == "occupied"


def test_a_withdraw_without_the_forms_token_is_refused(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _corporation(db_session, make_token, page_client)
    unit = make_unit(db_session, reference="CSRF-1")
    response = client.post(f"/app/units/{unit.id}/withdraw", data={}, follow_redirects=False)
    assert response.status_code == 403
    db_session.refresh(unit)
    assert unit.status == "available"


def test_the_units_pages_speak_dutch_by_default(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    make_corporation(db_session, code="ymere", name="Ymere", municipalities=[AMSTERDAM])
    make_unit(db_session, reference="NL-1", kind="transitional")
    client = page_client()
    client.sign_in(make_token(Role.CORPORATION, corporation_code="ymere"))
    listed = client.get("/app/units").text
    assert "<h1>Uw woningen</h1>" in listed and "Wisselwoning" in listed
    form = client.get("/app/units/new").text
    assert '<label for="field-latitude">Breedtegraad' in form
    assert "Uploaden" in client.get("/app/units/upload").text
