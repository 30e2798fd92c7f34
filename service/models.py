"""Every table, imported in one place so Alembic sees the whole schema."""

from service.audit.models import AuditEvent
from service.core.db import Base

__all__ = ["AuditEvent", "Base"]
