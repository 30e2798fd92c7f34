"""Property tests against independent reference code (tests/matching/reference.py)."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from matching import Instance, Policy, get_builtin_policy, solve
from tests.matching.reference import (
    brute_force_optimum,
    feasible,
    greedy_families_placed,
    random_instance,
    tier_values,
)

POLICIES = ["default", "school-first", "waiting-first"]
_settings = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assignment(instance: Instance, policy: Policy) -> dict[str, str]:
    result = solve(instance, policy)
    return {p.household_id: p.unit_id for p in result.proposals}


@_settings
@given(seed=st.integers(0, 2**31), policy_name=st.sampled_from(POLICIES))
def test_hard_rules_always_hold(seed: int, policy_name: str) -> None:
    instance = random_instance(seed)
    policy = get_builtin_policy(policy_name)
    assignment = _assignment(instance, policy)
    fixed = {(p.household_id, p.unit_id) for p in instance.fixed_pairs}
    households = {h.id: h for h in instance.households}
    units = {u.id: u for u in instance.units}
    assert len(set(assignment.values())) == len(assignment), "a unit was given twice"
    assert fixed <= set(assignment.items()), "a fixed pair was not kept"
    for household_id, unit_id in assignment.items():
        if (household_id, unit_id) in fixed:
            continue
        assert feasible(instance, policy, households[household_id], units[unit_id])


@_settings
@given(seed=st.integers(0, 2**31), policy_name=st.sampled_from(POLICIES))
def test_tiers_match_brute_force_optimum(seed: int, policy_name: str) -> None:
    instance = random_instance(seed, max_households=5, max_units=4)
    policy = get_builtin_policy(policy_name)
    engine = tier_values(instance, policy, _assignment(instance, policy))
    assert engine == brute_force_optimum(instance, policy)


@_settings
@given(seed=st.integers(0, 2**31))
def test_families_placed_equal_a_maximum_matching(seed: int) -> None:
    instance = random_instance(seed, max_households=8, max_units=8)
    policy = get_builtin_policy("default")
    fixed_units = {p.unit_id for p in instance.fixed_pairs}
    fixed_households = {p.household_id for p in instance.fixed_pairs}
    families = [h for h in instance.households if h.children and h.id not in fixed_households]
    units = [u for u in instance.units if u.id not in fixed_units]
    biadjacency = np.array(
        [[feasible(instance, policy, h, u) for u in units] for h in families], dtype=np.int8
    ).reshape(len(families), len(units))
    matched = maximum_bipartite_matching(csr_matrix(biadjacency), perm_type="column")
    maximum = int((matched >= 0).sum())
    assignment = _assignment(instance, policy)
    placed_families = sum(1 for h in families if h.id in assignment)
    assert placed_families == maximum


@_settings
@given(seed=st.integers(0, 2**31), policy_name=st.sampled_from(POLICIES))
def test_never_fewer_families_than_greedy(seed: int, policy_name: str) -> None:
    instance = random_instance(seed, max_households=8, max_units=8)
    policy = get_builtin_policy(policy_name)
    result = solve(instance, policy)
    assert result.summary.families_with_children_placed >= greedy_families_placed(instance, policy)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_deterministic_whatever_the_input_order(seed: int) -> None:
    instance = random_instance(seed, max_households=8, max_units=8)
    rng = random.Random(seed)
    households = list(instance.households)
    units = list(instance.units)
    rng.shuffle(households)
    rng.shuffle(units)
    shuffled = instance.model_copy(update={"households": households, "units": units})
    first = solve(instance).model_dump(exclude={"timings"})
    again = solve(instance).model_dump(exclude={"timings"})
    reordered = solve(shuffled).model_dump(exclude={"timings"})
    assert first == again == reordered


@_settings
@given(seed=st.integers(0, 2**31))
def test_every_household_is_proposed_or_explained(seed: int) -> None:
    instance = random_instance(seed, max_households=8, max_units=8)
    result = solve(instance)
    ids = [p.household_id for p in result.proposals] + [u.household_id for u in result.unmatched]
    assert sorted(ids) == sorted(h.id for h in instance.households)
    households = {h.id: h for h in instance.households}
    policy = get_builtin_policy("default")
    for unmatched in result.unmatched:
        feasible_units = [
            u
            for u in instance.units
            if feasible(instance, policy, households[unmatched.household_id], u)
            and u.id not in {p.unit_id for p in instance.fixed_pairs}
        ]
        assert unmatched.feasible_units == len(feasible_units)
        if unmatched.reason == "no_feasible_unit":
            assert sum(r.units_failing for r in unmatched.rule_counts) == len(instance.units)
        else:
            assert unmatched.outranked_by


@_settings
@given(seed=st.integers(0, 2**31), policy_name=st.sampled_from(POLICIES))
def test_feasible_pairs_are_exactly_those_the_reference_rules_allow(
    seed: int, policy_name: str
) -> None:
    from matching.candidates import feasible_pairs, prepare

    instance = random_instance(seed, max_households=8, max_units=8)
    policy = get_builtin_policy(policy_name)
    prepared = prepare(instance=instance, policy=policy)
    pairs = feasible_pairs(prepared=prepared, policy=policy)
    found = {
        (prepared.household_ids[h], prepared.unit_ids[u])
        for h, u in zip(pairs.household.tolist(), pairs.unit.tolist(), strict=True)
    }
    fixed_households = {p.household_id for p in instance.fixed_pairs}
    fixed_units = {p.unit_id for p in instance.fixed_pairs}
    expected = {
        (h.id, u.id)
        for h in instance.households
        for u in instance.units
        if h.id not in fixed_households
        and u.id not in fixed_units
        and feasible(instance, policy, h, u)
    }
    assert found == expected
