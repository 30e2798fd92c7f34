"""Reference data: municipalities (merged ones stay valid as aliases) and corporations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from service.core.errors import Conflict, FieldError, Invalid, NotFound
from service.reference import repository
from service.reference.models import Corporation, Municipality
from service.reference.schemas import (
    CorporationCreate,
    CorporationUpdate,
    MunicipalityCreate,
    MunicipalityUpdate,
)

MAX_MERGE_CHAIN = 20


def resolve_municipality(session: Session, code: str, *, field: str = "municipality") -> str:
    """The current code for `code`, following mergers; Invalid (naming `field`) if unknown."""
    current = repository.get_municipality(session, code.upper())
    for _ in range(MAX_MERGE_CHAIN):
        if current is None:
            raise Invalid(
                f"Municipality {code!r} does not exist.",
                errors=[FieldError(field=field, message=f"unknown municipality {code!r}")],
            )
        if current.merged_into_code is None:
            return current.code
        current = repository.get_municipality(session, current.merged_into_code)
    raise Invalid(f"Municipality {code!r} has a merger chain that does not end.")


def create_municipality(session: Session, *, data: MunicipalityCreate) -> Municipality:
    if repository.get_municipality(session, data.code) is not None:
        raise Conflict(f"Municipality {data.code} already exists.")
    merged_into = (
        resolve_municipality(session, data.merged_into, field="merged_into")
        if data.merged_into
        else None
    )
    municipality = Municipality(
        code=data.code, name=data.name, region=data.region, merged_into_code=merged_into
    )
    session.add(municipality)
    session.flush()
    return municipality


def get_municipality(session: Session, *, code: str) -> Municipality:
    municipality = repository.get_municipality(session, code.upper())
    if municipality is None:
        raise NotFound(f"Municipality {code} does not exist.")
    return municipality


def update_municipality(session: Session, *, code: str, data: MunicipalityUpdate) -> Municipality:
    municipality = get_municipality(session, code=code)
    changes = data.model_dump(exclude_unset=True)
    if "merged_into" in changes:
        target = changes.pop("merged_into")
        if target is not None:
            target = resolve_municipality(session, target, field="merged_into")
            if target == municipality.code:
                raise Invalid("A municipality cannot merge into itself.")
        municipality.merged_into_code = target
    for name, value in changes.items():
        setattr(municipality, name, value)
    session.flush()
    return municipality


def list_municipalities(session: Session) -> Sequence[Municipality]:
    return repository.list_municipalities(session)


def _municipalities(session: Session, codes: Sequence[str]) -> list[Municipality]:
    resolved = sorted(
        {
            resolve_municipality(session, code, field=f"municipalities.{i}")
            for i, code in enumerate(codes)
        }
    )
    return list(repository.get_municipalities(session, resolved))


def create_corporation(session: Session, *, data: CorporationCreate) -> Corporation:
    if repository.get_corporation_by_code(session, data.code) is not None:
        raise Conflict(f"Corporation {data.code} already exists.")
    corporation = Corporation(
        code=data.code, name=data.name, municipalities=_municipalities(session, data.municipalities)
    )
    session.add(corporation)
    session.flush()
    return corporation


def get_corporation(session: Session, *, code: str) -> Corporation:
    corporation = repository.get_corporation_by_code(session, code)
    if corporation is None:
        raise NotFound(f"Corporation {code} does not exist.")
    return corporation


def update_corporation(session: Session, *, code: str, data: CorporationUpdate) -> Corporation:
    corporation = get_corporation(session, code=code)
    if data.name is not None:
        corporation.name = data.name
    if data.municipalities is not None:
        corporation.municipalities = _municipalities(session, data.municipalities)
    session.flush()
    return corporation


def list_corporations(session: Session) -> Sequence[Corporation]:
    return repository.list_corporations(session)
