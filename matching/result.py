"""The output of a match run: proposals with explanations, unmatched households with reasons."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from matching.policies import TierName

SolverStatus = Literal["optimal", "feasible", "time_limit", "infeasible"]
HardRule = Literal[
    "occupants",
    "bedrooms",
    "needs",
    "availability",
    "safety_exclusion",
    "school_trip",
    "declined_before",
    "unit_fixed_to_other_household",
]


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChildTrip(_Output):
    child_id: str
    # None: out of reach or unknown (only possible on a fixed pair).
    school_trip_km: float | None
    school_trip_limit_km: float


class PairFigures(_Output):
    """The value of each tier for one household on one unit."""

    children_placed: int
    child_trips: list[ChildTrip]
    school_trip_points: float
    days_in_temporary_housing: int
    waiting_points: float
    # Waiting points minus school-trip points: the default policy's tier-2 score (higher wins).
    school_and_waiting_score: float
    spare_bedrooms: int


class Alternative(_Output):
    """The best unit this household did not get, and why."""

    unit_id: str
    figures: PairFigures
    taken_by_household_id: str | None
    # The first tier that would get worse with the household on this unit instead.
    deciding_tier: TierName | None
    reason: str


class Proposal(_Output):
    household_id: str
    unit_id: str
    # True for an offer already out or accepted: passed through unchanged.
    fixed: bool
    figures: PairFigures
    best_alternative: Alternative | None
    explanation: str


class RuleCount(_Output):
    rule: HardRule
    # Units that pass every earlier rule but fail this one.
    units_failing: int


class OutrankedBy(_Output):
    unit_id: str
    # None: the unit is free, but its group is at the policy's placement cap.
    household_id: str | None
    deciding_tier: TierName | None
    reason: str


class Unmatched(_Output):
    household_id: str
    # cap_reached: some feasible unit is free, but its group is at the policy's placement cap.
    reason: Literal["no_feasible_unit", "outranked", "cap_reached"]
    units_considered: int
    feasible_units: int
    rule_counts: list[RuleCount]
    outranked_by: list[OutrankedBy]
    explanation: str


class TierOutcome(_Output):
    tier: TierName
    # In scaled integer cost units (see cost_resolution); lower is better.
    objective: int
    # A lower bound from the dual prices (LP duality); equal to the objective when optimal.
    bound: int
    status: SolverStatus
    # Tiers solved in one flow, their costs combined with integer weights that the engine derives
    # from the instance's bounds and checks to exceed the whole range of the tiers below.
    solved_with: list[TierName]


class SolverReport(_Output):
    name: str
    status: SolverStatus
    tiers: list[TierOutcome]
    feasible_pairs: int
    # Pairs the flow solver saw in the end; the rest were proven unneeded by their dual prices.
    candidate_pairs: int
    # Passes that priced every left-out pair; `flow_solves` of them followed a min-cost flow
    # solve, the others a repair of the last flow (few new arcs: negative cycles cancelled).
    pricing_rounds: int
    flow_solves: int
    # Households placed beyond a policy's placement cap: a cap never leaves a family with
    # children without a place, so a group may exceed it for that, by as little as possible.
    cap_excess: int = 0


class Timings(_Output):
    candidates_s: float
    solve_s: float
    explanations_s: float
    total_s: float
    # CPU time of this process over the whole solve: on a busy machine a fairer figure than wall.
    total_cpu_s: float


class Summary(_Output):
    households: int
    units: int
    households_placed: int
    families_with_children_placed: int
    children_placed: int
    mean_school_trip_km: float | None
    max_school_trip_km: float | None
    mean_days_in_temporary_housing_placed: float | None


class MatchingResult(_Output):
    policy_name: str
    policy_version: int
    proposals: list[Proposal]
    unmatched: list[Unmatched]
    summary: Summary
    solver: SolverReport
    cost_resolution: str
    # Wall-clock figures: the only part of the result that differs between identical runs.
    timings: Timings
