"""Helpers the desk's pages share: the person's own municipalities, and unit references shown
next to offers and stays."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy.orm import Session

from service.auth.principal import Principal
from service.core.errors import NotFound
from service.reference import service as reference
from service.units import service as units

T = TypeVar("T")


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
