"""Column helpers shared by the feature models."""

from __future__ import annotations

import enum

from geoalchemy2 import Geography
from sqlalchemy import CheckConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column


def Location() -> Geography:
    """A WGS84 point as PostGIS `geography`, with a GiST index (created by GeoAlchemy2)."""
    return Geography(geometry_type="POINT", srid=4326, spatial_index=True)


def enum_check(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    """A CHECK constraint that keeps a string column within an enum's values.

    Plain strings plus a check (rather than native PostgreSQL enums) keep migrations simple:
    adding a value is a constraint change, not an ALTER TYPE.
    """
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


def version_column() -> Mapped[int]:
    """The row version behind ETags and If-Match; SQLAlchemy bumps it on every UPDATE."""
    return mapped_column(Integer, nullable=False, default=1)
