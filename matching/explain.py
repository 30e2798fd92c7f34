"""Explanations: the figures behind every proposal and the reason for every unmatched household."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from matching.candidates import Pairs, Prepared, rule_failures
from matching.costs import TierCosts, placement_weights
from matching.policies import Policy, TierName
from matching.result import (
    Alternative,
    ChildTrip,
    OutrankedBy,
    PairFigures,
    Proposal,
    RuleCount,
    Unmatched,
)

IntArray = npt.NDArray[np.int64]

# How many of an unmatched household's best units to explain.
_OUTRANKED_SHOWN = 3


@dataclass(frozen=True)
class Assignment:
    """Who got what, in global household/unit indices (-1: nothing)."""

    unit_of_household: IntArray
    household_of_unit: IntArray
    fixed_household: npt.NDArray[np.bool_]


class Explainer:
    def __init__(
        self, *, prepared: Prepared, pairs: Pairs, costs: TierCosts, policy: Policy
    ) -> None:
        self.p = prepared
        self.pairs = pairs
        self.costs = costs
        self.policy = policy
        self.secondary_tiers: list[TierName] = [t for t in policy.tiers if t != "placement"]
        self.pair_bounds = np.searchsorted(pairs.household, np.arange(prepared.n_households + 1))
        self.child_bounds = np.searchsorted(
            prepared.child_household, np.arange(prepared.n_households + 1)
        )
        self.weight = placement_weights(prepared.children_count > 0)
        self.pair_keys = pairs.household * prepared.n_units + pairs.unit
        # Trips are sorted by child, then unit: one key per trip for vectorised look-ups.
        self.trip_keys = prepared.trip_child * prepared.n_units + prepared.trip_unit

    # Vectorised over all placed households ------------------------------------------------

    def own_rank_key(self) -> IntArray:
        """One integer per pair that orders a household's own options lexicographically by tier.

        Each lower tier is shifted to start at 0 and the key multiplied by its range + 1, so a
        difference in a higher tier always outweighs any difference below it.
        """
        n_pairs = len(self.pairs.household)
        key = np.zeros(n_pairs, dtype=np.int64)
        largest = 0
        for tier in self.secondary_tiers:
            cost = self.costs.all_pairs_cost(tier)
            low = int(cost.min(initial=0))
            spread = int(cost.max(initial=0)) - low + 1
            if (largest + 1) * spread >= 2**62:
                raise OverflowError("tier ranges too wide for one ranking key")
            key *= spread
            key += cost
            key -= low
            largest = (largest + 1) * spread
        return key

    def best_alternatives(self, *, households: IntArray, own_pairs: IntArray) -> IntArray:
        """For each household, its best feasible pair other than its own (-1 if none)."""
        key = self.own_rank_key()
        no_pair = np.iinfo(np.int64).max
        key[own_pairs[own_pairs >= 0]] = no_pair
        best = np.full(len(households), -1, dtype=np.int64)
        lo = self.pair_bounds[households]
        hi = self.pair_bounds[households + 1]
        has_pairs = hi > lo
        if not has_pairs.any() or not len(key):
            return best
        # The smallest key of each household's segment, then the first pair that has it: the
        # lowest unit id among equals.
        starts = self.pair_bounds[:-1]
        nonempty = self.pair_bounds[1:] > starts
        segment_min = np.full(self.p.n_households, no_pair, dtype=np.int64)
        segment_min[nonempty] = np.minimum.reduceat(key, starts[nonempty])
        segment_of_pair = self.pairs.household
        at_min = np.flatnonzero(key == segment_min[segment_of_pair])
        first_at_min = np.full(self.p.n_households, -1, dtype=np.int64)
        with_min, first = np.unique(segment_of_pair[at_min], return_index=True)
        first_at_min[with_min] = at_min[first]
        chosen = first_at_min[households]
        valid = has_pairs & (segment_min[households] != no_pair) & (chosen >= 0)
        best[valid] = chosen[valid]
        return best

    def pair_indices(self, *, households: IntArray, units: IntArray) -> IntArray:
        """Index of each (household, unit) among the feasible pairs, or -1."""
        found = np.full(len(households), -1, dtype=np.int64)
        if not len(self.pair_keys):
            return found
        valid = (households >= 0) & (units >= 0)
        keys = households * self.p.n_units + units
        at = np.minimum(np.searchsorted(self.pair_keys, keys), len(self.pair_keys) - 1)
        hit = valid & (self.pair_keys[at] == keys)
        found[hit] = at[hit]
        return found

    def tier_matrix(self, pair_index: IntArray) -> IntArray:
        """Costs per secondary tier (rows) for these pairs (columns); 0 where the index is -1."""
        present = pair_index >= 0
        rows = []
        for tier in self.secondary_tiers:
            row = np.zeros(len(pair_index), dtype=np.int64)
            row[present] = self.costs.pair_cost(tier, pair_index[present])
            rows.append(row)
        return np.asarray(rows, dtype=np.int64).reshape(len(rows), len(pair_index))

    def proposals(self, *, assignment: Assignment) -> list[Proposal]:
        placed = np.flatnonzero(assignment.unit_of_household >= 0)
        units = assignment.unit_of_household[placed]
        free = ~assignment.fixed_household[placed]
        own = self.pair_indices(households=placed, units=units)
        alternative = np.full(len(placed), -1, dtype=np.int64)
        alternative[free] = self.best_alternatives(households=placed[free], own_pairs=own[free])
        has = alternative >= 0
        alternative_unit = _take(self.pairs.unit, alternative)
        taker = _take(assignment.household_of_unit, alternative_unit)
        taker_now = self.pair_indices(households=taker, units=alternative_unit)
        taker_after = self.pair_indices(households=taker, units=units)
        now = self.tier_matrix(own) + self.tier_matrix(taker_now)
        after = self.tier_matrix(alternative) + self.tier_matrix(taker_after)
        # The one who holds the alternative is left without a place if it cannot take ours.
        placement_delta = np.where(
            (taker >= 0) & (taker_after < 0), self.weight[np.maximum(taker, 0)], 0
        )
        deltas = np.vstack([placement_delta, after - now])
        tier_names: list[TierName] = ["placement", *self.secondary_tiers]
        held_by_fixed = (taker >= 0) & assignment.fixed_household[np.maximum(taker, 0)]
        own_figures = self.figures_many(households=placed, units=units)
        with_alternative = np.flatnonzero(has)
        alternative_figures = dict(
            zip(
                with_alternative.tolist(),
                self.figures_many(
                    households=placed[with_alternative],
                    units=alternative_unit[with_alternative],
                ),
                strict=True,
            )
        )
        result: list[Proposal] = []
        for row, household in enumerate(placed.tolist()):
            unit = int(units[row])
            figures = own_figures[row]
            best: Alternative | None = None
            if has[row]:
                other = int(taker[row])
                alt_unit = int(alternative_unit[row])
                if held_by_fixed[row]:
                    tier: TierName | None = None
                    why = "it is held by an offer already out or accepted"
                else:
                    tier, why = self._first_change(
                        [(name, int(deltas[k, row])) for k, name in enumerate(tier_names)]
                    )
                    holder = (
                        f"it went to household {self.p.household_ids[other]}; moving this "
                        "household there (and that one here) "
                        if other >= 0
                        else "moving this household there "
                    )
                    why = holder + why
                best = Alternative(
                    unit_id=self.p.unit_ids[alt_unit],
                    figures=alternative_figures[row],
                    taken_by_household_id=self.p.household_ids[other] if other >= 0 else None,
                    deciding_tier=tier,
                    reason=why,
                )
            fixed = not bool(free[row])
            result.append(
                Proposal(
                    household_id=self.p.household_ids[household],
                    unit_id=self.p.unit_ids[unit],
                    fixed=fixed,
                    figures=figures,
                    best_alternative=best,
                    explanation=self._proposal_text(figures=figures, fixed=fixed, best=best),
                )
            )
        return result

    # Figures -------------------------------------------------------------------------------

    def figures_many(self, *, households: IntArray, units: IntArray) -> list[PairFigures]:
        """`figures` for many pairs at once: one search for every child's trip."""
        p = self.p
        first = self.child_bounds[households]
        counts = self.child_bounds[households + 1] - first
        row_of = np.repeat(np.arange(len(households)), counts)
        row_start = np.cumsum(counts) - counts
        child = np.repeat(first, counts) + (np.arange(int(counts.sum())) - row_start[row_of])
        query = child * p.n_units + units[row_of]
        trip_keys = self.trip_keys
        at = np.minimum(np.searchsorted(trip_keys, query), max(len(trip_keys) - 1, 0))
        hit = (trip_keys[at] == query) if len(trip_keys) else np.zeros(len(query), dtype=bool)
        km = np.where(hit, p.trip_km[at] if len(trip_keys) else 0.0, np.nan)
        child_points = np.where(
            hit, (np.nan_to_num(km) / self.policy.trip_scale_km) ** self.policy.trip_power, 0.0
        )
        factor = np.where(p.is_transitional[units], self.policy.transitional_waiting_factor, 1.0)
        waiting = p.days_in_temporary_housing[households] / self.policy.days_per_waiting_point
        waiting = waiting * factor
        spare = p.bedrooms[units] - p.bedrooms_needed[households]
        km_list = km.tolist()
        points_list = child_points.tolist()
        limits = p.child_limit_km[child].tolist()
        children = child.tolist()
        figures: list[PairFigures] = []
        position = 0
        for row, count in enumerate(counts.tolist()):
            trips: list[ChildTrip] = []
            trip_points = 0.0
            for k in range(position, position + count):
                trip_km = km_list[k]
                found = trip_km == trip_km  # not NaN
                if found:
                    trip_points += points_list[k]
                trips.append(
                    ChildTrip.model_construct(
                        child_id=p.child_ids[children[k]],
                        school_trip_km=round(trip_km, 3) if found else None,
                        school_trip_limit_km=float(limits[k]),
                    )
                )
            position += count
            waiting_points = float(waiting[row])
            figures.append(
                PairFigures.model_construct(
                    children_placed=count,
                    child_trips=trips,
                    school_trip_points=round(trip_points, 4),
                    days_in_temporary_housing=int(p.days_in_temporary_housing[households[row]]),
                    waiting_points=round(waiting_points, 4),
                    school_and_waiting_score=round(waiting_points - trip_points, 4),
                    spare_bedrooms=int(spare[row]),
                )
            )
        return figures

    def figures(self, *, household: int, unit: int) -> PairFigures:
        return self.figures_many(
            households=np.asarray([household], dtype=np.int64),
            units=np.asarray([unit], dtype=np.int64),
        )[0]

    def _pair_slice(self, household: int) -> slice:
        return slice(int(self.pair_bounds[household]), int(self.pair_bounds[household + 1]))

    def _pair_index(self, *, household: int, unit: int) -> int | None:
        own = self._pair_slice(household)
        units = self.pairs.unit[own]
        at = int(np.searchsorted(units, unit))
        if at < len(units) and units[at] == unit:
            return int(own.start + at)
        return None

    def _tier_costs(self, pair_index: int) -> list[int]:
        index = np.asarray([pair_index], dtype=np.int64)
        return [int(self.costs.pair_cost(tier, index)[0]) for tier in self.secondary_tiers]

    def _ranked_units(self, household: int, *, leave_out: int) -> IntArray:
        """This household's feasible pairs, best first by its own tier costs, then unit id."""
        own_slice = self._pair_slice(household)
        own: IntArray = np.arange(own_slice.start, own_slice.stop, dtype=np.int64)
        own = own[self.pairs.unit[own] != leave_out]
        if not len(own):
            return own
        keys = [self.pairs.unit[own]] + [
            self.costs.pair_cost(tier, own) for tier in reversed(self.secondary_tiers)
        ]
        ranked: IntArray = own[np.lexsort(keys)]
        return ranked

    # Deciding tiers -----------------------------------------------------------------------

    def _first_change(self, deltas: list[tuple[TierName, int]]) -> tuple[TierName | None, str]:
        for tier, delta in deltas:
            if delta != 0:
                return tier, self._describe_delta(tier, delta)
        return None, "equal in every tier; the tie is broken by stable ids"

    def _describe_delta(self, tier: TierName, delta: int) -> str:
        word = "worsen" if delta > 0 else "improve"
        if tier == "placement":
            return (
                "would leave that household without a place: it cannot take this one "
                "(tier placement)"
            )
        if tier == "fit":
            return f"would {word} fit by {abs(delta)} spare bedroom(s)"
        points = abs(delta) * self.policy.score_resolution_points
        return f"would {word} tier {tier} by {points:.3f} points"

    # Proposals and unmatched -------------------------------------------------------------

    def _proposal_text(self, *, figures: PairFigures, fixed: bool, best: Alternative | None) -> str:
        if fixed:
            return "Fixed: an offer is already out or accepted for this pair."
        trips = ", ".join(
            f"{t.school_trip_km:.1f} km"
            for t in figures.child_trips
            if t.school_trip_km is not None
        )
        parts = []
        if figures.children_placed:
            parts.append(
                f"{figures.children_placed} child(ren) keep their school: trips {trips} "
                f"({figures.school_trip_points:.2f} points)"
            )
        parts.append(
            f"{figures.days_in_temporary_housing} days in temporary housing "
            f"({figures.waiting_points:.2f} points)"
        )
        parts.append(f"{figures.spare_bedrooms} spare bedroom(s)")
        text = "; ".join(parts) + "."
        if best is not None:
            text += f" Best alternative {best.unit_id}: {best.reason}."
        else:
            text += " No other unit was feasible."
        return text

    def unmatched(self, *, household: int, assignment: Assignment) -> Unmatched:
        ranked = self._ranked_units(household, leave_out=-1)
        if not len(ranked):
            counts = rule_failures(prepared=self.p, household=household)
            return Unmatched(
                household_id=self.p.household_ids[household],
                reason="no_feasible_unit",
                units_considered=self.p.n_units,
                feasible_units=0,
                rule_counts=[RuleCount(rule=rule, units_failing=n) for rule, n in counts],
                outranked_by=[],
                explanation=self._rules_text(household=household, counts=counts),
            )
        outranked: list[OutrankedBy] = []
        for pair in ranked[:_OUTRANKED_SHOWN].tolist():
            unit = int(self.pairs.unit[pair])
            taker = int(assignment.household_of_unit[unit])
            deltas: list[tuple[TierName, int]] = [
                ("placement", int(self.weight[taker] - self.weight[household]) if taker >= 0 else 0)
            ]
            taker_pair = self._pair_index(household=taker, unit=unit) if taker >= 0 else None
            if taker_pair is not None:
                deltas += [
                    (tier, a - b)
                    for tier, a, b in zip(
                        self.secondary_tiers,
                        self._tier_costs(pair),
                        self._tier_costs(taker_pair),
                        strict=True,
                    )
                ]
            tier, why = self._first_change(deltas)
            if tier == "placement":
                why = (
                    "would leave a family with children without a place to place a household "
                    "without children (tier placement: families first)"
                )
            taker_id = self.p.household_ids[taker] if taker >= 0 else "(fixed offer)"
            outranked.append(
                OutrankedBy(
                    unit_id=self.p.unit_ids[unit],
                    household_id=taker_id,
                    deciding_tier=tier,
                    reason=f"putting this household there instead of {taker_id} {why}",
                )
            )
        text = f"{len(ranked)} unit(s) are feasible, all taken. " + " ".join(
            f"{o.unit_id} went to {o.household_id}: {o.reason}." for o in outranked
        )
        return Unmatched(
            household_id=self.p.household_ids[household],
            reason="outranked",
            units_considered=self.p.n_units,
            feasible_units=len(ranked),
            rule_counts=[],
            outranked_by=outranked,
            explanation=text,
        )

    def _rules_text(self, *, household: int, counts: list[tuple[str, int]]) -> str:
        p = self.p
        needed_from = date.fromordinal(int(p.needed_from_day[household])).isoformat()
        phrases = {
            "occupants": f"have room for fewer than {int(p.members[household])} people",
            "bedrooms": f"have fewer than {int(p.bedrooms_needed[household])} bedrooms",
            "needs": "lack a declared need (wheelchair, ground floor, pets, medical)",
            "availability": (
                f"are not available from {needed_from} "
                f"for {int(p.expected_stay_days[household])} days"
            ),
            "safety_exclusion": "lie inside one of its safety exclusions",
            "school_trip": "put a child's school beyond its trip limit",
            "declined_before": "were declined before",
            "unit_fixed_to_other_household": "are already offered to or held by another household",
        }
        parts = [
            f"{n} {'' if i == 0 else 'more '}{phrases[rule]}" for i, (rule, n) in enumerate(counts)
        ]
        return f"No feasible unit among {p.n_units}: " + "; ".join(parts) + "."


def _take(values: IntArray, index: IntArray) -> IntArray:
    """values[index], and -1 where index is -1."""
    taken = np.full(len(index), -1, dtype=np.int64)
    present = index >= 0
    taken[present] = values[index[present]]
    return taken
