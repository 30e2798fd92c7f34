"""Offers and placements at the API boundary."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from service.core.schemas import InputModel, OutputModel, SaneDate
from service.offers.models import DeclineReason, OfferSource, OfferStatus, PlacementStatus

# Free text a person writes (reasons): lines and tabs, but no other control character, NUL above
# all (PostgreSQL text cannot hold it).
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$"
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]


# The hard rules a desk may override on a hand offer, with a reason (never the one-unit-one-
# household rule: that one the database enforces).
OverridableRule = Literal[
    "occupants",
    "bedrooms",
    "needs",
    "availability",
    "safety_exclusion",
    "school_trip",
    "declined_before",
    # Not a hard rule but the policy's: the unit's building, neighbourhood or corporation is
    # already at its placement cap.
    "placement_cap",
]


class EndReason(enum.StrEnum):
    MOVED_TO_PERMANENT_HOUSING = "moved_to_permanent_housing"
    MOVED_ELSEWHERE = "moved_elsewhere"
    EVICTED = "evicted"
    OTHER = "other"


class OfferRead(OutputModel):
    id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    run_id: uuid.UUID | None
    source: OfferSource
    status: OfferStatus
    made_by: str
    created_at: datetime
    expires_at: datetime
    explanation: dict[str, Any] | None = Field(
        description="The proposal's figures and explanation (hidden from corporations: it "
        "names children's school trips)."
    )
    hand_reason: str | None
    overridden_rules: list[str]
    override_reason: str | None
    decided_at: datetime | None
    decided_by: str | None
    decline_reason: DeclineReason | None
    decline_text: str | None


class UnitRelevantNeeds(OutputModel):
    wheelchair: bool
    ground_floor: bool
    pets: bool


class CorporationOfferRead(OutputModel):
    """A corporation's view of an offer on one of its units: the unit, the dates, the household's
    size and the needs the unit must meet — never children, schools, case references, safety
    exclusions or eviction history."""

    view: Literal["corporation"] = "corporation"
    id: uuid.UUID
    unit_id: uuid.UUID
    unit_reference: str
    status: OfferStatus
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    household_size: int
    needs: UnitRelevantNeeds
    needed_from: date


class OfferPage(OutputModel):
    items: list[OfferRead | CorporationOfferRead]
    next_cursor: str | None = None


class HandOfferCreate(InputModel):
    household_id: uuid.UUID
    unit_id: uuid.UUID
    reason: Reason = Field(description="Why this offer, by hand.")
    override_rules: list[OverridableRule] = Field(
        default_factory=list,
        max_length=8,
        description=(
            "Hard rules this offer may break, and `placement_cap` when the unit's building, "
            "neighbourhood or corporation is already at the policy's cap; reported in the "
            "children's-rights check."
        ),
    )
    override_reason: Reason | None = None

    @model_validator(mode="after")
    def _override_needs_reason(self) -> HandOfferCreate:
        if self.override_rules and not self.override_reason:
            raise ValueError("override_reason is required when override_rules are given")
        if len(set(self.override_rules)) != len(self.override_rules):
            raise ValueError("override_rules: a rule is listed twice")
        return self


class OfferAccept(InputModel):
    move_in_on: SaneDate | None = Field(
        default=None, description="The day the stay starts; today when omitted."
    )


class OfferDecline(InputModel):
    reason: DeclineReason
    text: Reason | None = Field(default=None, description="Required with `other`.")

    @model_validator(mode="after")
    def _other_needs_text(self) -> OfferDecline:
        if self.reason == DeclineReason.OTHER and not self.text:
            raise ValueError("text is required when the reason is `other`")
        return self


class PlacementRead(OutputModel):
    id: uuid.UUID
    offer_id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    stay_id: uuid.UUID
    status: PlacementStatus
    start_date: date
    end_date: date | None
    end_reason: str | None
    end_text: str | None
    ended_by: str | None
    created_at: datetime


class CorporationPlacementRead(OutputModel):
    """A corporation's view of a placement in one of its units (see CorporationOfferRead)."""

    view: Literal["corporation"] = "corporation"
    id: uuid.UUID
    unit_id: uuid.UUID
    unit_reference: str
    status: PlacementStatus
    start_date: date
    end_date: date | None
    household_size: int
    needs: UnitRelevantNeeds


class PlacementPage(OutputModel):
    items: list[PlacementRead | CorporationPlacementRead]
    next_cursor: str | None = None


class PlacementEnd(InputModel):
    end_date: SaneDate = Field(description="The day the household left (exclusive end).")
    reason: EndReason
    text: Reason | None = Field(default=None, description="Required with `other`.")

    @model_validator(mode="after")
    def _other_needs_text(self) -> PlacementEnd:
        if self.reason == EndReason.OTHER and not self.text:
            raise ValueError("text is required when the reason is `other`")
        return self
