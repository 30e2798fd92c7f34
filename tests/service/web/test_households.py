"""The desk's households pages: the list with its filters and order, the detail page, and the
forms to register a household, an eviction and a stay, with the API's errors next to the fields."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.core.time import today_amsterdam
from service.households.models import Household
from tests.factories import (
    make_corporation,
    make_eviction,
    make_household,
    make_municipality,
    make_school,
)
from tests.service.conftest import TokenFactory
from tests.service.web.conftest import PageClient, PageClientFactory

AMSTERDAM, AMSTELVEEN, UTRECHT = "GM0363", "GM0362", "GM0344"


def _desk(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> PageClient:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    make_municipality(db_session, code=AMSTELVEEN, name="Amstelveen")
    make_municipality(db_session, code=UTRECHT, name="Utrecht")
    make_school(db_session, brin_code="00AB01", name="De Regenboog")
    make_school(
        db_session, brin_code="00AC01", name="Het Baken", level="secondary", municipality=AMSTELVEEN
    )
    client = page_client()
    client.sign_in(
        make_token(Role.DESK, municipalities=[AMSTERDAM, AMSTELVEEN], person="Sanne"),
        language="en",
    )
    return client


def _rows(html: str) -> list[str]:
    """The case references in the list, in order."""
    return re.findall(r'<a href="/app/households/[0-9a-f-]{36}">([^<]+)</a>', html)


def test_the_list_shows_the_desks_own_households_filtered_and_sorted(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    today = today_amsterdam()
    make_household(
        db_session,
        case_reference="LONG",
        homeless_since=today - timedelta(days=300),
        children=[{"birth_year": 2016}],
        needed_from=date(2026, 3, 1),
    )
    make_household(
        db_session,
        case_reference="SHORT",
        homeless_since=today - timedelta(days=3),
        municipality=AMSTELVEEN,
        needed_from=date(2026, 1, 1),
    )
    make_household(db_session, case_reference="RISK", needed_from=date(2026, 2, 1))
    make_household(
        db_session,
        case_reference="UTRECHT-1",
        municipality=UTRECHT,
        homeless_since=today - timedelta(days=900),
    )

    page = client.get("/app/households")
    assert page.status_code == 200
    # Longest in temporary housing first; another municipality's household is never listed.
    assert _rows(page.text) == ["LONG", "SHORT", "RISK"]
    assert "UTRECHT-1" not in page.text
    assert "300" in page.text and "Amstelveen" in page.text
    assert 'aria-sort="descending"' in page.text

    by_date = client.get("/app/households?sort=needed_from")
    assert _rows(by_date.text) == ["SHORT", "RISK", "LONG"]
    reversed_link = re.search(r'href="([^"]+)" data-testid="sort-needed_from"', by_date.text)
    assert reversed_link and "sort=-needed_from" in reversed_link.group(1)

    by_children = client.get("/app/households?sort=-children")
    assert _rows(by_children.text)[0] == "LONG"
    by_status = client.get("/app/households?sort=status")
    # At risk before homeless, in the workflow's order.
    assert _rows(by_status.text)[0] == "RISK"
    assert sorted(_rows(by_status.text)[1:]) == ["LONG", "SHORT"]
    assert 'aria-sort="ascending"' in by_status.text

    homeless = client.get("/app/households?status=homeless&children=&municipality=")
    assert _rows(homeless.text) == ["LONG", "SHORT"]
    with_children = client.get("/app/households?children=yes")
    assert _rows(with_children.text) == ["LONG"]
    without = client.get("/app/households?children=no&municipality=GM0362")
    assert _rows(without.text) == ["SHORT"]
    # A municipality the desk does not work for is ignored, not shown.
    assert "UTRECHT-1" not in client.get("/app/households?municipality=GM0344").text
    # Nonsense in the address is ignored, not an error.
    assert client.get("/app/households?status=nonsense&sort=x&children=maybe").status_code == 200

    # Days in temporary housing: at risk households have none, so they never pass this filter.
    at_least_100 = client.get("/app/households?min_days=100")
    assert _rows(at_least_100.text) == ["LONG"]
    assert _rows(client.get("/app/households?min_days=3").text) == ["LONG", "SHORT"]
    assert 'name="min_days" type="number" min="0" inputmode="numeric" value="100"' in (
        at_least_100.text
    )
    needed_early = client.get("/app/households?needed_from_max=2026-02-01&sort=needed_from")
    assert _rows(needed_early.text) == ["SHORT", "RISK"]
    needed_late = client.get("/app/households?needed_from_min=2026-02-01&min_days=")
    assert _rows(needed_late.text) == ["LONG", "RISK"]
    assert client.get("/app/households?needed_from_min=31-12-2026&min_days=-4").status_code == 200


def test_the_list_pages_with_the_apis_cursor(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    for number in range(52):
        make_household(
            db_session,
            case_reference=f"P-{number:02d}",
            needed_from=date(2026, 1, 1) + timedelta(days=number),
        )
    first = client.get("/app/households?sort=needed_from")
    assert len(_rows(first.text)) == 50
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert next_link
    second = client.get(next_link.group(1).replace("&amp;", "&"))
    assert _rows(second.text) == ["P-50", "P-51"]
    assert 'rel="next"' not in second.text


def test_a_household_with_a_future_birth_year_and_an_unknown_school_shows_both_errors(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    form = client.get("/app/households/new")
    assert form.status_code == 200
    assert '<label for="field-children-0-birth_year">Birth year' in form.text
    assert "De Regenboog" in form.text and "Het Baken" in form.text
    assert '<option value="GM0344"' not in form.text  # only the desk's municipalities

    future = str(today_amsterdam().year + 1)
    fields = {
        "case_reference": "2026-0042",
        "municipality": AMSTERDAM,
        "adults": "2",
        "needed_from": "2026-12-01",
        "children.0.birth_year": future,
        "children.0.school": "00AB01",
    }
    wrong_year = client.submit("/app/households/new", fields)
    assert wrong_year.status_code == 422
    error = re.search(r'data-testid="error-children.0.birth_year">(.*?)</p>', wrong_year.text, re.S)
    assert error and f"birth year {future} lies in the future" in error.group(1)
    assert (
        'id="field-children-0-birth_year" name="children.0.birth_year" type="number" '
        f'value="{future}"' in wrong_year.text
    )
    assert 'aria-invalid="true"' in wrong_year.text

    # The second row filled, the first left empty: the error lands on the row the person used.
    unknown_school = client.submit(
        "/app/households/new",
        {
            **{k: v for k, v in fields.items() if not k.startswith("children.")},
            "children.1.birth_year": "2015",
            "children.1.school": "99ZZ99",
        },
    )
    assert unknown_school.status_code == 422
    assert "unknown school &#39;99ZZ99&#39;" in unknown_school.text
    assert 'data-testid="error-children.1.school"' in unknown_school.text
    assert db_session.scalar(select(func.count()).select_from(Household)) == 0


def test_a_desk_registers_a_household_and_sees_its_detail_page(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    done = client.submit(
        "/app/households/new",
        {
            "case_reference": "2026-0043",
            "municipality": AMSTELVEEN,
            "adults": "1",
            "needed_from": "2026-12-01",
            "homeless_since": "2026-11-01",
            "needs.min_bedrooms": "3",
            "needs.pets": "true",
            "children.0.birth_year": "2016",
            "children.0.school": "00AC01",
            "children.0.school_trip_limit_km": "12.5",
            "children.2.birth_year": "2019",
        },
    )
    assert done.status_code == 303, done.text
    detail = client.get(done.headers["location"])
    assert detail.status_code == 200
    assert "The household has been registered." in detail.text
    assert "2026-0043" in detail.text
    children = re.search(r'<table data-testid="children">(.*?)</table>', detail.text, re.S)
    assert children
    assert "2016" in children.group(1) and "2019" in children.group(1)
    assert "Het Baken (00AC01)" in children.group(1) and "Secondary school" in children.group(1)
    assert "12,5" in children.group(1)
    assert "Without a home" in detail.text  # status
    assert "Minimum bedrooms: 3" in detail.text and "Pets: Yes" in detail.text
    days = re.search(r'data-testid="days">(.*?)</dd>', detail.text, re.S)
    waited = (today_amsterdam() - date(2026, 11, 1)).days
    assert days and days.group(1).startswith(f"{waited} (since 01-11-2026)")
    household = db_session.scalars(select(Household)).one()
    assert household.municipality_code == AMSTELVEEN and len(household.children) == 2

    again = client.submit(
        "/app/households/new",
        {
            "case_reference": "2026-0043",
            "municipality": AMSTELVEEN,
            "adults": "1",
            "needed_from": "2026-12-01",
        },
    )
    assert again.status_code == 409
    assert 'data-testid="error-case_reference"' in again.text and "already used" in again.text


def test_a_desk_records_an_eviction_and_a_stay_with_errors_next_to_the_fields(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    household = make_household(
        db_session, case_reference="EV-1", children=[{"birth_year": 2017, "school": "00AB01"}]
    )
    path = f"/app/households/{household.id}"
    tomorrow = (today_amsterdam() + timedelta(days=1)).isoformat()

    future = client.submit(
        f"{path}/evictions",
        {
            "eviction_date": tomorrow,
            "state": "executed",
            "reason": "rent_arrears",
            "landlord_type": "social",
        },
    )
    assert future.status_code == 422
    assert 'data-testid="error-eviction_date"' in future.text
    assert "in the future for an executed eviction" in future.text
    missing = client.submit(f"{path}/evictions", {"eviction_date": "2026-10-01"})
    assert missing.status_code == 422
    assert 'data-testid="error-reason"' in missing.text
    assert 'data-testid="error-landlord_type"' in missing.text

    recorded = client.submit(
        f"{path}/evictions",
        {
            "eviction_date": "2026-10-01",
            "state": "executed",
            "reason": "nuisance",
            "landlord_type": "private",
        },
    )
    assert recorded.status_code == 303
    detail = client.get(recorded.headers["location"])
    evictions = re.search(r'<table data-testid="evictions">(.*?)</table>', detail.text, re.S)
    assert evictions and "01-10-2026" in evictions.group(1) and "Nuisance" in evictions.group(1)
    assert "Without a home" in detail.text

    before = client.submit(f"{path}/stays", {"start_date": "2026-09-01", "place_kind": "hotel"})
    assert before.status_code == 422
    assert 'data-testid="error-start_date"' in before.text and "before the episode" in before.text
    stay = client.submit(
        f"{path}/stays", {"start_date": "2026-10-02", "place_kind": "family_or_friends"}
    )
    assert stay.status_code == 303
    overlap = client.submit(f"{path}/stays", {"start_date": "2026-10-05", "place_kind": "shelter"})
    assert overlap.status_code == 409
    assert "overlaps another stay" in overlap.text
    stays = re.search(r'<table data-testid="stays">(.*?)</table>', client.get(path).text, re.S)
    assert stays and "Family or friends" in stays.group(1) and "ongoing" in stays.group(1)
    assert "Shelter" not in stays.group(1)


def test_another_municipalitys_household_is_not_found_and_other_roles_are_refused(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    other = make_household(db_session, case_reference="UT-9", municipality=UTRECHT)
    page = client.get(f"/app/households/{other.id}")
    assert page.status_code == 404
    assert "UT-9" not in page.text
    posted = client.submit(
        f"/app/households/{other.id}/stays", {"start_date": "2026-10-02", "place_kind": "hotel"}
    )
    assert posted.status_code == 404
    assert client.get("/app/households/not-a-uuid").status_code == 404
    # A form without this session's token is refused and changes nothing.
    own = make_household(db_session, case_reference="OWN-1")
    forged = client.post(
        f"/app/households/{own.id}/stays", data={"start_date": "2026-10-02", "place_kind": "hotel"}
    )
    assert forged.status_code == 403
    assert own.status == "at_risk"

    make_corporation(db_session, code="ymere", municipalities=[AMSTERDAM])
    corporation = page_client()
    corporation.sign_in(make_token(Role.CORPORATION, corporation_code="ymere"), language="en")
    assert corporation.get("/app/households").status_code == 403
    assert corporation.get(f"/app/households/{own.id}").status_code == 403


def test_an_eviction_form_for_a_household_shows_the_reason_codes_in_dutch(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    household = make_household(db_session, case_reference="NL-1")
    make_eviction(db_session, household=household, eviction_date=date(2026, 9, 1))
    client = page_client()
    client.sign_in(make_token(Role.DESK, municipalities=[AMSTERDAM]))
    page = client.get(f"/app/households/{household.id}")
    assert "Huurachterstand" in page.text
    assert "Ontruiming vastleggen" in page.text
    assert "01-09-2026" in page.text


def test_an_admin_registers_in_any_municipality(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    _desk(db_session, make_token, page_client)
    admin = page_client()
    admin.sign_in(make_token(Role.ADMIN), language="en")
    form = admin.get("/app/households/new")
    assert '<option value="GM0344"' in form.text
    assert "De Regenboog (00AB01, Amsterdam)" in form.text
    done = admin.submit(
        "/app/households/new",
        {
            "case_reference": "ADM-1",
            "municipality": UTRECHT,
            "adults": "1",
            "needed_from": "2026-12-01",
        },
    )
    assert done.status_code == 303
    assert "ADM-1" in admin.get("/app/households").text


def test_a_safety_exclusion_is_registered_and_its_errors_land_on_its_fields(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    client = _desk(db_session, make_token, page_client)
    fields = {
        "case_reference": "SAFE-1",
        "municipality": AMSTERDAM,
        "adults": "1",
        "needed_from": "2026-12-01",
        "safety.lat": "152.37",
        "safety.lon": "4.89",
    }
    wrong = client.submit("/app/households/new", fields)
    assert wrong.status_code == 422
    assert 'data-testid="error-safety.lat"' in wrong.text
    assert 'data-testid="error-safety.min_distance_m"' in wrong.text
    assert 'data-testid="error-safety.lon"' not in wrong.text
    done = client.submit(
        "/app/households/new", {**fields, "safety.lat": "52.37", "safety.min_distance_m": "500"}
    )
    assert done.status_code == 303, done.text
    household = db_session.scalars(select(Household)).one()
    assert len(household.safety_exclusions) == 1
    assert household.safety_exclusions[0].min_distance_m == 500
    assert "Safety exclusions: 1" in client.get(done.headers["location"]).text
