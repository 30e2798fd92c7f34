"""A desk's exact eviction rows are built by PostgreSQL as JSON (`eviction_counts_json`): they
must equal, row for row and in order, what the Python path makes of the same query's rows."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.stats import repository, service
from service.stats.repository import EvictionScope
from service.stats.schemas import EvictionsRow
from tests.service.conftest import TokenFactory
from tests.service.stats.conftest import AMSTERDAM, OUDER_AMSTEL, EvictionMaker, bearer

GROUPINGS = [
    [],
    ["month"],
    ["year"],
    ["reason", "municipality"],
    ["quarter", "landlord_type"],
    ["municipality", "month", "reason", "landlord_type"],
]


@pytest.fixture
def known(db_session: Session, evictions: EvictionMaker) -> None:
    evictions(3, on=date(2025, 1, 15), children_involved=2)
    evictions(2, on=date(2025, 1, 31), reason="nuisance", landlord_type="private")
    evictions(4, on=date(2025, 4, 2), municipality=OUDER_AMSTEL, reason="drugs_crime")
    evictions(1, on=date(2025, 11, 30), reason="other", children_involved=1)
    evictions(2, on=date(2026, 2, 1), state="planned")
    # A month whose only eviction was deleted again: a zero summary row, not a group.
    evictions(1, on=date(2025, 6, 6), reason="other")
    db_session.execute(text("DELETE FROM evictions WHERE eviction_date = DATE '2025-06-06'"))
    db_session.flush()


@pytest.mark.parametrize("group_by", GROUPINGS, ids=lambda dims: ",".join(dims) or "total")
@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [(date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 1, 20), date(2026, 3, 3))],
    ids=["whole months", "edge days"],
)
def test_json_rows_equal_the_python_rows(
    db_session: Session,
    client: TestClient,
    make_token: TokenFactory,
    known: None,
    group_by: list[str],
    date_from: date,
    date_to: date,
) -> None:
    scope = EvictionScope(
        date_from=date_from,
        date_to=date_to,
        states=["executed", "planned"],
        municipalities=[AMSTERDAM, OUDER_AMSTEL],
        group_by=group_by,
    )
    rows, total = service._table_rows(
        service._sorted(repository.eviction_counts(db_session, scope=scope), group_by),
        row_type=EvictionsRow,
        dimensions=group_by,
        members="evictions",
        households="evictions",
        publish=False,
    )
    desk = bearer(make_token(Role.DESK, municipalities=[AMSTERDAM, OUDER_AMSTEL]))
    body = client.get(
        "/v1/stats/evictions",
        params={
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "group_by": ",".join(group_by),
            "state": "all",
        },
        headers=desk,
    ).json()
    assert body["rows"] == [row.model_dump(mode="json") for row in rows]
    assert body["total"] == total.model_dump(mode="json")
    if group_by:
        assert body["rows"], "the known data fills some groups"


def test_csv_and_svg_of_json_rows(
    client: TestClient, make_token: TokenFactory, known: None
) -> None:
    desk = bearer(make_token(Role.DESK, municipalities=[AMSTERDAM, OUDER_AMSTEL]))
    params = {"period": "2025", "group_by": "month,reason"}
    rows = client.get("/v1/stats/evictions", params=params, headers=desk).json()["rows"]
    assert len(rows) == 4
    csv = client.get(
        "/v1/stats/evictions", params=params, headers={**desk, "Accept": "text/csv"}
    ).text.splitlines()
    assert csv[0] == "month,reason,evictions,evictions_with_children,children_involved,withheld"
    assert csv[1:] == [
        "2025-01,nuisance,2,0,0,",
        "2025-01,rent_arrears,3,3,6,",
        "2025-04,drugs_crime,4,0,0,",
        "2025-11,other,1,1,1,",
        "total,total,10,4,7,",
    ]
    svg = client.get(
        "/v1/stats/evictions", params=params, headers={**desk, "Accept": "image/svg+xml"}
    ).text
    assert svg.count('class="bar"') == 4
