"""Schools, by BRIN code plus branch number, with their location."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from service.core.columns import Location, enum_check, version_column
from service.core.db import Base, TimestampMixin, new_id


class SchoolLevel(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SPECIAL = "special"


class School(TimestampMixin, Base):
    __tablename__ = "schools"
    __table_args__ = (enum_check("level", SchoolLevel),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    brin_code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    municipality_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("municipalities.code"), index=True
    )
    location: Mapped[Any] = mapped_column(Location(), nullable=False)
    version: Mapped[int] = version_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
