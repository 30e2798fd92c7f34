"""A first-come-first-served pass on the same instance, to compare the engine against.

How many desks work by hand: households in order of registration, each taking the feasible
unit nearest its children's schools. It uses the engine's own hard rules, so the comparison is
about the choice, never about feasibility.
"""

from __future__ import annotations

import numpy as np

from matching import Instance, Policy
from matching.candidates import feasible_pairs, prepare


def first_come_first_served(
    *, instance: Instance, policy: Policy, arrival_order: list[str]
) -> dict[str, str]:
    """Household id → unit id for the households this pass places (fixed pairs excluded)."""
    prepared = prepare(instance=instance, policy=policy)
    pairs = feasible_pairs(prepared=prepared, policy=policy, with_trip_km=True)
    household_index = {h: i for i, h in enumerate(prepared.household_ids)}
    bounds = np.searchsorted(pairs.household, np.arange(prepared.n_households + 1))
    km_total = pairs.school_trip_km_total
    if km_total is None:
        raise ValueError("the greedy baseline needs feasible_pairs(..., with_trip_km=True)")
    taken = np.zeros(prepared.n_units, dtype=bool)
    taken[prepared.fixed_unit] = True
    placed: dict[str, str] = {}
    for household_id in arrival_order:
        household = household_index.get(household_id)
        if household is None:
            continue
        lo, hi = int(bounds[household]), int(bounds[household + 1])
        units = pairs.unit[lo:hi]
        free = ~taken[units]
        if not free.any():
            continue
        km = np.where(free, km_total[lo:hi], np.inf)
        unit = int(units[int(np.argmin(km))])
        taken[unit] = True
        placed[household_id] = prepared.unit_ids[unit]
    return placed
