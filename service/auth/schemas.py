from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from service.auth.models import Role
from service.core.schemas import CorporationCode, InputModel, MunicipalityCode, Name, OutputModel


class ApiKeyCreate(InputModel):
    person: Name = Field(description="The named person who will use this key.")
    role: Role
    municipalities: list[MunicipalityCode] = Field(default_factory=list)
    corporation: CorporationCode | None = None
    scopes: list[str] = Field(default_factory=list, description="For integrations.")
    expires_at: datetime | None = None


class ApiKeyRotate(InputModel):
    grace_hours: int = Field(
        default=168, ge=0, le=24 * 90, description="How long the old key keeps working."
    )


class ApiKeyRead(OutputModel):
    id: uuid.UUID
    prefix: str
    person: str
    role: Role
    municipalities: list[str]
    corporation_id: uuid.UUID | None
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    replaced_by_id: uuid.UUID | None
    created_at: datetime


class ApiKeyCreated(ApiKeyRead):
    token: str = Field(description="The key itself. Shown once: it is stored only as a hash.")
