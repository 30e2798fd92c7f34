"""Safe retries for create requests: the same Idempotency-Key and body give the same answer.

The stored answer is written in the request's own transaction, so it exists exactly when the
creation does. A transaction-level advisory lock on the key serialises two concurrent retries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.core.errors import Invalid
from service.core.idempotency_models import IdempotencyRecord

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Makes the create safe to retry: the same key and body create once and "
        "give the same answer; the same key with another body is refused (422).",
    ),
]


def _fingerprint(payload: Any) -> str:
    canonical = json.dumps(jsonable_encoder(payload), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(
    session: Session,
    *,
    scope: str,
    key: str | None,
    payload: Any,
    create: Callable[[], tuple[int, Any, dict[str, str]]],
) -> JSONResponse:
    """Run `create` once per (scope, key); replay its stored answer on a retry.

    `create` returns (status, body, headers). Without a key it simply runs.
    """
    if key is None:
        status, body, headers = create()
        return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"{scope}\x1f{key}"))))
    request_hash = _fingerprint(payload)
    stored = session.get(IdempotencyRecord, (scope, key))
    if stored is not None:
        if stored.request_hash != request_hash:
            raise Invalid(
                f"Idempotency-Key {key!r} was already used with a different request body; "
                "use a new key for a new request."
            )
        return JSONResponse(
            stored.response_body,
            status_code=stored.status_code,
            headers={**stored.response_headers, "Idempotent-Replayed": "true"},
        )
    status, body, headers = create()
    encoded = jsonable_encoder(body)
    session.add(
        IdempotencyRecord(
            scope=scope,
            key=key,
            request_hash=request_hash,
            status_code=status,
            response_body=encoded,
            response_headers=headers,
        )
    )
    session.flush()
    return JSONResponse(encoded, status_code=status, headers=headers)
