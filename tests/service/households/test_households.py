from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.core.time import today_amsterdam
from service.households.service import DEFAULT_EXPECTED_STAY_DAYS, derived_min_bedrooms
from tests.factories import make_household
from tests.service.households.conftest import days_ago, household_body


def _create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/households", json=household_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _fields(response: Any) -> set[str]:
    assert response.headers["content-type"] == "application/problem+json"
    return {e["field"] for e in response.json()["errors"]}


def test_register_computes_read_only_fields(client: TestClient) -> None:
    household = _create(client)
    assert household["status"] == "at_risk"
    assert household["members"] == 4
    assert household["children_count"] == 2
    assert household["days_in_temporary_housing"] is None
    assert household["homeless_since"] is None
    assert household["expected_stay_days"] == DEFAULT_EXPECTED_STAY_DAYS
    # Two adults share a bedroom, two children share one: derived, not declared.
    assert household["needs"] | {"pets": True} == {
        "min_bedrooms": 2,
        "min_bedrooms_declared": False,
        "wheelchair": False,
        "ground_floor": False,
        "pets": True,
        "medical": False,
    }
    assert [c["school"] for c in household["children"]] == ["00AB02", "00AB01"]
    assert household["safety_exclusions"] == [
        {"location": {"type": "Point", "coordinates": [4.9, 52.37]}, "min_distance_m": 500}
    ]


def test_homeless_since_makes_it_homeless_and_counts_days(client: TestClient) -> None:
    household = _create(client, homeless_since=days_ago(40).isoformat())
    assert household["status"] == "homeless"
    assert household["days_in_temporary_housing"] == 40


def test_declared_bedrooms_win_over_the_derived_rule(client: TestClient) -> None:
    household = _create(client, needs={"min_bedrooms": 4})
    assert household["needs"]["min_bedrooms"] == 4
    assert household["needs"]["min_bedrooms_declared"] is True


@pytest.mark.parametrize(
    ("adults", "children", "bedrooms"),
    [(1, 0, 1), (2, 0, 1), (3, 0, 2), (0, 1, 1), (1, 1, 2), (2, 3, 3), (2, 4, 3), (4, 5, 6)],
)
def test_derived_min_bedrooms(adults: int, children: int, bedrooms: int) -> None:
    assert derived_min_bedrooms(adults=adults, children=children) == bedrooms


def test_status_is_never_an_input(client: TestClient) -> None:
    response = client.post("/v1/households", json=household_body(status="placed"))
    assert response.status_code == 422
    assert _fields(response) == {"body.status"}
    household = _create(client)
    patched = client.patch(f"/v1/households/{household['id']}", json={"status": "closed"})
    assert patched.status_code == 422
    assert _fields(patched) == {"body.status"}
    assert client.get(f"/v1/households/{household['id']}").json()["status"] == "at_risk"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"adults": -1}, "body.adults"),
        ({"children": [{"birth_year": 9999}]}, "body.children.0.birth_year"),
        ({"children": [{"birth_year": 1990}]}, "body.children.0.birth_year"),
        ({"children": [{"birth_year": 2020, "school": "X1"}]}, "body.children.0.school"),
        ({"children": [{"birth_year": 2020, "name": "Anna"}]}, "body.children.0.name"),
        (
            {"children": [{"birth_year": 2020, "school_trip_limit_km": 0}]},
            "body.children.0.school_trip_limit_km",
        ),
        ({"case_reference": "Jan de Vries"}, "body.case_reference"),
        ({"municipality": "Amsterdam"}, "body.municipality"),
        ({"needs": {"min_bedrooms": 0}}, "body.needs.min_bedrooms"),
        ({"homeless_since": "2999-01-01"}, "body.homeless_since"),
        ({"needed_from": "1850-01-01"}, "body.needed_from"),
        ({"expected_stay_days": 0}, "body.expected_stay_days"),
        (
            {
                "safety_exclusions": [
                    {"location": {"rd_x": 155000, "rd_y": 463000}, "min_distance_m": 0}
                ]
            },
            "body.safety_exclusions.0.min_distance_m",
        ),
        (
            {
                "safety_exclusions": [
                    {
                        "location": {"type": "Point", "coordinates": [2.35, 48.85]},
                        "min_distance_m": 100,
                    }
                ]
            },
            "body.safety_exclusions.0.location.geojson",
        ),
        ({"bsn": "123456789"}, "body.bsn"),
    ],
)
def test_invalid_input_names_the_field(
    client: TestClient, overrides: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/households", json=household_body(**overrides))
    assert response.status_code == 422
    assert any(f.startswith(field) for f in _fields(response)), response.json()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"municipality": "GM9999"}, "municipality"),
        ({"children": [{"birth_year": 2020, "school": "99ZZ99"}]}, "children.0.school"),
        ({"adults": 0, "children": []}, "adults"),
    ],
)
def test_domain_rules_name_the_field(
    client: TestClient, overrides: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/households", json=household_body(**overrides))
    assert response.status_code == 422
    assert _fields(response) == {field}
    assert client.get("/v1/households").json()["items"] == []


def test_merged_municipality_resolves(client: TestClient) -> None:
    household = _create(client, municipality="GM0457")
    assert household["municipality"] == "GM0363"
    listed = client.get("/v1/households", params={"municipality": "GM0457"}).json()["items"]
    assert [h["id"] for h in listed] == [household["id"]]


def test_case_reference_is_unique_per_municipality(client: TestClient) -> None:
    _create(client)
    duplicate = client.post("/v1/households", json=household_body())
    assert duplicate.status_code == 409
    assert _fields(duplicate) == {"case_reference"}
    # The same reference in another municipality is another case.
    _create(client, municipality="GM0437")
    other = _create(client, case_reference="2026-0043")
    moved = client.patch(f"/v1/households/{other['id']}", json={"case_reference": "2026-0042"})
    assert moved.status_code == 409


def test_read_patch_with_etag_and_if_match(client: TestClient) -> None:
    created = client.post("/v1/households", json=household_body())
    household = created.json()
    url = f"/v1/households/{household['id']}"
    etag = client.get(url).headers["etag"]
    assert etag == created.headers["etag"]

    # Changing only the children still changes the ETag.
    changed = client.patch(
        url, json={"children": [{"birth_year": 2019}]}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["children_count"] == 1
    assert changed.json()["members"] == 3
    assert changed.headers["etag"] != etag

    stale = client.patch(url, json={"adults": 1}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert client.get(url).json()["adults"] == 2


def test_patch_needs_merges_and_null_bedrooms_goes_back_to_derived(client: TestClient) -> None:
    household = _create(client, needs={"min_bedrooms": 5, "pets": True})
    url = f"/v1/households/{household['id']}"
    patched = client.patch(url, json={"needs": {"wheelchair": True}}).json()
    assert patched["needs"]["min_bedrooms"] == 5
    assert patched["needs"]["pets"] is True
    assert patched["needs"]["wheelchair"] is True
    derived = client.patch(url, json={"needs": {"min_bedrooms": None}}).json()
    assert derived["needs"] == patched["needs"] | {
        "min_bedrooms": 2,
        "min_bedrooms_declared": False,
    }


def test_patch_homeless_since_only_corrects_an_episode(client: TestClient) -> None:
    at_risk = _create(client)
    refused = client.patch(
        f"/v1/households/{at_risk['id']}", json={"homeless_since": days_ago(3).isoformat()}
    )
    assert refused.status_code == 422
    assert _fields(refused) == {"homeless_since"}
    homeless = _create(client, case_reference="B-2", homeless_since=days_ago(3).isoformat())
    corrected = client.patch(
        f"/v1/households/{homeless['id']}", json={"homeless_since": days_ago(10).isoformat()}
    )
    assert corrected.json()["days_in_temporary_housing"] == 10


def test_close_with_reason(client: TestClient) -> None:
    household = _create(client, homeless_since=days_ago(20).isoformat())
    url = f"/v1/households/{household['id']}"
    etag = client.get(url).headers["etag"]
    closed = client.post(
        f"{url}/close", json={"reason": "permanent_home"}, headers={"If-Match": etag}
    )
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["status"] == "closed"
    assert body["closed_reason"] == "permanent_home"
    assert body["closed_on"] == today_amsterdam().isoformat()
    assert body["days_in_temporary_housing"] is None
    # Closed stays closed: no second close, no changes.
    assert client.post(f"{url}/close", json={"reason": "other"}).status_code == 409
    assert client.patch(url, json={"adults": 1}).status_code == 409
    assert client.post(f"{url}/close", json={"reason": "because"}).status_code == 422


def test_close_with_a_stale_etag_is_refused(client: TestClient) -> None:
    household = _create(client)
    url = f"/v1/households/{household['id']}"
    etag = client.get(url).headers["etag"]
    client.patch(url, json={"adults": 1})
    stale = client.post(f"{url}/close", json={"reason": "other"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert client.get(url).json()["status"] == "at_risk"


def test_idempotency_key_creates_once(client: TestClient) -> None:
    headers = {"Idempotency-Key": "desk-17"}
    first = client.post("/v1/households", json=household_body(), headers=headers)
    again = client.post("/v1/households", json=household_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post("/v1/households", json=household_body(adults=1), headers=headers)
    assert other.status_code == 422
    assert len(client.get("/v1/households").json()["items"]) == 1


def test_unknown_household_is_404(client: TestClient) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/v1/households/{missing}").status_code == 404
    assert client.patch(f"/v1/households/{missing}", json={}).status_code == 404
    assert (
        client.post(f"/v1/households/{missing}/close", json={"reason": "other"}).status_code == 404
    )
    assert client.get("/v1/households/not-a-uuid").status_code == 422


def test_list_filters(client: TestClient, db_session: Session) -> None:
    with_children = _create(client, case_reference="A-1", needed_from="2026-03-01")
    without = _create(
        client,
        case_reference="A-2",
        children=[],
        needed_from="2026-05-01",
        homeless_since=days_ago(5).isoformat(),
    )
    elsewhere = _create(
        client, case_reference="A-3", municipality="GM0437", needed_from="2026-01-01"
    )

    def ids(**params: Any) -> set[str]:
        response = client.get("/v1/households", params=params)
        assert response.status_code == 200, response.text
        return {h["id"] for h in response.json()["items"]}

    assert ids(municipality="GM0437") == {elsewhere["id"]}
    assert ids(status="homeless") == {without["id"]}
    assert ids(has_children=False) == {without["id"]}
    assert ids(has_children=True) == {with_children["id"], elsewhere["id"]}
    assert ids(needed_from_min="2026-04-01") == {without["id"]}
    assert ids(needed_from_min="2026-02-01", needed_from_max="2026-03-31") == {with_children["id"]}
    assert client.get("/v1/households", params={"status": "lost"}).status_code == 422
    assert client.get("/v1/households", params={"municipality": "GM9999"}).status_code == 422


def test_updated_since(client: TestClient, db_session: Session) -> None:
    old = _create(client, case_reference="OLD")
    new = _create(client, case_reference="NEW")
    # Within one test every write shares the transaction's now(); age one record by hand.
    db_session.execute(
        text("UPDATE households SET updated_at = now() - interval '1 day' WHERE id = :id"),
        {"id": old["id"]},
    )
    since = client.get(f"/v1/households/{new['id']}").json()["updated_at"]
    recent = client.get("/v1/households", params={"updated_since": since}).json()["items"]
    assert [h["id"] for h in recent] == [new["id"]]


def _all_pages(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(
            "/v1/households",
            params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})},
        )
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return seen


def test_sort_by_days_in_temporary_housing_pages_stably(client: TestClient) -> None:
    waits = [300, None, 12, 300, 45, None, 2]
    for i, days in enumerate(waits):
        _create(
            client,
            case_reference=f"W-{i}",
            homeless_since=days_ago(days).isoformat() if days is not None else None,
        )
    longest_first = _all_pages(client, sort="-days_in_temporary_housing")
    assert len({h["id"] for h in longest_first}) == len(waits)
    days_seen = [h["days_in_temporary_housing"] for h in longest_first]
    assert days_seen == [300, 300, 45, 12, 2, None, None]
    shortest_first = _all_pages(client, sort="days_in_temporary_housing")
    assert [h["id"] for h in shortest_first] == [h["id"] for h in reversed(longest_first)]


def test_cursor_is_stable_while_households_are_added(client: TestClient) -> None:
    for i in range(5):
        _create(client, case_reference=f"N-{i}", needed_from=f"2026-0{i + 1}-15")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"sort": "needed_from", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/households", params=params).json()
        seen += [h["needed_from"] for h in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # A household that sorts before the cursor never shows up or shifts the pages.
        client.post(
            "/v1/households",
            json=household_body(case_reference=f"EARLY-{len(seen)}", needed_from="2025-12-01"),
        )
    assert seen == sorted(seen)
    assert len(seen) == 5
    first = client.get("/v1/households", params={"sort": "needed_from", "limit": 1}).json()
    wrong_sort = client.get(
        "/v1/households", params={"sort": "-created", "cursor": first["next_cursor"]}
    )
    assert wrong_sort.status_code == 422
    assert client.get("/v1/households", params={"cursor": "garbage"}).status_code == 422


def test_factory_builds_through_the_service(db_session: Session, client: TestClient) -> None:
    household = make_household(db_session, case_reference="F-1", homeless_since=days_ago(7))
    db_session.flush()
    read = client.get(f"/v1/households/{household.id}").json()
    assert (read["status"], read["days_in_temporary_housing"]) == ("homeless", 7)
