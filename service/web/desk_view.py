"""Helpers the desk's pages share: form actions with the status to show them again with, the
person's own municipalities, and unit references shown next to offers and stays."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from service.auth.principal import Principal
from service.core.errors import DomainError, NotFound
from service.reference import service as reference
from service.units import service as units
from service.web.forms import FormErrors, attempt

T = TypeVar("T")


def attempt_with_status(
    session: Session, action: Callable[[], T]
) -> tuple[T | None, FormErrors, int]:
    """`attempt`, and the status the form is shown again with: 409 for a conflict, else 422."""
    seen: dict[str, int] = {}

    def watched() -> T:
        try:
            return action()
        except DomainError as exc:
            seen["status"] = exc.status
            raise

    result, errors = attempt(session, watched)
    return result, errors, 409 if seen.get("status") == 409 else 422


def own_municipalities(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """(code, name) of the municipalities this person works for (all, for an admin)."""
    return [
        (m.code, m.name)
        for m in reference.list_municipalities(session)
        if m.merged_into_code is None and principal.sees_municipality(m.code)
    ]


def unit_references_of(
    session: Session, principal: Principal, unit_ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The units' references and addresses, for the units this person may see."""
    found: dict[uuid.UUID, str] = {}
    for unit_id in unit_ids:
        try:
            unit = units.get_visible_unit(session, principal=principal, unit_id=unit_id)
        except NotFound:
            continue
        found[unit_id] = f"{unit.reference} ({unit.street} {unit.house_number}, {unit.city})"
    return found
