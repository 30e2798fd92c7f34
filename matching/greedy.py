"""How desks work by hand: households one after another, each taking the free feasible unit
nearest its children's schools. The baseline the engine is compared with (`onderdak bench`, and
every run's first-come-first-served figures in the service); it uses the engine's own hard rules,
so a comparison is about the choice, never about feasibility."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from matching.candidates import Pairs, Prepared

IntArray = npt.NDArray[np.int64]


def nearest_free_unit_in_turn(*, prepared: Prepared, pairs: Pairs, order: IntArray) -> IntArray:
    """Each household's unit (-1: none), the households taking turns in `order`.

    Units of fixed pairs are taken from the start. `pairs` must come from
    `feasible_pairs(..., with_trip_km=True)`: the nearest unit is the least total school trip.
    """
    km_total = pairs.school_trip_km_total
    if km_total is None:
        raise ValueError("the greedy baseline needs feasible_pairs(..., with_trip_km=True)")
    bounds = np.searchsorted(pairs.household, np.arange(prepared.n_households + 1))
    taken = np.zeros(prepared.n_units, dtype=bool)
    taken[prepared.fixed_unit] = True
    unit_of_household = np.full(prepared.n_households, -1, np.int64)
    for household in order.tolist():
        lo, hi = int(bounds[household]), int(bounds[household + 1])
        units = pairs.unit[lo:hi]
        free = ~taken[units]
        if not free.any():
            continue
        km = np.where(free, km_total[lo:hi], np.inf)
        unit = int(units[int(np.argmin(km))])
        taken[unit] = True
        unit_of_household[household] = unit
    return unit_of_household
