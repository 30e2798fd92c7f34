"""The lexicographic flow solver against brute force, on small random networks.

`solve` merges small tiers into one solve, so on test-sized instances the placement tier is
rarely solved alone; these tests drive `solve_lexicographic` directly, with a candidate set too
small to hold the optimum, so the maximum-flow mending, the pricing rounds and the repairs all
run, and check every tier's optimum against an enumeration of all assignments.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.costs import placement_weights
from matching.flow import ClassArcs, Tier, _with_class_arcs, solve_lexicographic

_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assignments(
    arcs: dict[int, list[int]], n_households: int
) -> itertools.chain[tuple[int | None, ...]]:
    """Every assignment of households to distinct units they have an arc to (or none)."""

    def extend(household: int, taken: frozenset[int]) -> list[tuple[int | None, ...]]:
        if household == n_households:
            return [()]
        found: list[tuple[int | None, ...]] = []
        for unit in [None, *arcs.get(household, [])]:
            if unit is not None and unit in taken:
                continue
            rest = extend(household + 1, taken | {unit} if unit is not None else taken)
            found.extend((unit, *tail) for tail in rest)
        return found

    return itertools.chain(extend(0, frozenset()))


@_settings
@given(seed=st.integers(0, 2**31))
def test_tiers_are_optimal_in_strict_order_against_enumeration(seed: int) -> None:
    rng = random.Random(seed)
    n_households = rng.randint(1, 6)
    n_units = rng.randint(1, 6)
    pairs = sorted(
        (household, unit)
        for household in range(n_households)
        for unit in range(n_units)
        if rng.random() < 0.45
    )
    pair_household = np.asarray([h for h, _ in pairs], dtype=np.int64)
    pair_unit = np.asarray([u for _, u in pairs], dtype=np.int64)
    is_family = np.asarray([rng.random() < 0.5 for _ in range(n_households)])
    weights = placement_weights(is_family)
    # Large second-tier costs keep the tiers apart (no merged solve), so placement is alone.
    second = np.asarray([rng.randint(-(10**9), 10**9) for _ in pairs], dtype=np.int64)
    third = np.asarray([rng.randint(0, 4) for _ in pairs], dtype=np.int64)
    tiers = [
        Tier("placement", lambda index: np.zeros(len(index), np.int64), weights),
        Tier("second", lambda index: second[index], np.zeros(n_households, np.int64)),
        Tier("third", lambda index: third[index], np.zeros(n_households, np.int64)),
    ]
    # A tiny first guess: the optimum usually lies outside it.
    initial = np.asarray([rng.random() < 0.2 for _ in pairs], dtype=bool)
    solution = solve_lexicographic(
        n_households=n_households,
        n_units=n_units,
        pair_household=pair_household,
        pair_unit=pair_unit,
        tiers=tiers,
        initial_candidates=initial,
        added_per_household=1,
    )

    arcs: dict[int, list[int]] = {}
    index_of: dict[tuple[int, int], int] = {}
    for index, (household, unit) in enumerate(pairs):
        arcs.setdefault(household, []).append(unit)
        index_of[(household, unit)] = index

    def values(assignment: tuple[int | None, ...]) -> tuple[int, int, int]:
        chosen = [
            index_of[(household, unit)]
            for household, unit in enumerate(assignment)
            if unit is not None
        ]
        unplaced = sum(int(weights[h]) for h, unit in enumerate(assignment) if unit is None)
        return unplaced, int(second[chosen].sum()), int(third[chosen].sum())

    best = min(values(a) for a in _assignments(arcs, n_households))
    found = tuple(
        solution.pair_of_household[h] if solution.pair_of_household[h] >= 0 else None
        for h in range(n_households)
    )
    got = values(tuple(None if p is None else int(pair_unit[p]) for p in found))
    assert [t.objective for t in solution.tiers] == list(best)
    assert got == best


def test_arc_costs_are_the_same_for_sorted_and_unsorted_arcs() -> None:
    """The face is sorted and read as three slices; any other arc list goes by masks. Both must
    give each arc its own cost: a pair's from the tier, a class arc's from the classes, 0 for a
    class → unit arc."""
    rng = np.random.default_rng(7)
    n_pairs, n_class_arcs, n_unit_arcs = 50, 12, 9
    pair_costs = rng.integers(-1000, 1000, n_pairs)
    class_costs = rng.integers(-1000, 1000, n_class_arcs)
    tier = Tier(
        name="fit",
        pair_cost=lambda index: pair_costs[index],
        bypass_cost=np.zeros(4, dtype=np.int64),
    )
    classes = ClassArcs(
        n_classes=3,
        household=rng.integers(0, 4, n_class_arcs),
        klass=rng.integers(0, 3, n_class_arcs),
        cost={"fit": class_costs},
        unit_class=rng.integers(0, 3, n_unit_arcs),
        unit=rng.integers(0, 5, n_unit_arcs),
    )
    arc_cost = _with_class_arcs(tier, classes, n_pairs).pair_cost
    expected = np.concatenate([pair_costs, class_costs, np.zeros(n_unit_arcs, dtype=np.int64)])
    every_arc = np.arange(n_pairs + n_class_arcs + n_unit_arcs)
    for arcs in (
        every_arc,
        np.sort(rng.choice(every_arc, 30, replace=False)),
        rng.permutation(every_arc),
        rng.choice(every_arc, 30, replace=False),
        every_arc[n_pairs:],
        every_arc[:0],
    ):
        assert np.array_equal(arc_cost(arcs), expected[arcs])
