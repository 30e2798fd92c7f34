"""Tier costs: the policy's real-valued scores, scaled to the integers the flow solver needs.

All costs are "lower is better". One integer step is `policy.score_resolution_points` points;
"optimal" means optimal for these scaled costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from matching.candidates import Pairs, Prepared
from matching.policies import Policy, TierName
from matching.threads import blocks, map_in_threads

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TierCosts:
    """Costs of every tier for the feasible pairs of one run (households/units are global ids)."""

    prepared: Prepared
    pairs: Pairs
    policy: Policy
    # Each tier's cost of every pair, computed once (int32 when it fits: half the memory).
    _all_pairs: dict[str, npt.NDArray[np.signedinteger]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def waiting_points(self, *, household: IntArray, unit: IntArray) -> FloatArray:
        p = self.prepared
        factor = np.where(p.is_transitional[unit], self.policy.transitional_waiting_factor, 1.0)
        return np.asarray(
            p.days_in_temporary_housing[household] / self.policy.days_per_waiting_point * factor,
            dtype=np.float64,
        )

    def spare_bedrooms(self, *, household: IntArray, unit: IntArray) -> IntArray:
        p = self.prepared
        return np.asarray(p.bedrooms[unit] - p.bedrooms_needed[household], dtype=np.int64)

    def scaled(self, points: FloatArray) -> IntArray:
        return np.rint(points / self.policy.score_resolution_points).astype(np.int64)

    def all_pairs_cost(self, tier: TierName) -> npt.NDArray[np.signedinteger]:
        """This tier's cost of every feasible pair, in pair order (cached; may be int32)."""
        cached = self._all_pairs.get(tier)
        if cached is None:
            # Contiguous slices: views of the pair arrays, no index array and no gathers.
            cached = self._narrowed(
                map_in_threads(
                    lambda block: self._pair_cost(tier, block), blocks(len(self.pairs.household))
                )
            )
            self._all_pairs[tier] = cached
        return cached

    def pair_cost(self, tier: TierName, pair_index: IntArray) -> IntArray:
        """This tier's cost of the pairs `pair_index` (from the cache when it is filled)."""
        cached = self._all_pairs.get(tier)
        if cached is None:
            return self._pair_cost(tier, pair_index)
        return np.asarray(cached[pair_index], dtype=np.int64)

    def subset_cost(self, tier: TierName, pair_index: IntArray) -> npt.NDArray[np.signedinteger]:
        """This tier's cost of the pairs `pair_index`, computed for them only (may be int32)."""
        return self._narrowed(
            map_in_threads(
                lambda block: self._pair_cost(tier, pair_index[block]), blocks(len(pair_index))
            )
        )

    @staticmethod
    def _narrowed(block_costs: list[IntArray]) -> npt.NDArray[np.signedinteger]:
        """The blocks' costs joined, in int32 when every one fits."""
        # Element by element, so the cost is the same however the pairs are cut into blocks.
        small = all(len(c) == 0 or int(np.abs(c).max()) < 2**31 - 1 for c in block_costs)
        joined: npt.NDArray[np.signedinteger] = np.concatenate(
            [np.zeros(0, dtype=np.int64), *block_costs], dtype=np.int32 if small else np.int64
        )
        return joined

    def _pair_cost(self, tier: TierName, pair_index: IntArray | slice) -> IntArray:
        household = self.pairs.household[pair_index]
        unit = self.pairs.unit[pair_index]
        return self.cost_of(
            tier,
            household=household,
            unit=unit,
            school_trip_points=self.pairs.school_trip_points[pair_index],
        )

    def cost_of(
        self,
        tier: TierName,
        *,
        household: IntArray,
        unit: IntArray,
        school_trip_points: FloatArray,
    ) -> IntArray:
        if tier == "placement":
            return np.zeros(len(household), dtype=np.int64)
        if tier == "school_and_waiting":
            return self.scaled(
                school_trip_points - self.waiting_points(household=household, unit=unit)
            )
        if tier == "school_trips":
            return self.scaled(school_trip_points)
        if tier == "waiting":
            return self.scaled(-self.waiting_points(household=household, unit=unit))
        return self.spare_bedrooms(household=household, unit=unit)

    def bypass_cost(self, tier: TierName, households: IntArray) -> IntArray:
        """The cost of leaving each household without a place."""
        if tier != "placement":
            return np.zeros(len(households), dtype=np.int64)
        return placement_weights(self.prepared.children_count[households] > 0)


def placement_weights(is_family: npt.NDArray[np.bool_]) -> IntArray:
    """Families with children count first: one family outweighs every other household together.

    The weight is derived from the instance and checked, not hoped for.
    """
    others = int((~is_family).sum())
    family_weight = others + 1
    # The whole range of the sub-tier below (households without children placed) is 0..others.
    assert family_weight > others
    return np.where(is_family, family_weight, 1).astype(np.int64)


def resolution_statement(policy: Policy) -> str:
    return (
        f"Scores are scaled to integers at {policy.score_resolution_points:g} points per step "
        "(fit at 1 spare bedroom per step; placement counts households, a family with children "
        "weighing more than all households without children together). 'optimal' is exact for "
        "these scaled costs."
    )
