"""Cursor (keyset) pagination with a stable order: the sort key, then the id.

A cursor is opaque to clients: base64 of the last row's sort value and id. Rows inserted or
changed while a client pages never make it skip or repeat a row that kept its sort value.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Date, DateTime, Integer, Select, String, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from service.core.errors import Invalid

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Cursor = Annotated[
    str | None, Query(max_length=500, description="`next_cursor` of the previous page.")
]
UpdatedSince = Annotated[
    datetime | None,
    Query(description="Only records created or changed at or after this instant (sync)."),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _encode(value: Any, row_id: uuid.UUID, order: str | None = None) -> str:
    encoded = value.isoformat() if hasattr(value, "isoformat") else value
    parts = [encoded, str(row_id)] if order is None else [encoded, str(row_id), order]
    raw = json.dumps(parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _typed(value: Any, column: InstrumentedAttribute[Any]) -> Any:
    """The cursor's sort value as the column's type; ValueError when it cannot be one."""
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    # A tampered cursor must not reach the database as a value of the wrong type (a 500).
    if isinstance(column.type, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("not an integer")
        if not INT32_MIN <= value <= INT32_MAX:
            raise ValueError("integer out of range")
        return value
    if isinstance(column.type, String) and (not isinstance(value, str) or "\x00" in value):
        raise ValueError("not a string")
    return value


def _decode(
    cursor: str, column: InstrumentedAttribute[Any], order: str | None = None
) -> tuple[Any, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id, *rest = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(row_id, str):
            raise ValueError("not an id")
        identifier = uuid.UUID(row_id)
        typed = _typed(value, column)
    except (ValueError, TypeError) as exc:
        raise Invalid("The cursor is not valid; start again without one.") from exc
    if rest != ([] if order is None else [order]):
        raise Invalid("The cursor belongs to another sort order; start again without one.")
    return typed, identifier


def keyset_page(
    statement: Select[Any],
    *,
    sort_column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    descending: bool,
    cursor: str | None,
    limit: int,
    order: str | None = None,
) -> Select[Any]:
    """Order, start after the cursor and fetch one row more than the page (to know if more).

    `order` names the sort order when a list offers several; a cursor then only continues the
    order it was made for.
    """
    if cursor is not None:
        value, row_id = _decode(cursor, sort_column, order)
        after = tuple_(sort_column, id_column)
        bound = tuple_(literal(value, sort_column.type), literal(row_id, id_column.type))
        statement = statement.where(after < bound if descending else after > bound)
    ordering = (sort_column.desc(), id_column.desc()) if descending else (sort_column, id_column)
    return statement.order_by(*ordering).limit(limit + 1)


def next_cursor(
    rows: Sequence[Any], *, sort_attribute: str, limit: int, order: str | None = None
) -> tuple[Sequence[Any], str | None]:
    """Trim the extra row and make the cursor for the next page (None on the last page)."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    last = page[-1]
    return page, _encode(getattr(last, sort_attribute), last.id, order)
