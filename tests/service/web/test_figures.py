"""The figures page: a desk's exact figures for its own municipalities, auditors' published
ones, each table with the chart the stats endpoints draw, and a bad period shown at its field."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy.orm import Session

from service.auth.models import Role
from service.core.time import today_amsterdam
from service.stats.schemas import EvictionsRow, EvictionsTable
from service.web.figures_view import cells, chart_query, measures, rows
from tests.factories import make_eviction, make_household, make_municipality
from tests.service.conftest import TokenFactory
from tests.service.web.conftest import PageClientFactory

AMSTERDAM, AMSTELVEEN, UTRECHT = "GM0363", "GM0362", "GM0344"


def _seed(db_session: Session) -> None:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    make_municipality(db_session, code=AMSTELVEEN, name="Amstelveen")
    make_municipality(db_session, code=UTRECHT, name="Utrecht")
    last_year = today_amsterdam().year - 1
    for number in range(3):
        household = make_household(
            db_session,
            case_reference=f"FIG-{number}",
            children=[{"birth_year": 2015}],
        )
        make_eviction(db_session, household=household, eviction_date=date(last_year, 3, 10))
    other = make_household(db_session, case_reference="FIG-UT", municipality=UTRECHT)
    make_eviction(db_session, household=other, eviction_date=date(last_year, 3, 11))


def test_a_desk_sees_its_exact_figures_with_charts(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    _seed(db_session)
    client = page_client()
    client.sign_in(make_token(Role.DESK, municipalities=[AMSTERDAM, AMSTELVEEN]), language="en")
    page = client.get("/app/figures")
    assert page.status_code == 200, page.text
    last_year = today_amsterdam().year - 1
    evictions = re.search(r'data-testid="figure-evictions">(.*?)</section>', page.text, re.S)
    assert evictions
    assert f"Period {last_year}" in evictions.group(1)
    march = re.search(rf"<th scope=\"row\">{last_year}-03</th>(.*?)</tr>", evictions.group(1), re.S)
    assert march
    # Three evictions, three with children, three children: Utrecht's is not the desk's.
    assert re.findall(r'<td class="number">(\d+)</td>', march.group(1)) == ["3", "3", "3"]
    assert "Exact figures for your own municipalities" in page.text
    for figure in ("evictions", "temporary-housing", "school-trips", "unplaced"):
        assert f'data-testid="figure-{figure}"' in page.text
        assert f'src="/app/figures/{figure}.svg"' in page.text
    temporary = re.search(
        r'data-testid="figure-temporary-housing">(.*?)</section>', page.text, re.S
    )
    assert temporary and '<th scope="row">Amsterdam</th>' in temporary.group(1)

    chart = client.get("/app/figures/evictions.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in chart.text and f"{last_year}-03" in chart.text
    assert client.get("/app/figures/nonsense.svg").status_code == 404

    one = client.get("/app/figures?period=&municipality=GM0362")
    assert one.status_code == 200
    assert 'src="/app/figures/evictions.svg?municipality=GM0362"' in one.text
    assert f'<th scope="row">{last_year}-03</th>' not in one.text  # none in Amstelveen


def test_a_bad_period_is_shown_next_to_its_field(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    _seed(db_session)
    client = page_client()
    client.sign_in(make_token(Role.DESK, municipalities=[AMSTERDAM]), language="en")
    page = client.get("/app/figures?period=last-summer")
    assert page.status_code == 422
    assert 'data-testid="error-period"' in page.text
    assert 'aria-invalid="true"' in page.text
    assert 'data-testid="figure-evictions"' not in page.text


def test_auditors_get_published_figures_and_corporations_none(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    _seed(db_session)
    auditor = page_client()
    auditor.sign_in(make_token(Role.AUDITOR), language="en")
    page = auditor.get("/app/figures")
    assert page.status_code == 200
    assert "Published figures: rounded to 5, small cells withheld." in page.text
    assert "withheld" in page.text  # 4 evictions in all: below 5
    last_month = (today_amsterdam().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert f"Period {last_month}" in page.text
    from tests.factories import make_corporation

    make_corporation(db_session, code="ymere", municipalities=[AMSTERDAM])
    corporation = page_client()
    corporation.sign_in(make_token(Role.CORPORATION, corporation_code="ymere"), language="en")
    assert corporation.get("/app/figures").status_code == 403
    assert corporation.get("/app/figures/evictions.svg").status_code == 403


def test_a_table_reads_rows_then_total_and_names_withheld_cells() -> None:
    table = EvictionsTable(
        figure="evictions",
        published=True,
        period="2025",
        date_from=date(2025, 1, 1),
        date_to=date(2025, 12, 31),
        municipalities=None,
        group_by=["reason"],
        rows=[
            EvictionsRow(
                group={"reason": "nuisance"},
                evictions=None,
                evictions_with_children=None,
                children_involved=None,
                withheld=["evictions", "evictions_with_children", "children_involved"],
            )
        ],
        total=EvictionsRow(group={}, evictions=10, evictions_with_children=5, children_involved=5),
    )
    names = measures(table)
    assert names == ["evictions", "evictions_with_children", "children_involved"]
    assert [r.group for r in rows(table)] == [{"reason": "nuisance"}, {}]
    assert [c.withheld for c in cells(rows(table)[0], names)] == [True, True, True]
    assert [c.value for c in cells(rows(table)[1], names)] == [10, 5, 5]
    assert not any(c.share for c in cells(rows(table)[1], names))
    assert chart_query(period="2025", municipality=None) == "?period=2025"
    assert chart_query(period=None, municipality=None) == ""
