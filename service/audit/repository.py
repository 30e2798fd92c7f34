from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.core.pagination import keyset_page


def list_page(
    session: Session,
    *,
    entity_type: str | None,
    entity_id: str | None,
    action: str | None,
    since: datetime | None,
    cursor: str | None,
    limit: int,
) -> Sequence[AuditEvent]:
    statement = select(AuditEvent)
    if entity_type:
        statement = statement.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        statement = statement.where(AuditEvent.entity_id == entity_id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    if since:
        statement = statement.where(AuditEvent.occurred_at >= since)
    statement = keyset_page(
        statement,
        sort_column=AuditEvent.occurred_at,
        id_column=AuditEvent.id,
        descending=True,
        cursor=cursor,
        limit=limit,
    )
    return session.scalars(statement).all()
