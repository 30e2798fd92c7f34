"""Matching policies: the hard-rule parameters and the strictly ordered objective tiers.

A policy is data (JSON-serialisable), named and versioned: every run records the exact version.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matching.instance import CapScope

# The tiers a policy can order. `placement` is always first: an eviction must never end in
# homelessness when a feasible unit exists, and families with children count first.
TierName = Literal["placement", "school_and_waiting", "school_trips", "waiting", "fit"]


_DEFAULT_TIERS: tuple[TierName, ...] = ("placement", "school_and_waiting", "fit")


class SchoolTripLimits(BaseModel):
    """Default school-trip limits by school level; a child's personal limit overrides these."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    primary_km: float = Field(default=15.0, gt=0.0, le=200.0)
    secondary_km: float = Field(default=25.0, gt=0.0, le=200.0)
    special_km: float = Field(default=40.0, gt=0.0, le=200.0)

    def for_level(self, school_level: str) -> float:
        return {
            "primary": self.primary_km,
            "secondary": self.secondary_km,
            "special": self.special_km,
        }[school_level]


class PlacementCap(BaseModel):
    """At most `max_households` households placed in each group of units of `scope`.

    With `group`, only in that one group (e.g. one neighbourhood under pressure); without it, in
    every group of the scope. Households already holding an offer or a placement there count:
    those in the instance's units as fixed pairs, those in units outside it by the instance's
    `held_elsewhere`. Every cap applies, so the tightest one binds. Caps keep vulnerable households
    from being concentrated in one building or area, or set a quota per corporation.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    scope: CapScope
    max_households: int = Field(ge=0, le=1_000_000)
    group: str | None = Field(default=None, min_length=1, max_length=200)


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1)
    description: str = ""
    school_trip_limits: SchoolTripLimits = Field(default_factory=SchoolTripLimits)
    # Each child's trip costs (school_trip_km / trip_scale_km) ** trip_power points.
    trip_scale_km: float = Field(default=5.0, gt=0.0, le=1000.0)
    # At least 1 so the cost stays convex: one very long trip weighs more than two short ones.
    trip_power: float = Field(default=2.0, ge=1.0, le=4.0)
    # Time already in temporary housing earns days_in_temporary_housing / days_per_point points.
    days_per_waiting_point: float = Field(default=30.0, gt=0.0, le=3650.0)
    # ...times this factor on a transitional unit: those should end the longest stays first.
    transitional_waiting_factor: float = Field(default=1.5, ge=1.0, le=10.0)
    tiers: list[TierName] = Field(default_factory=lambda: list(_DEFAULT_TIERS))
    # Scores are real numbers; the solver needs integers. One integer step is this many points.
    score_resolution_points: float = Field(default=0.001, gt=0.0, le=1.0)
    # Side constraints: they break the assignment structure, so a run whose flow optimum breaks
    # one is solved again as a MIP by HiGHS (see `matching.caps`).
    placement_caps: list[PlacementCap] = Field(default_factory=list)

    @model_validator(mode="after")
    def _tiers_make_sense(self) -> Policy:
        if len(set(self.tiers)) != len(self.tiers):
            raise ValueError("tiers: a tier is listed twice")
        if not self.tiers or self.tiers[0] != "placement":
            raise ValueError("tiers: 'placement' must come first (nobody left without a place)")
        together = "school_and_waiting" in self.tiers
        apart = {"school_trips", "waiting"} & set(self.tiers)
        if together and apart:
            raise ValueError(
                "tiers: 'school_and_waiting' already weighs school trips and waiting together; "
                "it cannot be combined with 'school_trips' or 'waiting'"
            )
        caps = [(cap.scope, cap.group) for cap in self.placement_caps]
        if len(set(caps)) != len(caps):
            raise ValueError(
                "placement_caps: a cap is listed twice for the same scope and group; "
                "give one maximum per scope and group"
            )
        if not together and len(apart) != 2:
            raise ValueError(
                "tiers: school trips and waiting must both count, either together "
                "('school_and_waiting') or apart ('school_trips' and 'waiting')"
            )
        return self


DEFAULT_POLICY = Policy(
    name="default",
    version=1,
    description=(
        "Tier 1: nobody left without a place, families with children first. "
        "Tier 2: school trips and time in temporary housing together at a published rate. "
        "Tier 3: fit (no spare bedrooms wasted)."
    ),
)

SCHOOL_FIRST_POLICY = Policy(
    name="school-first",
    version=1,
    description="Placement, then school trips, then time in temporary housing, then fit.",
    tiers=["placement", "school_trips", "waiting", "fit"],
)

WAITING_FIRST_POLICY = Policy(
    name="waiting-first",
    version=1,
    description="Placement, then time in temporary housing, then school trips, then fit.",
    tiers=["placement", "waiting", "school_trips", "fit"],
)

BUILTIN_POLICIES: dict[str, Policy] = {
    policy.name: policy for policy in (DEFAULT_POLICY, SCHOOL_FIRST_POLICY, WAITING_FIRST_POLICY)
}


def get_builtin_policy(name: str) -> Policy:
    try:
        return BUILTIN_POLICIES[name]
    except KeyError:
        known = ", ".join(sorted(BUILTIN_POLICIES))
        raise ValueError(f"unknown policy {name!r}; built in: {known}") from None
