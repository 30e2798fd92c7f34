from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from service.core.schemas import OutputModel


class AuditEventRead(OutputModel):
    id: uuid.UUID
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    redacted: bool = False
