"""Who is calling: the person behind a key, their role and the tenant they may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from service.auth.models import Role


@dataclass(frozen=True)
class Principal:
    person: str
    role: Role
    key_id: uuid.UUID | None = None
    # A desk's municipalities; empty for other roles.
    municipalities: frozenset[str] = field(default_factory=frozenset)
    # A corporation's id; None for other roles.
    corporation_id: uuid.UUID | None = None
    # An integration's explicit scopes, e.g. "units:write".
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        return f"{self.person} ({self.role.value})"

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def sees_municipality(self, code: str) -> bool:
        return self.is_admin or code in self.municipalities

    def sees_corporation(self, corporation_id: uuid.UUID) -> bool:
        return self.is_admin or self.corporation_id == corporation_id


# Used where there is no caller: the CLI, migrations, the demo loader.
SYSTEM = Principal(person="onderdak-system", role=Role.ADMIN)
