"""Optimistic concurrency over HTTP: ETags out, If-Match in (412 on a stale tag)."""

from __future__ import annotations

import uuid
from typing import Annotated, Protocol

from fastapi import Header, Response

from service.core.errors import PreconditionFailed

IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="The ETag you read; 412 when stale.")
]


class Versioned(Protocol):
    id: uuid.UUID
    version: int


def etag_of(record: Versioned) -> str:
    return f'"{record.id}.{record.version}"'


def set_etag(response: Response, record: Versioned) -> None:
    response.headers["ETag"] = etag_of(record)


def check_if_match(if_match: str | None, record: Versioned) -> None:
    """Refuse a change based on a stale read; no header means the caller accepts any version."""
    if if_match is None:
        return
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in candidates or etag_of(record) in candidates:
        return
    raise PreconditionFailed(
        f"The record changed since it was read (current ETag {etag_of(record)}); "
        "read it again and retry."
    )
