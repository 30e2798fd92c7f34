"""A first-come-first-served pass on the same instance, to compare the engine against.

How many desks work by hand: households in order of registration, each taking the feasible
unit nearest its children's schools. It uses the engine's own hard rules, so the comparison is
about the choice, never about feasibility.
"""

from __future__ import annotations

import numpy as np

from matching import Instance, Policy
from matching.candidates import feasible_pairs, prepare
from matching.greedy import nearest_free_unit_in_turn


def first_come_first_served(
    *, instance: Instance, policy: Policy, arrival_order: list[str]
) -> dict[str, str]:
    """Household id → unit id for the households this pass places (fixed pairs excluded)."""
    prepared = prepare(instance=instance, policy=policy)
    pairs = feasible_pairs(prepared=prepared, policy=policy, with_trip_km=True)
    household_index = {h: i for i, h in enumerate(prepared.household_ids)}
    order = np.asarray(
        [household_index[h] for h in arrival_order if h in household_index], dtype=np.int64
    )
    unit_of_household = nearest_free_unit_in_turn(prepared=prepared, pairs=pairs, order=order)
    return {
        prepared.household_ids[household]: prepared.unit_ids[unit_of_household[household]]
        for household in order.tolist()
        if unit_of_household[household] >= 0
    }
