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

from service.auth.principal import Principal
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


def _caller_identity(caller: Principal) -> str:
    # Keys are the caller's own: two people may pick the same key without meeting each other's
    # answers. A personal key's id, or for single sign-on the person and role.
    if caller.key_id is not None:
        return str(caller.key_id)
    return hashlib.sha256(caller.actor.encode()).hexdigest()[:32]


def idempotent(
    session: Session,
    *,
    scope: str,
    caller: Principal,
    key: str | None,
    payload: Any,
    create: Callable[[], tuple[int, Any, dict[str, str]]],
) -> JSONResponse:
    """Run `create` once per (scope, caller, key); replay its stored answer on a retry.

    `create` returns (status, body, headers). Without a key it simply runs.
    """
    if key is None:
        status, body, headers = create()
        return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)
    scope = f"{scope} by {_caller_identity(caller)}"
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
