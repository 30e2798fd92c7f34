from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.households.conftest import days_ago, household_body


@pytest.fixture
def household(client: TestClient) -> dict[str, Any]:
    response = client.post(
        "/v1/households", json=household_body(homeless_since=days_ago(60).isoformat())
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def _stay(start: int, end: int | None = None, kind: str = "shelter") -> dict[str, Any]:
    return {
        "start_date": days_ago(start).isoformat(),
        "end_date": days_ago(end).isoformat() if end is not None else None,
        "place_kind": kind,
    }


def test_create_end_and_list_stays(client: TestClient, household: dict[str, Any]) -> None:
    url = f"/v1/households/{household['id']}/stays"
    first = client.post(url, json=_stay(60, 30, "family_or_friends"))
    assert first.status_code == 201, first.text
    assert first.json()["unit_id"] is None
    ongoing = client.post(url, json=_stay(30, kind="hotel"))
    assert ongoing.status_code == 201, ongoing.text
    stay_url = f"{url}/{ongoing.json()['id']}"
    etag = client.get(stay_url).headers["etag"]
    assert etag == ongoing.headers["etag"]

    ended = client.patch(
        stay_url, json={"end_date": days_ago(2).isoformat()}, headers={"If-Match": etag}
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["end_date"] == days_ago(2).isoformat()
    assert (
        client.patch(stay_url, json={"end_date": None}, headers={"If-Match": etag}).status_code
        == 412
    )

    listed = client.get(url).json()["items"]
    assert [s["place_kind"] for s in listed] == ["family_or_friends", "hotel"]
    # The episode runs on, whatever the family found in between.
    assert client.get(f"/v1/households/{household['id']}").json()["days_in_temporary_housing"] == 60


@pytest.mark.parametrize(
    "overlapping",
    [_stay(45, 35), _stay(50), _stay(59, 41), _stay(31, 29)],
)
def test_overlapping_stays_are_a_clean_409(
    client: TestClient, household: dict[str, Any], overlapping: dict[str, Any]
) -> None:
    url = f"/v1/households/{household['id']}/stays"
    assert client.post(url, json=_stay(50, 30)).status_code == 201
    response = client.post(url, json=overlapping)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "overlaps" in response.json()["detail"]
    # Nothing was stored, and the household can still be changed in the next request.
    assert len(client.get(url).json()["items"]) == 1
    assert client.patch(f"/v1/households/{household['id']}", json={"adults": 1}).status_code == 200


def test_end_dates_are_exclusive_so_moving_on_the_same_day_is_fine(
    client: TestClient, household: dict[str, Any]
) -> None:
    url = f"/v1/households/{household['id']}/stays"
    assert client.post(url, json=_stay(50, 30)).status_code == 201
    assert client.post(url, json=_stay(30)).status_code == 201


def test_patching_a_stay_into_an_overlap_is_a_409(
    client: TestClient, household: dict[str, Any]
) -> None:
    url = f"/v1/households/{household['id']}/stays"
    client.post(url, json=_stay(50, 30))
    later = client.post(url, json=_stay(20, 10)).json()
    response = client.patch(f"{url}/{later['id']}", json={"start_date": days_ago(40).isoformat()})
    assert response.status_code == 409
    assert client.get(f"{url}/{later['id']}").json()["start_date"] == days_ago(20).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_stay(10, 20), "end_date"),
        (_stay(90), "start_date"),
    ],
)
def test_stay_dates_are_checked(
    client: TestClient, household: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = client.post(f"/v1/households/{household['id']}/stays", json=body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_stay(10, kind="onderdak_unit"), "body.place_kind"),
        (_stay(10, kind="tent"), "body.place_kind"),
        (_stay(-5), "body.start_date"),
        (_stay(10) | {"unit_id": "00000000-0000-0000-0000-000000000000"}, "body.unit_id"),
    ],
)
def test_invalid_stays_name_the_field(
    client: TestClient, household: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = client.post(f"/v1/households/{household['id']}/stays", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_own_units_are_refused_by_hand_with_a_reason(
    client: TestClient, household: dict[str, Any]
) -> None:
    response = client.post(
        f"/v1/households/{household['id']}/stays", json=_stay(10, kind="onderdak_unit")
    )
    assert "accepted offers" in response.json()["errors"][0]["message"]


def test_a_stay_starts_the_episode_of_an_at_risk_household(client: TestClient) -> None:
    household = client.post("/v1/households", json=household_body(case_reference="R-1")).json()
    assert household["status"] == "at_risk"
    url = f"/v1/households/{household['id']}"
    assert client.post(f"{url}/stays", json=_stay(4, kind="family_or_friends")).status_code == 201
    now = client.get(url).json()
    assert (now["status"], now["days_in_temporary_housing"]) == ("homeless", 4)


def test_idempotency_and_404s(client: TestClient, household: dict[str, Any]) -> None:
    url = f"/v1/households/{household['id']}/stays"
    headers = {"Idempotency-Key": "stay-1"}
    first = client.post(url, json=_stay(10), headers=headers)
    again = client.post(url, json=_stay(10), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"{url}/{missing}").status_code == 404
    assert client.patch(f"{url}/{missing}", json={}).status_code == 404
    assert client.get(f"/v1/households/{missing}/stays").status_code == 404


def test_closing_ends_the_ongoing_stay(client: TestClient, household: dict[str, Any]) -> None:
    url = f"/v1/households/{household['id']}"
    stay = client.post(f"{url}/stays", json=_stay(10)).json()
    client.post(
        f"{url}/close", json={"reason": "permanent_home", "closed_on": days_ago(1).isoformat()}
    )
    assert client.get(f"{url}/stays/{stay['id']}").json()["end_date"] == days_ago(1).isoformat()
    assert client.post(f"{url}/stays", json=_stay(0)).status_code == 409
