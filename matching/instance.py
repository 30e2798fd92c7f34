"""The input of a match run: households, children, units and what links them.

The service fills this from database rows; ids are its own strings (UUIDs or references).
Everything the engine needs is here, so the engine does no lookups of its own.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SchoolLevel = Literal["primary", "secondary", "special"]
UnitKind = Literal["emergency", "transitional", "other"]
# A household's need is met only by a unit that declares the same feature.
Need = Literal["wheelchair", "ground_floor", "pets", "medical"]
NEEDS: tuple[Need, ...] = ("wheelchair", "ground_floor", "pets", "medical")

Identifier = Annotated[str, Field(min_length=1, max_length=200)]
NonNegativeKm = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Coordinates(_Input):
    """A point in WGS84 (EPSG:4326) degrees."""

    latitude: float = Field(ge=-90.0, le=90.0)
    longitude: float = Field(ge=-180.0, le=180.0)


class Child(_Input):
    id: Identifier
    school_id: Identifier
    school_level: SchoolLevel
    # Overrides the policy's limit for this school level when set (e.g. agreed with the family).
    school_trip_limit_km: NonNegativeKm | None = None


class SafetyExclusion(_Input):
    """An area the household must stay out of (e.g. domestic violence): no unit closer than this."""

    center: Coordinates
    min_distance_km: float = Field(gt=0.0, allow_inf_nan=False)


class Household(_Input):
    id: Identifier
    adults: int = Field(ge=1, le=50)
    children: list[Child] = Field(default_factory=list)
    bedrooms_needed: int = Field(ge=0, le=50)
    needs: list[Need] = Field(default_factory=list)
    # Counted by the service from the start of the current episode to today (Europe/Amsterdam).
    days_in_temporary_housing: int = Field(ge=0)
    needed_from: date
    expected_stay_days: int = Field(ge=0)
    safety_exclusions: list[SafetyExclusion] = Field(default_factory=list)

    @property
    def members(self) -> int:
        return self.adults + len(self.children)


class Unit(_Input):
    id: Identifier
    kind: UnitKind
    bedrooms: int = Field(ge=0, le=50)
    max_occupants: int = Field(ge=1, le=100)
    features: list[Need] = Field(default_factory=list)
    available_from: date
    # None: open-ended.
    available_until: date | None = None
    max_stay_days: int | None = Field(default=None, ge=0)
    # Needed when the engine computes school trips itself or a household has safety exclusions.
    location: Coordinates | None = None
    # The groups a policy's placement caps count in; needed for each capped scope.
    building: Identifier | None = None
    neighbourhood: Identifier | None = None
    corporation: Identifier | None = None

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Unit:
        if self.available_until is not None and self.available_until < self.available_from:
            raise ValueError(f"unit {self.id}: available_until is before available_from")
        return self


class School(_Input):
    id: Identifier
    location: Coordinates


class Pair(_Input):
    household_id: Identifier
    unit_id: Identifier


# The unit groups a placement cap can count in (each unit names its own, see `Unit`).
CapScope = Literal["building", "neighbourhood", "corporation"]


class GroupHolding(_Input):
    """Households already in a group of units that are not part of this instance.

    A unit that is occupied, or reserved by an offer to a household outside the run, is not
    offered again, so it is left out of the instance; its household still counts towards a
    placement cap on the group (e.g. a building that may house one family). The service sends
    these; standalone use may leave them out.
    """

    scope: CapScope
    group: Identifier
    households: int = Field(ge=1, le=1_000_000)


class Instance(_Input):
    """Everything one match run decides over.

    School trips come in one of two ways:
    - `school_trip_km` (what the service sends): child id → unit id → geodesic km, only for
      pairs within reach; a pair that is missing is out of reach.
    - `schools` plus unit `location`s: the engine computes geodesic WGS84 distances itself.
    """

    households: list[Household]
    units: list[Unit]
    school_trip_km: dict[Identifier, dict[Identifier, NonNegativeKm]] | None = None
    schools: list[School] = Field(default_factory=list)
    # Offers already out or accepted: these stay exactly as they are.
    fixed_pairs: list[Pair] = Field(default_factory=list)
    # Offers once declined: never proposed again.
    excluded_pairs: list[Pair] = Field(default_factory=list)
    # Households in units outside the instance that placement caps count (see `GroupHolding`).
    held_elsewhere: list[GroupHolding] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_hold(self) -> Instance:
        _require_unique("household", [h.id for h in self.households])
        _require_unique("unit", [u.id for u in self.units])
        _require_unique("child", [c.id for h in self.households for c in h.children])
        _require_unique("school", [s.id for s in self.schools])
        household_ids = {h.id for h in self.households}
        unit_ids = {u.id for u in self.units}
        for kind, pairs in (("fixed", self.fixed_pairs), ("excluded", self.excluded_pairs)):
            for pair in pairs:
                if pair.household_id not in household_ids:
                    raise ValueError(f"{kind} pair: unknown household {pair.household_id!r}")
                if pair.unit_id not in unit_ids:
                    raise ValueError(f"{kind} pair: unknown unit {pair.unit_id!r}")
        _require_unique("fixed-pair household", [p.household_id for p in self.fixed_pairs])
        _require_unique("fixed-pair unit", [p.unit_id for p in self.fixed_pairs])
        _require_unique(
            "held_elsewhere group", [f"{h.scope} {h.group}" for h in self.held_elsewhere]
        )
        if {(p.household_id, p.unit_id) for p in self.fixed_pairs} & {
            (p.household_id, p.unit_id) for p in self.excluded_pairs
        }:
            raise ValueError("a pair cannot be both fixed and excluded")
        for household in self.households:
            if len(set(household.needs)) != len(household.needs):
                raise ValueError(f"household {household.id}: a need is listed twice")
        if any(h.safety_exclusions for h in self.households) and any(
            u.location is None for u in self.units
        ):
            raise ValueError("safety exclusions need a location on every unit")
        self._school_trips_resolvable(unit_ids)
        return self

    def _school_trips_resolvable(self, unit_ids: set[str]) -> None:
        children = [c for h in self.households for c in h.children]
        if self.school_trip_km is not None:
            child_ids = {c.id for c in children}
            for child_id, trips in self.school_trip_km.items():
                if child_id not in child_ids:
                    raise ValueError(f"school_trip_km: unknown child {child_id!r}")
                unknown = set(trips) - unit_ids
                if unknown:
                    raise ValueError(f"school_trip_km: unknown unit {sorted(unknown)[0]!r}")
            return
        if not children:
            return
        school_ids = {s.id for s in self.schools}
        for child in children:
            if child.school_id not in school_ids:
                raise ValueError(
                    f"child {child.id}: school {child.school_id!r} has no location; "
                    "give `schools` with locations or `school_trip_km`"
                )
        if any(u.location is None for u in self.units):
            raise ValueError("computing school trips needs a location on every unit")


def _require_unique(what: str, ids: list[str]) -> None:
    duplicates = [value for value, count in Counter(ids).items() if count > 1]
    if duplicates:
        raise ValueError(f"duplicate {what} id {sorted(duplicates)[0]!r}")
