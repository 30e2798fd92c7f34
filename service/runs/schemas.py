"""Match runs at the API boundary: the request, the run, its proposals and unmatched households,
the summary with its children's-rights check, and the commit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from service.core.schemas import InputModel, MunicipalityCode, OutputModel
from service.offers.schemas import Reason
from service.policies.schemas import PolicyReference
from service.runs.models import RunStatus

MAX_SCOPE_MUNICIPALITIES = 50


class RunCreate(InputModel):
    municipalities: list[MunicipalityCode] = Field(
        min_length=1,
        max_length=MAX_SCOPE_MUNICIPALITIES,
        description="The run's scope: households and units in these municipalities.",
    )
    policy: PolicyReference | None = Field(
        default=None, description="`name@version`; the latest `default` when omitted."
    )


class ChildOverLimit(OutputModel):
    household_id: str
    child_id: str
    unit_id: str
    # None: the trip could not be measured (the child's school has no location).
    school_trip_km: float | None
    school_trip_limit_km: float


class FamilyWithoutOffer(OutputModel):
    household_id: str
    children: int
    days_in_temporary_housing: int
    reason: str
    explanation: str


class RemainingStay(OutputModel):
    household_id: str
    children: int
    days_in_temporary_housing: int


class ChildrensRightsCheck(OutputModel):
    """What the run means for children, as the ombudsmen ask (mensen- en kinderrechtentoets)."""

    children_placed: int = Field(description="Children in households this run proposes a unit to.")
    children_over_trip_limit: int = Field(
        description="Children whose school trip exceeds their limit: zero unless a desk "
        "overrode the school-reach rule on a hand offer."
    )
    children_over_trip_limit_detail: list[ChildOverLimit]
    families_with_children_without_offer: int
    families_with_children_without_offer_detail: list[FamilyWithoutOffer]
    longest_remaining_stays: list[RemainingStay] = Field(
        description="The longest stays in temporary housing this run does not end."
    )


class Outcome(OutputModel):
    """One way of placing: the engine's proposals or a first-come-first-served pass."""

    households_placed: int
    families_with_children_placed: int
    children_placed: int
    mean_school_trip_km: float | None
    max_school_trip_km: float | None
    mean_days_in_temporary_housing_placed: float | None


class RunSummary(OutputModel):
    households: int
    units: int
    fixed_pairs: int = Field(description="Offers already out, kept as they are.")
    proposals: int = Field(description="New pairs this run proposes.")
    unmatched: int
    outcome: Outcome = Field(description="What the proposals achieve (fixed pairs left out).")
    first_come_first_served: Outcome = Field(
        description="What a first-come-first-served pass (by registration, each household "
        "taking the feasible unit nearest its schools) would do on the same data."
    )
    childrens_rights: ChildrensRightsCheck


class RunRead(OutputModel):
    id: uuid.UUID
    status: RunStatus
    progress_percent: int
    progress_stage: str
    municipalities: list[str]
    policy: str = Field(description="`name@version` of the policy the run used.")
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    households: int | None
    units: int | None
    input_hash: str | None = Field(description="SHA-256 of the instance the run decided over.")
    summary: RunSummary | None
    statistics: dict[str, Any] | None = Field(
        description="The solver's report and timings (build, solve)."
    )
    error: str | None
    committed_at: datetime | None
    committed_by: str | None


class ProposalRead(OutputModel):
    household_id: str
    unit_id: str
    fixed: bool = Field(description="An offer already out, passed through unchanged.")
    figures: dict[str, Any]
    best_alternative: dict[str, Any] | None
    explanation: str


class UnmatchedRead(OutputModel):
    household_id: str
    reason: str
    units_considered: int
    feasible_units: int
    rule_counts: list[dict[str, Any]]
    outranked_by: list[dict[str, Any]]
    explanation: str


class ProposalPage(OutputModel):
    items: list[ProposalRead]
    next_cursor: str | None = None


class UnmatchedPage(OutputModel):
    items: list[UnmatchedRead]
    next_cursor: str | None = None


class CommitExclusion(InputModel):
    household_id: uuid.UUID = Field(description="A proposal the person leaves out.")
    reason: Reason = Field(description="Why this proposal is left out.")


class RunCommit(InputModel):
    exclusions: list[CommitExclusion] = Field(
        default_factory=list,
        max_length=10_000,
        description="Proposals left out, each with its reason; all others become offers.",
    )


class CommitResult(OutputModel):
    run_id: uuid.UUID
    committed_by: str
    offers: list[uuid.UUID]
    left_out: list[CommitExclusion]
