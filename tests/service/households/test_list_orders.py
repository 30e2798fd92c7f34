"""The households list's further orders (by children, by status in the workflow's order), used by
the desk's web page: stable keyset pages like the API's sort keys, and tamper-proof cursors."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date

import pytest
from sqlalchemy.orm import Session

from service.core.errors import Invalid
from service.households import repository, service
from service.households.schemas import HouseholdListOrder
from tests.factories import make_eviction, make_household


def _page(
    session: Session, sort: HouseholdListOrder, cursor: str | None = None, limit: int = 2
) -> tuple[list[str], str | None]:
    found, next_cursor = service.list_households(
        session,
        municipality=None,
        status=None,
        has_children=None,
        needed_from_min=None,
        needed_from_max=None,
        updated_since=None,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return [h.case_reference for h in found], next_cursor


def test_households_sort_by_children_and_by_status_a_page_at_a_time(
    db_session: Session,
) -> None:
    make_household(db_session, case_reference="NONE")
    make_household(
        db_session, case_reference="THREE", children=[{"birth_year": 2015 + i} for i in range(3)]
    )
    one = make_household(db_session, case_reference="ONE", children=[{"birth_year": 2016}])
    make_eviction(db_session, household=one, eviction_date=date(2026, 9, 1))  # homeless

    first, cursor = _page(db_session, HouseholdListOrder.CHILDREN_DESC)
    assert first == ["THREE", "ONE"]
    rest, last = _page(db_session, HouseholdListOrder.CHILDREN_DESC, cursor)
    assert rest == ["NONE"] and last is None
    ascending, _ = _page(db_session, HouseholdListOrder.CHILDREN, limit=3)
    assert ascending == ["NONE", "ONE", "THREE"]

    by_status, cursor = _page(db_session, HouseholdListOrder.STATUS_DESC, limit=1)
    assert by_status == ["ONE"]  # homeless comes after at risk in the workflow
    assert cursor is not None
    rest, _ = _page(db_session, HouseholdListOrder.STATUS_DESC, cursor, limit=5)
    assert sorted(rest) == ["NONE", "THREE"]


@pytest.mark.parametrize("value", ["3", True, -1, 2**40, None])
def test_a_tampered_count_cursor_is_invalid_not_a_server_error(
    db_session: Session, value: object
) -> None:
    raw = json.dumps(["children", value, str(uuid.uuid4())]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    with pytest.raises(Invalid):
        _page(db_session, HouseholdListOrder.CHILDREN, cursor)
    other_order = repository.encode_cursor(HouseholdListOrder.STATUS, 1, uuid.uuid4())
    with pytest.raises(Invalid):
        _page(db_session, HouseholdListOrder.CHILDREN, other_order)
