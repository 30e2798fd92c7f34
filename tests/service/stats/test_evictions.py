"""Eviction counts, exact for a desk and published for an auditor, against hand-made data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.stats.conftest import AMSTERDAM, OUDER_AMSTEL, EvictionMaker, Headers


@pytest.fixture(autouse=True)
def _data(evictions: EvictionMaker) -> None:
    """2025, executed: Amsterdam 8 + 6 + 3, Ouder-Amstel 7 (24 in all, 11 with children, 19
    children); outside: 2 on 2024-12-31 and 1 planned eviction."""
    evictions(8, on=date(2025, 1, 15), children_involved=2)
    evictions(6, on=date(2025, 2, 10), reason="nuisance", landlord_type="private")
    evictions(3, on=date(2025, 4, 5), landlord_type="private", children_involved=1)
    evictions(7, on=date(2025, 3, 20), municipality=OUDER_AMSTEL)
    evictions(2, on=date(2024, 12, 31))
    evictions(1, on=date(2025, 6, 1), state="planned", children_involved=3)


def _cells(body: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {tuple(row["group"].values()): row for row in body["rows"]}


def test_desk_sees_exact_counts_of_its_own_municipality(client: TestClient, desk: Headers) -> None:
    response = client.get(
        "/v1/stats/evictions", params={"period": "2025", "group_by": "reason"}, headers=desk
    )
    assert response.status_code == 200
    body = response.json()
    assert body["published"] is False
    assert body["municipalities"] == [AMSTERDAM]
    assert (body["date_from"], body["date_to"]) == ("2025-01-01", "2025-12-31")
    cells = _cells(body)
    assert cells[("nuisance",)]["evictions"] == 6
    assert cells[("nuisance",)]["evictions_with_children"] == 0
    assert cells[("rent_arrears",)]["evictions"] == 11
    assert cells[("rent_arrears",)]["evictions_with_children"] == 11
    assert cells[("rent_arrears",)]["children_involved"] == 19
    total = body["total"]
    assert (total["evictions"], total["evictions_with_children"], total["children_involved"]) == (
        17,
        11,
        19,
    )
    assert total["withheld"] == []


def test_desk_groups_by_month_and_landlord(client: TestClient, desk: Headers) -> None:
    response = client.get(
        "/v1/stats/evictions",
        params=[("period", "2025"), ("group_by", "month"), ("group_by", "landlord_type")],
        headers=desk,
    )
    cells = _cells(response.json())
    assert {key: row["evictions"] for key, row in cells.items()} == {
        ("2025-01", "social"): 8,
        ("2025-02", "private"): 6,
        ("2025-04", "private"): 3,
    }
    assert list(cells) == sorted(cells)


def test_desk_free_date_range_and_states(client: TestClient, desk: Headers) -> None:
    response = client.get(
        "/v1/stats/evictions", params={"from": "2024-12-31", "to": "2025-01-31"}, headers=desk
    )
    body = response.json()
    assert body["period"] is None
    assert body["total"]["evictions"] == 10
    planned = client.get(
        "/v1/stats/evictions", params={"period": "2025", "state": "planned"}, headers=desk
    ).json()
    assert planned["total"]["evictions"] == 1
    assert planned["total"]["children_involved"] == 3
    every = client.get(
        "/v1/stats/evictions", params={"period": "2025", "state": "all"}, headers=desk
    ).json()
    assert every["total"]["evictions"] == 18


def test_published_by_reason_rounds_and_suppresses_the_complementary_cell(
    client: TestClient, auditor: Headers
) -> None:
    response = client.get(
        "/v1/stats/evictions", params={"period": "2025", "group_by": "reason"}, headers=auditor
    )
    body = response.json()
    assert body["published"] is True
    nuisance, rent_arrears = body["rows"]
    assert nuisance["group"] == {"reason": "nuisance"}
    assert nuisance["evictions"] == 5  # 6
    assert rent_arrears["evictions"] == 20  # 18
    # Nuisance had no evictions with children (0 < 5): withheld. With only the total (10) and
    # rent arrears published it would come back as 10 - 10, so rent arrears is withheld too.
    for row in (nuisance, rent_arrears):
        assert row["evictions_with_children"] is None
        assert row["children_involved"] is None
        assert row["withheld"] == ["children_involved", "evictions_with_children"]
    total = body["total"]
    assert (total["evictions"], total["evictions_with_children"], total["children_involved"]) == (
        25,
        10,
        20,
    )


def test_published_small_row_and_its_complement(client: TestClient, auditor: Headers) -> None:
    response = client.get(
        "/v1/stats/evictions",
        params={"period": "2025", "group_by": "quarter,landlord_type"},
        headers=auditor,
    )
    cells = _cells(response.json())
    assert list(cells) == [("2025-Q1", "private"), ("2025-Q1", "social"), ("2025-Q2", "private")]
    q1_private, q1_social, q2_private = cells.values()
    # Q2 private holds 3 evictions: the whole row is withheld; the next smallest (6) with it.
    assert q2_private["evictions"] is None
    assert set(q2_private["withheld"]) == {
        "evictions",
        "evictions_with_children",
        "children_involved",
    }
    assert q1_private["evictions"] is None
    assert q1_social["evictions"] == 15
    # Children: 0 and 3 withheld hold fewer than 5 together, so Q1 social (8 / 16) goes too.
    assert q1_social["evictions_with_children"] is None
    assert q1_social["children_involved"] is None
    assert response.json()["total"]["children_involved"] == 20


def test_published_by_municipality(client: TestClient, auditor: Headers) -> None:
    body = client.get(
        "/v1/stats/evictions",
        params={"period": "2025-Q1", "group_by": "municipality"},
        headers=auditor,
    ).json()
    cells = _cells(body)
    assert cells[(AMSTERDAM,)]["evictions"] == 15  # 14
    assert cells[(OUDER_AMSTEL,)]["evictions"] == 5  # 7
    assert body["total"]["evictions"] == 20  # 21
    assert body["date_to"] == "2025-03-31"


def test_published_year_and_month_periods(client: TestClient, auditor: Headers) -> None:
    january = client.get(
        "/v1/stats/evictions", params={"period": "2025-01"}, headers=auditor
    ).json()
    assert january["total"]["evictions"] == 10  # 8
    assert january["rows"] == []
    by_year = client.get(
        "/v1/stats/evictions",
        params={"period": "2025", "group_by": "year", "municipality": OUDER_AMSTEL},
        headers=auditor,
    ).json()
    assert _cells(by_year)[("2025",)]["evictions"] == 5
    assert by_year["municipalities"] == [OUDER_AMSTEL]
