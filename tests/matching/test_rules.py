"""Hand-checked tiny instances: each hard rule, fixed and declined pairs, unmatched reasons."""

from __future__ import annotations

from datetime import date

import pytest

from matching import Coordinates, Instance, Pair, SafetyExclusion, School, solve
from matching.result import MatchingResult
from tests.matching.factories import child, household, unit


def _placed(result: MatchingResult) -> dict[str, str]:
    return {p.household_id: p.unit_id for p in result.proposals}


def _rule_counts(result: MatchingResult, household_id: str) -> dict[str, int]:
    unmatched = next(u for u in result.unmatched if u.household_id == household_id)
    assert unmatched.reason == "no_feasible_unit"
    return {r.rule: r.units_failing for r in unmatched.rule_counts}


def test_too_many_members_for_the_unit() -> None:
    instance = Instance(
        households=[household(id="h", adults=2, children=[child(id="c")])],
        units=[unit(id="small", max_occupants=2)],
        school_trip_km={"c": {"small": 1.0}},
    )
    result = solve(instance)
    assert _placed(result) == {}
    assert _rule_counts(result, "h")["occupants"] == 1


def test_too_few_bedrooms() -> None:
    instance = Instance(
        households=[household(id="h", bedrooms_needed=4)],
        units=[unit(id="u1", bedrooms=3), unit(id="u2", bedrooms=4)],
    )
    assert _placed(solve(instance)) == {"h": "u2"}
    only_small = Instance(households=instance.households, units=instance.units[:1])
    result = solve(only_small)
    assert _rule_counts(result, "h")["bedrooms"] == 1
    assert "fewer than 4 bedrooms" in result.unmatched[0].explanation


def test_needs_must_be_declared_by_the_unit() -> None:
    instance = Instance(
        households=[household(id="h", needs=["wheelchair", "pets"])],
        units=[
            unit(id="u1", features=["wheelchair"]),
            unit(id="u2", features=["pets", "wheelchair", "medical"]),
        ],
    )
    assert _placed(solve(instance)) == {"h": "u2"}
    lacking = Instance(households=instance.households, units=instance.units[:1])
    assert _rule_counts(solve(lacking), "h")["needs"] == 1


@pytest.mark.parametrize(
    ("available_from", "available_until", "max_stay_days", "fits"),
    [
        (date(2026, 3, 1), None, None, True),
        (date(2026, 3, 2), None, None, False),  # not yet available on the needed-from date
        (date(2026, 1, 1), date(2026, 5, 29), None, True),  # 89 days from 1 March: 29 May
        (date(2026, 1, 1), date(2026, 5, 28), None, False),  # ends before the expected stay
        (date(2026, 1, 1), None, 88, False),  # maximum stay too short
        (date(2026, 1, 1), None, 89, True),
    ],
)
def test_availability_window_and_stay(
    available_from: date, available_until: date | None, max_stay_days: int | None, fits: bool
) -> None:
    instance = Instance(
        households=[household(id="h", needed_from=date(2026, 3, 1), expected_stay_days=89)],
        units=[
            unit(
                id="u",
                available_from=available_from,
                available_until=available_until,
                max_stay_days=max_stay_days,
            )
        ],
    )
    result = solve(instance)
    assert (_placed(result) == {"h": "u"}) is fits
    if not fits:
        assert _rule_counts(result, "h")["availability"] == 1


def test_school_trip_limit_by_level_and_personal_override() -> None:
    trips = {"primary": {"u": 15.5}, "secondary": {"u": 15.5}, "personal": {"u": 15.5}}
    for child_id, level, limit, fits in [
        ("primary", "primary", None, False),  # 15 km default
        ("secondary", "secondary", None, True),  # 25 km default
        ("personal", "secondary", 10.0, False),  # the child's own limit wins
    ]:
        instance = Instance(
            households=[
                household(id="h", children=[child(id=child_id, school_level=level, limit_km=limit)])
            ],
            units=[unit(id="u")],
            school_trip_km={child_id: trips[child_id]},
        )
        result = solve(instance)
        assert (_placed(result) == {"h": "u"}) is fits, child_id
        if not fits:
            assert _rule_counts(result, "h")["school_trip"] == 1


def test_missing_school_trip_means_out_of_reach() -> None:
    instance = Instance(
        households=[household(id="h", children=[child(id="c")])],
        units=[unit(id="near"), unit(id="far")],
        school_trip_km={"c": {"near": 3.0}},
    )
    assert _placed(solve(instance)) == {"h": "near"}


def test_a_school_trip_of_zero_km_is_within_reach() -> None:
    # A unit next to the school: a trip of 0 km (and 0 points) must not vanish from the pairs.
    instance = Instance(
        households=[
            household(id="h1", children=[child(id="c1")]),
            household(id="h2", children=[child(id="c2"), child(id="c3")]),
        ],
        units=[unit(id="u1"), unit(id="u2")],
        school_trip_km={
            "c1": {"u1": 0.0, "u2": 3.0},
            "c2": {"u2": 0.0},
            "c3": {"u2": 2.0},
        },
    )
    result = solve(instance)
    assert _placed(result) == {"h1": "u1", "h2": "u2"}
    trips = {t.child_id: t.school_trip_km for p in result.proposals for t in p.figures.child_trips}
    assert trips == {"c1": 0.0, "c2": 0.0, "c3": 2.0}


def test_safety_exclusion_keeps_the_household_away() -> None:
    home = Coordinates(latitude=52.37, longitude=4.90)
    instance = Instance(
        households=[
            household(id="h", safety_exclusions=[SafetyExclusion(center=home, min_distance_km=5.0)])
        ],
        units=[
            unit(id="close").model_copy(
                update={"location": Coordinates(latitude=52.38, longitude=4.91)}
            ),
            unit(id="away").model_copy(
                update={"location": Coordinates(latitude=52.09, longitude=5.12)}
            ),
        ],
    )
    result = solve(instance)
    assert _placed(result) == {"h": "away"}
    only_close = Instance(households=instance.households, units=instance.units[:1])
    assert _rule_counts(solve(only_close), "h")["safety_exclusion"] == 1


def test_declined_pair_is_not_proposed_again() -> None:
    instance = Instance(
        households=[household(id="h")],
        units=[unit(id="u1"), unit(id="u2", bedrooms=3)],
        excluded_pairs=[Pair(household_id="h", unit_id="u1")],
    )
    assert _placed(solve(instance)) == {"h": "u2"}
    only = Instance(
        households=instance.households,
        units=instance.units[:1],
        excluded_pairs=instance.excluded_pairs,
    )
    assert _rule_counts(solve(only), "h")["declined_before"] == 1


def test_fixed_pairs_stay_and_take_their_unit() -> None:
    instance = Instance(
        households=[
            household(id="offered", days_in_temporary_housing=1),
            household(id="waiting-long", days_in_temporary_housing=900),
        ],
        units=[unit(id="u")],
        fixed_pairs=[Pair(household_id="offered", unit_id="u")],
    )
    result = solve(instance)
    assert _placed(result) == {"offered": "u"}
    assert result.proposals[0].fixed
    assert _rule_counts(result, "waiting-long")["unit_fixed_to_other_household"] == 1


def test_outranked_household_names_who_took_its_unit() -> None:
    instance = Instance(
        households=[
            household(id="family", children=[child(id="c")]),
            household(id="single", days_in_temporary_housing=2000),
        ],
        units=[unit(id="u")],
        school_trip_km={"c": {"u": 14.0}},
    )
    result = solve(instance)
    assert _placed(result) == {"family": "u"}
    (unmatched,) = result.unmatched
    assert unmatched.reason == "outranked"
    assert unmatched.outranked_by[0].household_id == "family"
    assert unmatched.outranked_by[0].deciding_tier == "placement"


def test_rule_counts_are_sequential() -> None:
    instance = Instance(
        households=[household(id="h", adults=3, bedrooms_needed=4)],
        units=[
            unit(id="tiny", max_occupants=2, bedrooms=1),
            unit(id="small", max_occupants=5, bedrooms=2),
            unit(id="late", max_occupants=5, bedrooms=4, available_from=date(2027, 1, 1)),
        ],
    )
    counts = _rule_counts(solve(instance), "h")
    assert counts["occupants"] == 1
    assert counts["bedrooms"] == 1
    assert counts["availability"] == 1
    assert sum(counts.values()) == 3


def test_engine_computes_geodesic_trips_from_coordinates() -> None:
    school = School(id="school", location=Coordinates(latitude=52.0, longitude=5.0))
    # About 14.9 km and 15.6 km north of the school.
    near = unit(id="near").model_copy(
        update={"location": Coordinates(latitude=52.134, longitude=5.0)}
    )
    far = unit(id="far").model_copy(
        update={"location": Coordinates(latitude=52.140, longitude=5.0)}
    )
    instance = Instance(
        households=[household(id="h", children=[child(id="c")])],
        units=[near, far],
        schools=[school],
    )
    result = solve(instance)
    assert _placed(result) == {"h": "near"}
    trip = result.proposals[0].figures.child_trips[0].school_trip_km
    assert trip == pytest.approx(14.9, abs=0.1)
