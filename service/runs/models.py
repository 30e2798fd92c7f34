"""A match run: what it decided over (a copy of the instance and its hash) and what came out."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.core.columns import enum_check
from service.core.db import Base, TimestampMixin, new_id
from service.policies.models import PolicyVersion


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class MatchRun(TimestampMixin, Base):
    __tablename__ = "match_runs"
    __table_args__ = (
        enum_check("status", RunStatus),
        CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_percent_range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    municipalities: Mapped[list[str]] = mapped_column(ARRAY(String(6)))
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policies.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    progress_stage: Mapped[str] = mapped_column(String(40), default="queued")
    requested_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    households_count: Mapped[int | None] = mapped_column(Integer)
    units_count: Mapped[int | None] = mapped_column(Integer)
    # SHA-256 of the canonical instance: a commit rebuilds it and compares (409 when changed).
    input_hash: Mapped[str | None] = mapped_column(String(64))
    instance: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    build_seconds: Mapped[float | None] = mapped_column(Float)
    solve_seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    committed_by: Mapped[str | None] = mapped_column(String(200))
    # Proposals the person left out at commit, each with their reason.
    commit_exclusions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)

    policy: Mapped[PolicyVersion] = relationship(lazy="joined", innerjoin=True)
