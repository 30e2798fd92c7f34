"""The audit trail, read-only: append-only in the database, no endpoint edits or deletes it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from service.audit import repository
from service.audit.models import AuditEvent
from service.audit.schemas import AuditEventRead
from service.auth.dependencies import allow
from service.auth.models import Role
from service.auth.principal import Principal
from service.core.db import SessionDep
from service.core.errors import problem_responses
from service.core.pagination import Cursor, Limit, Page, next_cursor

router = APIRouter(prefix="/v1/audit-events", tags=["audit"])

AuditReader = Annotated[Principal, Depends(allow(Role.AUDITOR, scope="audit:read"))]

# What an auditor may see of a change: states and codes, never a household's personal fields.
NON_PERSONAL_KEYS = frozenset(
    {"status", "kind", "reason", "source", "policy", "decline_reason", "end_reason", "state"}
)


def _redact(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: value for key, value in values.items() if key in NON_PERSONAL_KEYS}


def _to_read(event: AuditEvent, *, redacted: bool) -> AuditEventRead:
    read = AuditEventRead.model_validate(event)
    if not redacted:
        return read
    role = event.actor.rsplit("(", 1)[-1].rstrip(")") if "(" in event.actor else "system"
    return read.model_copy(
        update={
            "actor": f"({role})",
            "before": _redact(event.before),
            "after": _redact(event.after),
            "redacted": True,
        }
    )


@router.get("", response_model=Page[AuditEventRead], responses=problem_responses(401, 403, 422))
def list_audit_events(
    session: SessionDep,
    principal: AuditReader,
    entity_type: Annotated[str | None, Query(max_length=50)] = None,
    entity_id: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[datetime | None, Query(description="Events at or after this instant.")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[AuditEventRead]:
    """The trail, newest first. Auditors see it with personal fields and names redacted."""
    rows = repository.list_page(
        session,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        since=since,
        cursor=cursor,
        limit=limit,
    )
    page, next_page = next_cursor(rows, sort_attribute="occurred_at", limit=limit)
    redacted = not principal.is_admin
    return Page(items=[_to_read(e, redacted=redacted) for e in page], next_cursor=next_page)
