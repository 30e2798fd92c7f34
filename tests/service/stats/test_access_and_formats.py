"""Who may read the figures, what a bad query gets, and the CSV and SVG renderings."""

from __future__ import annotations

import csv
import io
from datetime import date
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from service.auth.models import Role
from tests.service.conftest import TokenFactory
from tests.service.stats.conftest import (
    AMSTERDAM,
    OUDER_AMSTEL,
    EvictionMaker,
    Headers,
    bearer,
)

FIGURES = ("evictions", "temporary-housing", "school-trips", "unplaced")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def data(evictions: EvictionMaker) -> None:
    evictions(12, on=date(2025, 1, 15), children_involved=1)
    evictions(3, on=date(2025, 2, 15), reason="nuisance")
    evictions(9, on=date(2025, 3, 15), municipality=OUDER_AMSTEL, landlord_type="private")


@pytest.mark.parametrize("figure", FIGURES)
def test_auditor_admin_and_desk_may_read(
    client: TestClient, auditor: Headers, desk: Headers, figure: str
) -> None:
    for headers in (auditor, desk, {}):  # {}: the client's own admin key
        response = client.get(f"/v1/stats/{figure}", headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("figure", FIGURES)
def test_corporations_are_refused_and_strangers_unauthorised(
    client: TestClient, anonymous_client: TestClient, make_token: TokenFactory, figure: str
) -> None:
    corporation = bearer(
        make_token(Role.CORPORATION, corporation_code=_corporation(client), person="Ymere")
    )
    refused = client.get(f"/v1/stats/{figure}", headers=corporation)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert anonymous_client.get(f"/v1/stats/{figure}").status_code == 401


def _corporation(client: TestClient) -> str:
    response = client.post(
        "/v1/corporations", json={"code": "ymere", "name": "Ymere", "municipalities": [AMSTERDAM]}
    )
    assert response.status_code in (200, 201), response.text
    return "ymere"


def test_integration_needs_the_stats_scope(client: TestClient, make_token: TokenFactory) -> None:
    with_scope = bearer(
        make_token(
            Role.INTEGRATION, municipalities=[AMSTERDAM], scopes=["stats:read"], person="CBS"
        )
    )
    without = bearer(
        make_token(Role.INTEGRATION, municipalities=[AMSTERDAM], scopes=["units:read"], person="X")
    )
    assert client.get("/v1/stats/evictions", headers=with_scope).json()["published"] is True
    assert client.get("/v1/stats/evictions", headers=without).status_code == 403


def test_desk_is_refused_another_municipality(
    client: TestClient, desk: Headers, data: None
) -> None:
    response = client.get(
        "/v1/stats/evictions", params={"municipality": OUDER_AMSTEL}, headers=desk
    )
    assert response.status_code == 403
    assert OUDER_AMSTEL in response.json()["detail"]
    own = client.get(
        "/v1/stats/evictions",
        params={"municipality": "gm0363", "period": "2025"},
        headers=desk,
    ).json()
    assert own["municipalities"] == [AMSTERDAM]
    assert own["total"]["evictions"] == 15  # Ouder-Amstel's 9 are not counted


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2025-13"}, "query.period"),
        ({"period": "25"}, "query.period"),
        ({"period": "1800"}, "query.period"),
        ({"period": "2999-Q1"}, "query.period"),
        ({"group_by": "weekday"}, "query.group_by"),
        ({"municipality": "Amsterdam"}, "query.municipality.0"),
        ({"state": "pending"}, "query.state"),
        ({"from": "2025-13-01"}, "query.from"),
        ({"from": "0001-01-01"}, "query.from"),
        ({"to": "9999-12-31"}, "query.to"),
        ({"period": "2025-Q5"}, "query.period"),
    ],
)
def test_bad_queries_are_field_errors(
    client: TestClient, desk: Headers, params: dict[str, str], field: str
) -> None:
    response = client.get("/v1/stats/evictions", params=params, headers=desk)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]


def test_published_figures_take_ended_calendar_periods_only(
    client: TestClient, auditor: Headers, desk: Headers
) -> None:
    free = client.get("/v1/stats/evictions", params={"from": "2025-01-01"}, headers=auditor)
    assert free.status_code == 403
    as_of = client.get(
        "/v1/stats/temporary-housing", params={"as_of": "2025-06-30"}, headers=auditor
    )
    assert as_of.status_code == 403
    this_year = date.today().year
    running = client.get("/v1/stats/evictions", params={"period": this_year}, headers=auditor)
    assert running.status_code == 422
    # A desk may count the running year.
    assert client.get("/v1/stats/evictions", params={"period": this_year}, headers=desk).is_success
    both = client.get(
        "/v1/stats/school-trips", params={"period": "2025", "as_of": "2025-01-01"}, headers=desk
    )
    assert both.status_code == 422
    backwards = client.get(
        "/v1/stats/evictions", params={"from": "2025-02-01", "to": "2025-01-01"}, headers=desk
    )
    assert backwards.status_code == 422
    future = client.get(
        "/v1/stats/unplaced", params={"as_of": f"{this_year + 1}-01-01"}, headers=desk
    )
    assert future.status_code == 422


def test_csv(client: TestClient, auditor: Headers, data: None) -> None:
    response = client.get(
        "/v1/stats/evictions",
        params={"period": "2025", "group_by": "month,reason"},
        headers={**auditor, "Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == [
        "month",
        "reason",
        "evictions",
        "evictions_with_children",
        "children_involved",
        "withheld",
    ]
    assert lines[1][:3] == ["2025-01", "rent_arrears", "10"]
    # February's 3 nuisance evictions are withheld, and so is March (9) as their complement.
    assert lines[2][:3] == ["2025-02", "nuisance", ""]
    assert lines[3][:3] == ["2025-03", "rent_arrears", ""]
    assert lines[-1][:3] == ["total", "total", "25"]
    assert len(lines) == 5


def test_svg_bar_chart(client: TestClient, auditor: Headers, data: None) -> None:
    response = client.get(
        "/v1/stats/evictions",
        params={"period": "2025", "group_by": "month"},
        headers={**auditor, "Accept": "image/svg+xml"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = ElementTree.fromstring(response.text)
    assert root.tag == f"{SVG}svg"
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]
    withheld = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "withheld"]
    assert (len(bars), len(withheld)) == (1, 2)
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "2025-01" in texts and "withheld" in texts


def test_accept_quality_and_fallback(client: TestClient, auditor: Headers) -> None:
    weighted = client.get(
        "/v1/stats/unplaced",
        headers={**auditor, "Accept": "application/json;q=0.5, image/svg+xml;q=0.9"},
    )
    assert weighted.headers["content-type"] == "image/svg+xml"
    unknown = client.get("/v1/stats/unplaced", headers={**auditor, "Accept": "text/html"})
    assert unknown.headers["content-type"] == "application/json"


def test_spec_documents_every_rendering(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for figure in FIGURES:
        content = spec["paths"][f"/v1/stats/{figure}"]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv", "image/svg+xml"}
