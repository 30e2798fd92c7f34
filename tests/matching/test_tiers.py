"""The tier order, hand-checked: DOMAIN.md's worked example both ways and the named policies."""

from __future__ import annotations

import pytest

from matching import Instance, get_builtin_policy, solve
from matching.result import MatchingResult
from tests.matching.factories import child, household, unit


def _placed(result: MatchingResult) -> dict[str, str]:
    return {p.household_id: p.unit_id for p in result.proposals}


def _worked_example(*, a_trip_km: float, a_children: int) -> Instance:
    a_kids = [child(id=f"a{i}") for i in range(a_children)]
    b_kids = [child(id=f"b{i}") for i in range(2)]
    trips = {c.id: {"emergency": a_trip_km} for c in a_kids}
    trips |= {c.id: {"emergency": 2.0} for c in b_kids}
    return Instance(
        households=[
            household(id="A", children=a_kids, days_in_temporary_housing=600),
            household(id="B", children=b_kids, days_in_temporary_housing=10),
        ],
        units=[unit(id="emergency", kind="emergency")],
        school_trip_km=trips,
    )


def test_worked_example_long_wait_wins() -> None:
    # A: 20 − 2 × (8/5)² = 14.88; B: 0.33 − 2 × (2/5)² = 0.01. A gets the unit.
    result = solve(_worked_example(a_trip_km=8.0, a_children=2))
    assert _placed(result) == {"A": "emergency"}
    figures = result.proposals[0].figures
    assert figures.school_and_waiting_score == pytest.approx(14.88)
    (b,) = result.unmatched
    assert b.outranked_by[0].deciding_tier == "school_and_waiting"


def test_worked_example_long_trips_lose() -> None:
    # A with three children at 15 km: 20 − 3 × 9 = −7; B gets it.
    result = solve(_worked_example(a_trip_km=15.0, a_children=3))
    assert _placed(result) == {"B": "emergency"}
    assert result.unmatched[0].outranked_by[0].deciding_tier == "school_and_waiting"


def test_shorter_trip_never_bought_by_leaving_a_family_out() -> None:
    # Family F1 reaches both units, F2 only the far one. Giving F1 the near unit (its trip
    # 1 km instead of 14 km) would leave F2 without a place: placement comes first.
    instance = Instance(
        households=[
            household(id="F1", children=[child(id="c1")], days_in_temporary_housing=0),
            household(id="F2", children=[child(id="c2")], days_in_temporary_housing=0),
        ],
        units=[unit(id="near"), unit(id="far")],
        school_trip_km={"c1": {"near": 14.0, "far": 1.0}, "c2": {"far": 14.9}},
    )
    for name in ("default", "school-first", "waiting-first"):
        result = solve(instance, get_builtin_policy(name))
        assert _placed(result) == {"F1": "near", "F2": "far"}, name


def test_family_with_children_counts_before_other_households() -> None:
    # One unit, a family and two single adults who could each take it: the family first,
    # however long the others have waited.
    instance = Instance(
        households=[
            household(id="single-1", days_in_temporary_housing=3000),
            household(id="single-2", days_in_temporary_housing=3000),
            household(id="family", children=[child(id="c")]),
        ],
        units=[unit(id="u")],
        school_trip_km={"c": {"u": 14.0}},
    )
    assert _placed(solve(instance)) == {"family": "u"}


def test_long_waiting_household_wins_transitional_unit_with_equal_trips() -> None:
    instance = Instance(
        households=[
            household(id="new", children=[child(id="n")], days_in_temporary_housing=20),
            household(id="long", children=[child(id="l")], days_in_temporary_housing=400),
        ],
        units=[unit(id="transitional", kind="transitional"), unit(id="emergency")],
        school_trip_km={
            "n": {"transitional": 5.0, "emergency": 5.0},
            "l": {"transitional": 5.0, "emergency": 5.0},
        },
    )
    for name in ("default", "waiting-first", "school-first"):
        result = solve(instance, get_builtin_policy(name))
        assert _placed(result) == {"long": "transitional", "new": "emergency"}, name
    proposal = next(p for p in solve(instance).proposals if p.household_id == "new")
    assert proposal.best_alternative is not None
    assert proposal.best_alternative.unit_id == "transitional"
    assert proposal.best_alternative.taken_by_household_id == "long"
    assert proposal.best_alternative.deciding_tier == "school_and_waiting"


def test_school_first_and_waiting_first_disagree_where_they_should() -> None:
    # A waited long but its school is farther; B is new but close by. One unit.
    instance = Instance(
        households=[
            household(id="A", children=[child(id="a")], days_in_temporary_housing=900),
            household(id="B", children=[child(id="b")], days_in_temporary_housing=5),
        ],
        units=[unit(id="u")],
        school_trip_km={"a": {"u": 12.0}, "b": {"u": 2.0}},
    )
    assert _placed(solve(instance, get_builtin_policy("school-first"))) == {"B": "u"}
    assert _placed(solve(instance, get_builtin_policy("waiting-first"))) == {"A": "u"}
    # Default: A = 30 − 5.76 = 24.2 beats B = 0.17 − 0.16.
    assert _placed(solve(instance)) == {"A": "u"}


def test_fit_decides_only_when_everything_above_ties() -> None:
    instance = Instance(
        households=[household(id="small", bedrooms_needed=1)],
        units=[unit(id="big", bedrooms=4), unit(id="right", bedrooms=1)],
    )
    result = solve(instance)
    assert _placed(result) == {"small": "right"}
    alternative = result.proposals[0].best_alternative
    assert alternative is not None and alternative.deciding_tier == "fit"


def test_result_states_solver_bounds_and_resolution() -> None:
    result = solve(_worked_example(a_trip_km=8.0, a_children=2))
    assert result.solver.status == "optimal"
    assert [t.tier for t in result.solver.tiers] == ["placement", "school_and_waiting", "fit"]
    assert all(t.bound == t.objective for t in result.solver.tiers)
    assert "0.001 points" in result.cost_resolution
