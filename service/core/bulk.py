"""Bulk uploads (JSON array or CSV) with a per-row report.

All or nothing by default: when any row fails, nothing is stored and the answer is a 422 problem
carrying the report. With `?partial=true` the good rows are stored and the rest reported. Each
row runs in its own SAVEPOINT, so a failing row never leaves half of itself behind.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.core.errors import DomainError, Invalid

RowOutcome = Literal["created", "updated", "unchanged"]
ModelT = TypeVar("ModelT", bound=BaseModel)

Partial = Annotated[
    bool,
    Query(description="Store the good rows and report the bad ones (default: all or nothing)."),
]

BULK_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


class RowError(BaseModel):
    row: int
    field: str | None = None
    message: str


class BulkReport(BaseModel):
    """What happened to each row. `row` counts records from 1 (in CSV: line = row + 1)."""

    stored: bool
    total: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowError] = []


def rows_of_csv(raw: bytes) -> list[dict[str, Any]]:
    """The records of a CSV file with a header line (also an uploaded file on a web form)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("The CSV file is not UTF-8.") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        if not reader.fieldnames:
            raise Invalid("The CSV file has no header line.")
        for record in reader:
            if None in record:
                raise Invalid(f"CSV line {reader.line_num} has more values than the header.")
            # Empty cells mean "not given", as spreadsheets write them.
            rows.append({k.strip(): (v if v != "" else None) for k, v in record.items()})
    except csv.Error as exc:
        raise Invalid(f"The CSV file cannot be read at line {reader.line_num}: {exc}.") from exc
    return rows


async def read_rows(request: Request) -> list[dict[str, Any]]:
    """The uploaded records, from a JSON array or a CSV file with a header line."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type == "text/csv":
        return rows_of_csv(raw)
    if content_type in ("application/json", ""):
        try:
            data = json.loads(raw or b"null")
        except json.JSONDecodeError as exc:
            raise Invalid(f"The body is not valid JSON: {exc.msg} (position {exc.pos}).") from exc
        except UnicodeDecodeError as exc:
            raise Invalid("The body is not UTF-8 encoded JSON.") from exc
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise Invalid("The body must be a JSON array of objects.")
        return data
    raise Invalid(f"Unsupported content type {content_type!r}: send application/json or text/csv.")


def _row_errors(row: int, exc: Exception) -> list[RowError]:
    if isinstance(exc, ValidationError):
        return [
            RowError(row=row, field=".".join(str(p) for p in err["loc"]), message=err["msg"])
            for err in exc.errors()
        ]
    if isinstance(exc, DomainError):
        if exc.errors:
            return [RowError(row=row, field=e.field, message=e.message) for e in exc.errors]
        return [RowError(row=row, message=exc.detail)]
    if isinstance(exc, IntegrityError):
        return [RowError(row=row, message=f"refused by the database: {exc.orig}")]
    raise exc


def run_bulk(
    session: Session,
    *,
    rows: list[dict[str, Any]],
    schema: type[ModelT],
    store: Callable[[ModelT], RowOutcome],
    partial: bool,
    max_rows: int = 5000,
) -> BulkReport:
    """Validate and store each row in its own savepoint; raise the report when all-or-nothing."""
    if len(rows) > max_rows:
        raise Invalid(f"At most {max_rows} rows per upload; this one has {len(rows)}.")
    report = BulkReport(stored=True, total=len(rows))
    for number, raw in enumerate(rows, start=1):
        savepoint = session.begin_nested()
        try:
            outcome = store(schema.model_validate(raw))
            savepoint.commit()
        except (ValidationError, DomainError, IntegrityError) as exc:
            savepoint.rollback()
            report.failed += 1
            report.errors.extend(_row_errors(number, exc))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    if report.failed and not partial:
        rejected = report.model_copy(update={"stored": False, "created": 0, "updated": 0})
        raise Invalid(
            f"{report.failed} of {report.total} rows are invalid; nothing was stored. "
            "Fix them, or send ?partial=true to store the valid rows.",
            extensions={"report": rejected.model_dump()},
        )
    return report
