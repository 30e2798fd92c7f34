"""What the match result page shows: the run's proposals and unmatched households joined with
the case references, units and schools a desk recognises, and the map of the proposals.

Pure: the page looks the records up through the services and passes them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matching import Instance, MatchingResult
from matching.result import Alternative
from service.runs.instance import NO_SCHOOL_ID
from service.web.i18n import dutch_number
from service.web.map_view import MapDrawing, Place, Trip, draw_map


@dataclass(frozen=True)
class ChildInfo:
    birth_year: int
    school_id: str | None


@dataclass(frozen=True)
class HouseholdInfo:
    case_reference: str
    children: dict[str, ChildInfo]


@dataclass(frozen=True)
class UnitInfo:
    reference: str
    corporation: str
    address: str
    kind: str


@dataclass(frozen=True)
class SchoolInfo:
    name: str
    brin_code: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class ChildTripView:
    birth_year: int | None
    school: str | None
    school_trip_km: float | None
    school_trip_limit_km: float
    over_limit: bool


@dataclass(frozen=True)
class ProposalView:
    household_id: str
    case_reference: str
    unit_id: str
    unit: UnitInfo | None
    fixed: bool
    children_placed: int
    trips: list[ChildTripView]
    days_in_temporary_housing: int
    explanation: str
    spare_bedrooms: int = 0
    # The best unit the household did not get: its name, who has it, and the tier that decided.
    alternative: str | None = None
    alternative_taken_by: str | None = None
    alternative_deciding_tier: str | None = None


@dataclass(frozen=True)
class UnmatchedView:
    household_id: str
    case_reference: str
    reason: str
    units_considered: int
    feasible_units: int
    rule_counts: list[tuple[str, int]]
    explanation: str


@dataclass
class ResultView:
    proposals: list[ProposalView] = field(default_factory=list)
    unmatched: list[UnmatchedView] = field(default_factory=list)
    map: MapDrawing | None = None

    @property
    def new_proposals(self) -> list[ProposalView]:
        """The proposals a commit turns into offers (fixed pairs are offers already)."""
        return [p for p in self.proposals if not p.fixed]


def _school_label(school: SchoolInfo | None) -> str | None:
    return f"{school.name} ({school.brin_code})" if school else None


def _readable(text: str, names: dict[str, str]) -> str:
    """The engine's explanation with the ids a desk does not know replaced by its own names."""
    for record_id, name in names.items():
        text = text.replace(record_id, name)
    return text


def _alternative_view(alternative: Alternative | None, names: dict[str, str]) -> dict[str, Any]:
    if alternative is None:
        return {}
    taken_by = alternative.taken_by_household_id
    return {
        "alternative": names.get(alternative.unit_id, alternative.unit_id),
        "alternative_taken_by": names.get(taken_by, taken_by) if taken_by else None,
        "alternative_deciding_tier": alternative.deciding_tier,
    }


def result_view(
    *,
    instance: Instance,
    result: MatchingResult,
    households: dict[str, HouseholdInfo],
    units: dict[str, UnitInfo],
    schools: dict[str, SchoolInfo],
) -> ResultView:
    """The run's result in the desk's terms, with the map of units, schools and trips."""
    view = ResultView()
    names = {key: h.case_reference for key, h in households.items()} | {
        key: f"{u.corporation} {u.reference}" for key, u in units.items()
    }
    map_trips: list[Trip] = []
    for proposal in result.proposals:
        household = households.get(proposal.household_id)
        children = household.children if household else {}
        trips = []
        for trip in proposal.figures.child_trips:
            child = children.get(trip.child_id)
            school_id = child.school_id if child else None
            if school_id in (None, NO_SCHOOL_ID):
                school_id = None
            over = trip.school_trip_km is None or trip.school_trip_km > trip.school_trip_limit_km
            school = schools.get(school_id) if school_id else None
            trips.append(
                ChildTripView(
                    birth_year=child.birth_year if child else None,
                    school=_school_label(school),
                    school_trip_km=trip.school_trip_km if school_id else None,
                    school_trip_limit_km=trip.school_trip_limit_km,
                    over_limit=bool(school_id) and over,
                )
            )
            if school_id and school is not None:
                distance = (
                    f"{dutch_number(trip.school_trip_km, 1)} km"
                    if trip.school_trip_km is not None
                    else "?"
                )
                map_trips.append(
                    Trip(
                        household_key=proposal.household_id,
                        unit_key=proposal.unit_id,
                        school_key=school_id,
                        label=(
                            f"{household.case_reference if household else proposal.household_id}"
                            f" → {school.name}: {distance}"
                        ),
                        over_limit=bool(school_id) and over,
                    )
                )
        view.proposals.append(
            ProposalView(
                household_id=proposal.household_id,
                case_reference=household.case_reference if household else proposal.household_id,
                unit_id=proposal.unit_id,
                unit=units.get(proposal.unit_id),
                fixed=proposal.fixed,
                children_placed=proposal.figures.children_placed,
                trips=trips,
                days_in_temporary_housing=proposal.figures.days_in_temporary_housing,
                explanation=_readable(proposal.explanation, names),
                spare_bedrooms=proposal.figures.spare_bedrooms,
                **_alternative_view(proposal.best_alternative, names),
            )
        )
    for unmatched in result.unmatched:
        household = households.get(unmatched.household_id)
        view.unmatched.append(
            UnmatchedView(
                household_id=unmatched.household_id,
                case_reference=household.case_reference if household else unmatched.household_id,
                reason=unmatched.reason,
                units_considered=unmatched.units_considered,
                feasible_units=unmatched.feasible_units,
                rule_counts=[(r.rule, r.units_failing) for r in unmatched.rule_counts],
                explanation=_readable(unmatched.explanation, names),
            )
        )

    proposed_units = {p.unit_id for p in result.proposals}
    unit_places = []
    for unit in instance.units:
        if unit.location is None:
            continue
        info = units.get(unit.id)
        # An unused unit is not looked up; the page names it by what it is on the map.
        label = f"{info.corporation} {info.reference}, {info.address}" if info else ""
        unit_places.append(
            Place(
                key=unit.id,
                lon=unit.location.longitude,
                lat=unit.location.latitude,
                label=label,
                proposed=unit.id in proposed_units,
            )
        )
    school_places = [
        Place(key=key, lon=school.lon, lat=school.lat, label=_school_label(school) or key)
        for key, school in sorted(schools.items())
        if school.lon is not None and school.lat is not None
    ]
    view.map = draw_map(units=unit_places, schools=school_places, trips=map_trips)
    return view
