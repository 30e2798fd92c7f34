"""Queries on policy versions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.policies.models import PolicyVersion


def get_version(session: Session, *, name: str, version: int) -> PolicyVersion | None:
    return session.scalars(
        select(PolicyVersion).where(PolicyVersion.name == name, PolicyVersion.version == version)
    ).one_or_none()


def get_latest(session: Session, *, name: str) -> PolicyVersion | None:
    return session.scalars(
        select(PolicyVersion)
        .where(PolicyVersion.name == name)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    ).one_or_none()


def list_versions(session: Session, *, name: str | None = None) -> Sequence[PolicyVersion]:
    statement = select(PolicyVersion).order_by(PolicyVersion.name, PolicyVersion.version)
    if name is not None:
        statement = statement.where(PolicyVersion.name == name)
    return session.scalars(statement).all()


def lock_name(session: Session, *, name: str) -> None:
    """Serialise version numbering of one name until the transaction ends."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"policies:{name}"))))


def next_version(session: Session, *, name: str) -> int:
    latest = session.scalar(
        select(func.max(PolicyVersion.version)).where(PolicyVersion.name == name)
    )
    return (latest or 0) + 1
