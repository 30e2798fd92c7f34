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
from sqlalchemy import Date, DateTime, Select, literal, tuple_
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


def _encode(value: Any, row_id: uuid.UUID) -> str:
    raw = json.dumps([value.isoformat() if hasattr(value, "isoformat") else value, str(row_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, column: InstrumentedAttribute[Any]) -> tuple[Any, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id = json.loads(base64.urlsafe_b64decode(padded))
        if isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif isinstance(column.type, Date):
            value = date.fromisoformat(value)
        return value, uuid.UUID(row_id)
    except (ValueError, TypeError) as exc:
        raise Invalid("The cursor is not valid; start again without one.") from exc


def keyset_page(
    statement: Select[Any],
    *,
    sort_column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    descending: bool,
    cursor: str | None,
    limit: int,
) -> Select[Any]:
    """Order, start after the cursor and fetch one row more than the page (to know if more)."""
    if cursor is not None:
        value, row_id = _decode(cursor, sort_column)
        after = tuple_(sort_column, id_column)
        bound = tuple_(literal(value, sort_column.type), literal(row_id, id_column.type))
        statement = statement.where(after < bound if descending else after > bound)
    order = (sort_column.desc(), id_column.desc()) if descending else (sort_column, id_column)
    return statement.order_by(*order).limit(limit + 1)


def next_cursor(
    rows: Sequence[Any], *, sort_attribute: str, limit: int
) -> tuple[Sequence[Any], str | None]:
    """Trim the extra row and make the cursor for the next page (None on the last page)."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    last = page[-1]
    return page, _encode(getattr(last, sort_attribute), last.id)
