"""Offers (a unit held for a household until it answers) and placements (the stay that follows).

The database refuses a double booking whoever writes: at most one offer holds a unit (open, or
accepted with its placement still running), at most one open offer per household, and at most
one running placement per unit and per household.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from service.core.columns import enum_check, version_column
from service.core.db import Base, TimestampMixin, new_id


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class OfferSource(enum.StrEnum):
    RUN = "run"
    HAND = "hand"


class DeclineReason(enum.StrEnum):
    HOUSEHOLD_REFUSED = "household_refused"
    UNIT_UNSUITABLE = "unit_unsuitable"
    SELF_RESOLVED = "self_resolved"
    NO_SHOW = "no_show"
    OTHER = "other"


class PlacementStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class PlacementEndReason(enum.StrEnum):
    MOVED_TO_PERMANENT_HOUSING = "moved_to_permanent_housing"
    MOVED_ELSEWHERE = "moved_elsewhere"
    EVICTED = "evicted"
    OTHER = "other"
    # Set by accepting an offer for a transitional unit while placed in an emergency unit.
    MOVED_ON = "moved_on"


class Offer(TimestampMixin, Base):
    __tablename__ = "offers"
    __table_args__ = (
        enum_check("status", OfferStatus),
        enum_check("source", OfferSource),
        CheckConstraint(
            "decline_reason IS NULL OR decline_reason IN "
            "('household_refused', 'unit_unsuitable', 'self_resolved', 'no_show', 'other')",
            name="decline_reason_allowed",
        ),
        # An open offer holds its unit; a declined, expired or cancelled one never does.
        CheckConstraint(
            "(status <> 'open' OR unit_released_at IS NULL) AND "
            "(status IN ('open', 'accepted') OR unit_released_at IS NOT NULL)",
            name="holds_unit_iff_open_or_placed",
        ),
        CheckConstraint("source <> 'hand' OR hand_reason IS NOT NULL", name="hand_has_reason"),
        # The double-booking guards (partial unique indexes; a conflict is a clean 409).
        Index(
            "uq_offers_unit_held",
            "unit_id",
            unique=True,
            postgresql_where=text("unit_released_at IS NULL"),
        ),
        Index(
            "uq_offers_household_open",
            "household_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"), index=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("match_runs.id"), index=True)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policies.id"))
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    made_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # The proposal's figures and explanation, or the hand offer's rule check.
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONB)
    hand_reason: Mapped[str | None] = mapped_column(Text)
    # Hard rules a desk overrode on a hand offer (reported in the children's-rights check).
    overridden_rules: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    override_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decline_reason: Mapped[str | None] = mapped_column(String(20))
    decline_text: Mapped[str | None] = mapped_column(Text)
    # When the unit stopped being held: the answer, the expiry, or the placement's end.
    unit_released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A declined pair is never proposed again, unless an admin clears it.
    decline_cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = version_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Placement(TimestampMixin, Base):
    __tablename__ = "placements"
    __table_args__ = (
        enum_check("status", PlacementStatus),
        CheckConstraint(
            "end_reason IS NULL OR end_reason IN ('moved_to_permanent_housing', "
            "'moved_elsewhere', 'evicted', 'other', 'moved_on')",
            name="end_reason_allowed",
        ),
        CheckConstraint("(status = 'ended') = (end_date IS NOT NULL)", name="ended_iff_end_date"),
        Index(
            "uq_placements_unit_active",
            "unit_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_placements_household_active",
            "household_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offers.id"), unique=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"), index=True)
    stay_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stays.id"), unique=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    end_text: Mapped[str | None] = mapped_column(Text)
    ended_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = version_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
