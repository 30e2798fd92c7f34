from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.households.conftest import days_ago, household_body


@pytest.fixture
def household(client: TestClient) -> dict[str, Any]:
    response = client.post("/v1/households", json=household_body())
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def _eviction(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "eviction_date": days_ago(-14).isoformat(),
        "state": "planned",
        "reason": "rent_arrears",
        "landlord_type": "social",
    }
    return body | overrides


def test_planned_eviction_keeps_the_household_at_risk(
    client: TestClient, household: dict[str, Any]
) -> None:
    url = f"/v1/households/{household['id']}"
    created = client.post(f"{url}/evictions", json=_eviction())
    assert created.status_code == 201, created.text
    eviction = created.json()
    # Children involved defaults to the household's children.
    assert eviction["children_involved"] == 2
    assert client.get(url).json()["status"] == "at_risk"
    read = client.get(f"{url}/evictions/{eviction['id']}")
    assert read.json() == eviction
    assert read.headers["etag"] == created.headers["etag"]


def test_executed_eviction_makes_it_homeless_from_that_day(
    client: TestClient, household: dict[str, Any]
) -> None:
    url = f"/v1/households/{household['id']}"
    executed = client.post(
        f"{url}/evictions",
        json=_eviction(
            state="executed", eviction_date=days_ago(9).isoformat(), children_involved=1
        ),
    )
    assert executed.status_code == 201, executed.text
    assert executed.json()["children_involved"] == 1
    read = client.get(url).json()
    assert (read["status"], read["homeless_since"]) == ("homeless", days_ago(9).isoformat())
    assert read["days_in_temporary_housing"] == 9


def test_planned_then_executed_by_patch_with_if_match(
    client: TestClient, household: dict[str, Any]
) -> None:
    url = f"/v1/households/{household['id']}"
    eviction = client.post(f"{url}/evictions", json=_eviction())
    eviction_url = f"{url}/evictions/{eviction.json()['id']}"
    etag = eviction.headers["etag"]

    executed = client.patch(
        eviction_url,
        json={"state": "executed", "eviction_date": days_ago(1).isoformat()},
        headers={"If-Match": etag},
    )
    assert executed.status_code == 200, executed.text
    assert executed.headers["etag"] != etag
    household_now = client.get(url).json()
    assert household_now["status"] == "homeless"
    assert household_now["homeless_since"] == days_ago(1).isoformat()

    stale = client.patch(eviction_url, json={"reason": "nuisance"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    back = client.patch(eviction_url, json={"state": "planned"})
    assert back.status_code == 409
    assert client.get(eviction_url).json()["state"] == "executed"


def test_an_executed_eviction_cannot_lie_in_the_future(
    client: TestClient, household: dict[str, Any]
) -> None:
    url = f"/v1/households/{household['id']}"
    response = client.post(f"{url}/evictions", json=_eviction(state="executed"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["eviction_date"]
    planned = client.post(f"{url}/evictions", json=_eviction()).json()
    patched = client.patch(f"{url}/evictions/{planned['id']}", json={"state": "executed"})
    assert patched.status_code == 422
    assert client.get(url).json()["status"] == "at_risk"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "unknown"}, "body.reason"),
        ({"landlord_type": "council"}, "body.landlord_type"),
        ({"state": "maybe"}, "body.state"),
        ({"children_involved": -1}, "body.children_involved"),
        ({"eviction_date": "1900-01-01"}, "body.eviction_date"),
        ({"note": "free text"}, "body.note"),
    ],
)
def test_invalid_eviction_names_the_field(
    client: TestClient, household: dict[str, Any], overrides: dict[str, Any], field: str
) -> None:
    response = client.post(
        f"/v1/households/{household['id']}/evictions", json=_eviction(**overrides)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_idempotency_key_records_an_eviction_once(
    client: TestClient, household: dict[str, Any]
) -> None:
    url = f"/v1/households/{household['id']}/evictions"
    headers = {"Idempotency-Key": "bailiff-2026-11"}
    first = client.post(url, json=_eviction(), headers=headers)
    again = client.post(url, json=_eviction(), headers=headers)
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert client.post(url, json=_eviction(reason="other"), headers=headers).status_code == 422
    assert len(client.get(url).json()["items"]) == 1


def test_list_pages_by_date_and_404s(client: TestClient, household: dict[str, Any]) -> None:
    url = f"/v1/households/{household['id']}/evictions"
    for days in (300, 100, 200):
        client.post(url, json=_eviction(eviction_date=days_ago(days).isoformat()))
    first = client.get(url, params={"limit": 2}).json()
    second = client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    dates = [e["eviction_date"] for e in first["items"] + second["items"]]
    assert dates == [days_ago(d).isoformat() for d in (300, 200, 100)]
    assert second["next_cursor"] is None

    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/v1/households/{missing}/evictions").status_code == 404
    assert client.post(f"/v1/households/{missing}/evictions", json=_eviction()).status_code == 404
    assert client.get(f"{url}/{missing}").status_code == 404
    other = client.post("/v1/households", json=household_body(case_reference="OTHER")).json()
    eviction_id = first["items"][0]["id"]
    # An eviction is only found under its own household.
    assert client.get(f"/v1/households/{other['id']}/evictions/{eviction_id}").status_code == 404


def test_closed_household_takes_no_new_evictions(
    client: TestClient, household: dict[str, Any]
) -> None:
    url = f"/v1/households/{household['id']}"
    client.post(f"{url}/close", json={"reason": "moved_away"})
    assert client.post(f"{url}/evictions", json=_eviction()).status_code == 409
