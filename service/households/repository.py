"""Queries for households, their evictions and stays."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    case,
    exists,
    func,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.core.errors import Invalid
from service.core.pagination import keyset_page
from service.households.models import Child, Eviction, Household, HouseholdStatus, Stay
from service.households.schemas import HouseholdListOrder, HouseholdSort
from service.schools.models import School

# Statuses in which the episode without a home of its own lasts.
EPISODE_STATUSES = (HouseholdStatus.HOMELESS, HouseholdStatus.OFFERED, HouseholdStatus.PLACED)
# Sort key of a household outside an episode: after every real start date, i.e. "0 days".
NO_EPISODE = date(9999, 12, 31)


def get(session: Session, household_id: uuid.UUID) -> Household | None:
    return session.get(Household, household_id)


def get_many_for_update(session: Session, household_ids: Sequence[uuid.UUID]) -> list[Household]:
    """Households locked in id order (the workflow's lock order), fresh from the database."""
    statement = (
        select(Household)
        .where(Household.id.in_(sorted(set(household_ids))))
        .order_by(Household.id)
        .with_for_update(of=Household)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(statement))


def set_status_many(
    session: Session, household_ids: Sequence[uuid.UUID], *, status: HouseholdStatus
) -> None:
    """One UPDATE for many households (statement-level triggers run once), bumping versions."""
    session.execute(
        update(Household)
        .where(Household.id.in_(sorted(set(household_ids))))
        .values(status=status.value, version=Household.version + 1, updated_at=func.now())
        .execution_options(synchronize_session=False)
    )


def get_by_case_reference(
    session: Session, *, municipality_code: str, case_reference: str
) -> Household | None:
    return session.scalars(
        select(Household).where(
            Household.municipality_code == municipality_code,
            Household.case_reference == case_reference,
        )
    ).one_or_none()


def schools_by_brin(session: Session, brin_codes: Sequence[str]) -> dict[str, uuid.UUID]:
    rows = session.execute(
        select(School.brin_code, School.id).where(School.brin_code.in_(brin_codes))
    ).all()
    return {brin: school_id for brin, school_id in rows}


def brin_by_school_id(session: Session, school_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not school_ids:
        return {}
    rows = session.execute(
        select(School.id, School.brin_code).where(School.id.in_(school_ids))
    ).all()
    return {school_id: brin for school_id, brin in rows}


# The workflow's order of statuses, for sorting by status.
STATUS_ORDER = {
    status.value: rank
    for rank, status in enumerate(
        (
            HouseholdStatus.AT_RISK,
            HouseholdStatus.HOMELESS,
            HouseholdStatus.OFFERED,
            HouseholdStatus.PLACED,
            HouseholdStatus.CLOSED,
        )
    )
}
# Orders whose sort value is a whole number (the cursor holds it as one).
_COUNTED = (
    HouseholdListOrder.CHILDREN,
    HouseholdListOrder.CHILDREN_DESC,
    HouseholdListOrder.STATUS,
    HouseholdListOrder.STATUS_DESC,
)


def _sort_key(
    sort: HouseholdSort | HouseholdListOrder,
) -> tuple[ColumnElement[Any] | InstrumentedAttribute[Any], bool]:
    """The sort expression and whether it runs descending."""
    if sort in (HouseholdListOrder.CHILDREN, HouseholdListOrder.CHILDREN_DESC):
        children = (
            select(func.count(Child.id))
            .where(Child.household_id == Household.id)
            .correlate(Household)
            .scalar_subquery()
        )
        return children, sort == HouseholdListOrder.CHILDREN_DESC
    if sort in (HouseholdListOrder.STATUS, HouseholdListOrder.STATUS_DESC):
        rank = case(STATUS_ORDER, value=Household.status, else_=len(STATUS_ORDER))
        return rank, sort == HouseholdListOrder.STATUS_DESC
    if sort in (HouseholdSort.CREATED, HouseholdSort.CREATED_DESC):
        return Household.created_at, sort == HouseholdSort.CREATED_DESC
    if sort in (HouseholdSort.NEEDED_FROM, HouseholdSort.NEEDED_FROM_DESC):
        return Household.needed_from, sort == HouseholdSort.NEEDED_FROM_DESC
    # More days in temporary housing means an earlier start; no episode counts as the fewest.
    episode_start = case(
        (
            and_(
                Household.status.in_([s.value for s in EPISODE_STATUSES]),
                Household.homeless_since.is_not(None),
            ),
            Household.homeless_since,
        ),
        else_=literal(NO_EPISODE),
    )
    return episode_start, sort == HouseholdSort.DAYS_IN_TEMPORARY_HOUSING


def encode_cursor(
    sort: HouseholdSort | HouseholdListOrder, value: date | datetime | int, household_id: uuid.UUID
) -> str:
    encoded = value if isinstance(value, int) else value.isoformat()
    raw = json.dumps([sort.value, encoded, str(household_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(
    cursor: str, sort: HouseholdSort | HouseholdListOrder
) -> tuple[date | datetime | int, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        sort_name, value, row_id = json.loads(base64.urlsafe_b64decode(padded))
        if sort_name != sort.value or not isinstance(row_id, str):
            raise ValueError("not a cursor of this sort order")
        if sort in _COUNTED:
            # A tampered cursor must not reach the database as a value of the wrong type.
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
                raise ValueError("not a count")
            return value, uuid.UUID(row_id)
        if not isinstance(value, str):
            raise ValueError("not a cursor")
        decoded: date | datetime = (
            datetime.fromisoformat(value)
            if sort in (HouseholdSort.CREATED, HouseholdSort.CREATED_DESC)
            else date.fromisoformat(value)
        )
        return decoded, uuid.UUID(row_id)
    except (ValueError, TypeError) as exc:
        raise Invalid(
            "The cursor is not valid for this sort order; start again without one."
        ) from exc


def list_page(
    session: Session,
    *,
    visible_municipalities: list[str] | None,
    municipality_code: str | None,
    status: HouseholdStatus | None,
    has_children: bool | None,
    needed_from_min: date | None,
    needed_from_max: date | None,
    updated_since: datetime | None,
    sort: HouseholdSort | HouseholdListOrder,
    cursor: str | None,
    limit: int,
    homeless_since_max: date | None = None,
) -> Sequence[Row[tuple[Household, Any]]]:
    """One page (plus one row, to know whether more follow) of (household, sort value) rows.

    `homeless_since_max`: only households in temporary housing since that day or longer."""
    key, descending = _sort_key(sort)
    statement = select(Household, key.label("sort_value"))
    if visible_municipalities is not None:
        statement = statement.where(Household.municipality_code.in_(visible_municipalities))
    if municipality_code:
        statement = statement.where(Household.municipality_code == municipality_code)
    if status:
        statement = statement.where(Household.status == status.value)
    if has_children is not None:
        with_children = exists().where(Child.household_id == Household.id)
        statement = statement.where(with_children if has_children else ~with_children)
    if needed_from_min:
        statement = statement.where(Household.needed_from >= needed_from_min)
    if needed_from_max:
        statement = statement.where(Household.needed_from <= needed_from_max)
    if homeless_since_max:
        statement = statement.where(
            Household.homeless_since <= homeless_since_max,
            Household.status.in_([s.value for s in EPISODE_STATUSES]),
        )
    if updated_since:
        statement = statement.where(Household.updated_at >= updated_since)
    if cursor is not None:
        value, row_id = _decode_cursor(cursor, sort)
        after = tuple_(key, Household.id)
        bound = tuple_(literal(value, key.type), literal(row_id, Household.id.type))
        statement = statement.where(after < bound if descending else after > bound)
    order = (key.desc(), Household.id.desc()) if descending else (key, Household.id)
    return session.execute(statement.order_by(*order).limit(limit + 1)).all()


def get_eviction(session: Session, eviction_id: uuid.UUID) -> Eviction | None:
    return session.get(Eviction, eviction_id)


def list_evictions(
    session: Session,
    *,
    household_id: uuid.UUID,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
) -> Sequence[Eviction]:
    statement = select(Eviction).where(Eviction.household_id == household_id)
    if updated_since:
        statement = statement.where(Eviction.updated_at >= updated_since)
    statement = keyset_page(
        statement,
        sort_column=Eviction.eviction_date,
        id_column=Eviction.id,
        descending=False,
        cursor=cursor,
        limit=limit,
    )
    return session.scalars(statement).all()


def get_stay(session: Session, stay_id: uuid.UUID) -> Stay | None:
    return session.get(Stay, stay_id)


def list_stays(
    session: Session,
    *,
    household_id: uuid.UUID,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
) -> Sequence[Stay]:
    statement = select(Stay).where(Stay.household_id == household_id)
    if updated_since:
        statement = statement.where(Stay.updated_at >= updated_since)
    statement = keyset_page(
        statement,
        sort_column=Stay.start_date,
        id_column=Stay.id,
        descending=False,
        cursor=cursor,
        limit=limit,
    )
    return session.scalars(statement).all()


def ongoing_stays(session: Session, *, household_id: uuid.UUID) -> Sequence[Stay]:
    return session.scalars(
        select(Stay).where(Stay.household_id == household_id, Stay.end_date.is_(None))
    ).all()


def overlapping_stay(
    session: Session,
    *,
    household_id: uuid.UUID,
    start_date: date,
    end_date: date | None,
    except_id: uuid.UUID | None,
) -> Stay | None:
    """A stay of the household whose half-open range meets [start_date, end_date)."""
    statement = select(Stay).where(
        Stay.household_id == household_id,
        (Stay.end_date.is_(None)) | (Stay.end_date > start_date),
        Stay.start_date < end_date if end_date is not None else literal(True),
        Stay.start_date != Stay.end_date,
    )
    if except_id is not None:
        statement = statement.where(Stay.id != except_id)
    return session.scalars(statement.order_by(Stay.start_date).limit(1)).first()
