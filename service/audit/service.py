"""Appending to the audit trail: every state change goes through `record_event`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import insert
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.core.request_context import current_request_id


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    """Append one event, in the same transaction as the change: both land or neither."""
    event = AuditEvent(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=jsonable_encoder(before) if before is not None else None,
        after=jsonable_encoder(after) if after is not None else None,
        request_id=current_request_id(),
    )
    # Flushed with the next flush of the change it describes (at the latest, the commit).
    session.add(event)
    return event


def record_reads(
    session: Session, *, actor: str, entity_type: str, entity_ids: Sequence[Any], what: str
) -> None:
    """Append one `<entity_type>.read` event per record read (personal data: who saw whom)."""
    if not entity_ids:
        return
    request_id = current_request_id()
    session.execute(
        insert(AuditEvent),
        [
            {
                "id": uuid.uuid4(),
                "actor": actor,
                "action": f"{entity_type}.read",
                "entity_type": entity_type,
                "entity_id": str(entity_id),
                "after": {"read": what},
                "request_id": request_id,
            }
            for entity_id in entity_ids
        ],
    )
