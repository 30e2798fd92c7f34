"""Explanations: the figures behind every proposal and the reason for every unmatched household."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from matching.candidates import Pairs, Prepared, rule_failures
from matching.caps import CapGroup
from matching.classes import ClassNodes
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
from matching.segments import concatenated_ranges, find_in_segments

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Model = TypeVar("Model", bound=BaseModel)

# How many of an unmatched household's best units to explain.
_OUTRANKED_SHOWN = 3
_EQUAL_IN_EVERY_TIER = "equal in every tier; the tie is broken by stable ids"


@dataclass(frozen=True)
class Assignment:
    """Who got what, in global household/unit indices (-1: nothing)."""

    unit_of_household: IntArray
    household_of_unit: IntArray
    fixed_household: npt.NDArray[np.bool_]


class Explainer:
    """Explanations over a household's options: its listed feasible pairs and, for a household
    grouped into class nodes, the pairs its class arcs stand for (never listed).

    An option is a number: a listed pair's index (0 ≤ option < `len(pairs.household)`), or, for
    the pair (household, unit) through class arc `arc`, `len(pairs.household) + arc × units +
    unit`; -1 is none.
    """

    def __init__(
        self,
        *,
        prepared: Prepared,
        pairs: Pairs,
        costs: TierCosts,
        policy: Policy,
        classes: ClassNodes | None = None,
        class_cost: Mapping[str, IntArray] | None = None,
        cap_full: Mapping[int, CapGroup] | None = None,
    ) -> None:
        """`classes` and `class_cost` (each tier's cost of each class arc) are the engine's own;
        without them every feasible pair must be listed in `pairs`. `cap_full`: each free unit
        whose group is at its placement cap → that group."""
        self.cap_full: Mapping[int, CapGroup] = cap_full or {}
        self.p = prepared
        self.pairs = pairs
        self.costs = costs
        self.policy = policy
        self.n_pairs = len(pairs.household)
        self.classes = classes if classes is not None and len(classes.household) else None
        self.class_cost: Mapping[str, IntArray] = class_cost or {}
        if self.classes is not None and not self.class_cost:
            raise ValueError("class arcs need their costs")
        self.secondary_tiers: list[TierName] = [t for t in policy.tiers if t != "placement"]
        self.pair_bounds = np.searchsorted(pairs.household, np.arange(prepared.n_households + 1))
        self.child_bounds = np.searchsorted(
            prepared.child_household, np.arange(prepared.n_households + 1)
        )
        self.weight = placement_weights(prepared.children_count > 0)

    # Options --------------------------------------------------------------------------------

    def _implied_option(self, *, arc: IntArray, unit: IntArray) -> IntArray:
        return np.where(arc >= 0, self.n_pairs + arc * self.p.n_units + unit, -1)

    def option_unit(self, options: IntArray) -> IntArray:
        """Each option's unit (-1 for -1)."""
        listed = (options >= 0) & (options < self.n_pairs)
        unit = np.where(options >= self.n_pairs, (options - self.n_pairs) % self.p.n_units, -1)
        unit[listed] = self.pairs.unit[options[listed]]
        return np.asarray(unit, dtype=np.int64)

    def _option_arc(self, options: IntArray) -> IntArray:
        """Each option's class arc, -1 for listed pairs and for -1."""
        return np.where(
            options >= self.n_pairs, (options - self.n_pairs) // max(self.p.n_units, 1), -1
        )

    def option_of(self, *, households: IntArray, units: IntArray) -> IntArray:
        """The option of each (household, unit), or -1 where the pair is not feasible."""
        valid = (households >= 0) & (units >= 0)
        safe = np.where(valid, households, 0)
        found = find_in_segments(
            self.pairs.unit,
            starts=np.where(valid, self.pair_bounds[safe], 0),
            stops=np.where(valid, self.pair_bounds[safe + 1], 0),
            targets=units,
        )
        if self.classes is not None:
            arc = self.classes.arc_of_pairs(
                households=np.where(found < 0, households, -1), units=units
            )
            found = np.where(found < 0, self._implied_option(arc=arc, unit=units), found)
        return found

    def _tier_cost(self, tier: TierName, options: IntArray) -> IntArray:
        """This tier's cost of each option (options must not be -1)."""
        cost = np.zeros(len(options), dtype=np.int64)
        listed = options < self.n_pairs
        cost[listed] = self.costs.pair_cost(tier, options[listed])
        if not listed.all():
            arcs = self._option_arc(options[~listed])
            cost[~listed] = self.class_cost[tier][arcs]
        return cost

    def tier_matrix(self, options: IntArray) -> IntArray:
        """Costs per secondary tier (rows) for these options (columns); 0 where it is -1."""
        present = options >= 0
        rows = []
        for tier in self.secondary_tiers:
            row = np.zeros(len(options), dtype=np.int64)
            row[present] = self._tier_cost(tier, options[present])
            rows.append(row)
        return np.asarray(rows, dtype=np.int64).reshape(len(rows), len(options))

    # Vectorised over all placed households ------------------------------------------------

    def own_rank_key(self) -> tuple[npt.NDArray[np.signedinteger], npt.NDArray[np.signedinteger]]:
        """One integer per listed pair, and one per class arc, that orders a household's options
        lexicographically by tier.

        Each lower tier is shifted to start at 0 and the key multiplied by its range + 1, so a
        difference in a higher tier always outweighs any difference below it. int32 when the
        ranges allow (they usually do): the key spans every listed pair, and half the bytes is
        half the time.
        """
        n_arcs = 0 if self.classes is None else len(self.classes.household)
        costs = [
            np.concatenate(
                [
                    self.costs.all_pairs_cost(tier),
                    self.class_cost[tier] if n_arcs else np.zeros(0, dtype=np.int64),
                ]
            )
            for tier in self.secondary_tiers
        ]
        lows: list[int] = []
        spreads: list[int] = []
        largest = 0
        for cost in costs:
            low = int(cost.min(initial=0))
            spread = int(cost.max(initial=0)) - low + 1
            if (largest + 1) * spread >= 2**62:
                raise OverflowError("tier ranges too wide for one ranking key")
            lows.append(low)
            spreads.append(spread)
            largest = (largest + 1) * spread
        # Below the dtype's maximum, which best_alternatives keeps free to mark a household's own
        # pair.
        key_type: type[np.signedinteger] = (
            np.int32 if largest < np.iinfo(np.int32).max else np.int64
        )
        key: npt.NDArray[np.signedinteger] = np.zeros(len(costs[0]), dtype=key_type)
        for cost, low, spread in zip(costs, lows, spreads, strict=True):
            key *= spread
            # Shifted in the key's type before it is added, so no step leaves the key's range.
            key += np.subtract(cost, low, dtype=key_type) if low else cost
        return key[: self.n_pairs], key[self.n_pairs :]

    def best_alternatives(self, *, households: IntArray, own_options: IntArray) -> IntArray:
        """For each household, its best option other than its own (-1 if none).

        Among equal keys the lowest unit id wins.
        """
        pair_key, arc_key = self.own_rank_key()
        own_pair = np.iinfo(pair_key.dtype).max
        own_listed = own_options[(own_options >= 0) & (own_options < self.n_pairs)]
        pair_key[own_listed] = own_pair
        best: list[int] = []
        # One argmin per household: its pairs are one contiguous segment, and a loop of a few
        # microseconds per household beats any scatter-gather over every pair.
        for start, stop in zip(
            self.pair_bounds[households].tolist(),
            self.pair_bounds[households + 1].tolist(),
            strict=True,
        ):
            if stop > start:
                at = start + int(pair_key[start:stop].argmin())
                best.append(at if pair_key[at] != own_pair else -1)
            else:
                best.append(-1)
        best_option = np.asarray(best, dtype=np.int64).reshape(-1)
        if self.classes is None:
            return best_option
        # Through class arcs: a class's best unit is its lowest id but the household's own.
        classes = self.classes
        own_unit = np.full(self.p.n_households, -1, dtype=np.int64)
        own_unit[households] = self.option_unit(own_options)
        class_units, class_start = classes.units_by_class()
        size = np.diff(class_start)
        last = len(class_units) - 1
        first_unit = class_units[np.minimum(class_start[:-1], last)]
        second_unit = np.where(size > 1, class_units[np.minimum(class_start[:-1] + 1, last)], -1)
        arc_first = first_unit[classes.klass]
        arc_unit = np.where(
            arc_first != own_unit[classes.household], arc_first, second_unit[classes.klass]
        )
        usable = np.flatnonzero(arc_unit >= 0)
        # Each household's best arc by (key, unit): the first of the sorted order.
        order = usable[np.lexsort((arc_unit[usable], arc_key[usable], classes.household[usable]))]
        arc_household = classes.household[order]
        first = order[np.r_[True, arc_household[1:] != arc_household[:-1]]] if len(order) else order
        best_arc = np.full(self.p.n_households, -1, dtype=np.int64)
        best_arc[classes.household[first]] = first
        arc = best_arc[households]
        through_arc = arc >= 0
        # The arc's option wins over the listed one by key, then by the lower unit id.
        listed_unit = self.option_unit(best_option)
        listed_key = np.full(len(households), np.iinfo(np.int64).max, dtype=np.int64)
        has_listed = best_option >= 0
        listed_key[has_listed] = pair_key[best_option[has_listed]]
        candidate_key = np.zeros(len(households), dtype=np.int64)
        candidate_key[through_arc] = arc_key[arc[through_arc]]
        candidate_unit = np.full(len(households), -1, dtype=np.int64)
        candidate_unit[through_arc] = arc_unit[arc[through_arc]]
        arc_wins = through_arc & (
            (best_option < 0)
            | (candidate_key < listed_key)
            | ((candidate_key == listed_key) & (candidate_unit < listed_unit))
        )
        return np.where(arc_wins, self._implied_option(arc=arc, unit=candidate_unit), best_option)

    def proposals(self, *, assignment: Assignment) -> list[Proposal]:
        placed = np.flatnonzero(assignment.unit_of_household >= 0)
        units = assignment.unit_of_household[placed]
        free = ~assignment.fixed_household[placed]
        own = self.option_of(households=placed, units=units)
        alternative = np.full(len(placed), -1, dtype=np.int64)
        alternative[free] = self.best_alternatives(households=placed[free], own_options=own[free])
        alternative_unit = self.option_unit(alternative)
        taker = _take(assignment.household_of_unit, alternative_unit)
        taker_now = self.option_of(households=taker, units=alternative_unit)
        taker_after = self.option_of(households=taker, units=units)
        now = self.tier_matrix(own) + self.tier_matrix(taker_now)
        after = self.tier_matrix(alternative) + self.tier_matrix(taker_after)
        # The one who holds the alternative is left without a place if it cannot take ours.
        placement_delta = np.where(
            (taker >= 0) & (taker_after < 0), self.weight[np.maximum(taker, 0)], 0
        )
        deltas = np.vstack([placement_delta, after - now])
        # The first tier that changes decides (-1: none does).
        changed = deltas != 0
        deciding = np.where(changed.any(axis=0), changed.argmax(axis=0), -1)
        deciding_delta = deltas[np.maximum(deciding, 0), np.arange(len(placed))]
        tier_names: list[TierName] = ["placement", *self.secondary_tiers]
        held_by_fixed = (taker >= 0) & assignment.fixed_household[np.maximum(taker, 0)]
        with_alternative = np.flatnonzero(alternative >= 0)
        # Own and alternative figures in one pass: the first len(placed) are the own pairs.
        figures = self.figures_many(
            households=np.concatenate([placed, placed[with_alternative]]),
            units=np.concatenate([units, alternative_unit[with_alternative]]),
        )
        household_ids = self.p.household_ids
        unit_ids = self.p.unit_ids

        def alternative_fields(
            row: int, other: int, alt_unit: int, fixed_holder: bool, tier_index: int, delta: int
        ) -> dict[str, Any]:
            tier: TierName | None = None
            if fixed_holder:
                why = "it is held by an offer already out or accepted"
            elif other < 0 and alt_unit in self.cap_full:
                why = _cap_text(self.cap_full[alt_unit])
            else:
                if tier_index < 0:
                    why = _EQUAL_IN_EVERY_TIER
                else:
                    tier = tier_names[tier_index]
                    why = self._describe_delta(tier, delta)
                holder = (
                    f"it went to household {household_ids[other]}; moving this "
                    "household there (and that one here) "
                    if other >= 0
                    else "moving this household there "
                )
                why = holder + why
            return {
                "unit_id": unit_ids[alt_unit],
                "figures": figures[row],
                "taken_by_household_id": household_ids[other] if other >= 0 else None,
                "deciding_tier": tier,
                "reason": why,
            }

        alternatives = _trusted_many(
            Alternative,
            (
                alternative_fields(*fields)
                for fields in zip(
                    range(len(placed), len(figures)),
                    taker[with_alternative].tolist(),
                    alternative_unit[with_alternative].tolist(),
                    held_by_fixed[with_alternative].tolist(),
                    deciding[with_alternative].tolist(),
                    deciding_delta[with_alternative].tolist(),
                    strict=True,
                )
            ),
        )
        best_of_row: list[Alternative | None] = [None] * len(placed)
        for row, best in zip(with_alternative.tolist(), alternatives, strict=True):
            best_of_row[row] = best
        return _trusted_many(
            Proposal,
            (
                {
                    "household_id": household_ids[household],
                    "unit_id": unit_ids[unit],
                    "fixed": not is_free,
                    "figures": own_figures,
                    "best_alternative": best,
                    "explanation": self._proposal_text(
                        figures=own_figures, fixed=not is_free, best=best
                    ),
                }
                for household, unit, is_free, own_figures, best in zip(
                    placed.tolist(),
                    units.tolist(),
                    free.tolist(),
                    figures[: len(placed)],
                    best_of_row,
                    strict=True,
                )
            ),
        )

    # Figures -------------------------------------------------------------------------------

    def figures(self, *, household: int, unit: int) -> PairFigures:
        return self.figures_many(
            households=np.asarray([household], dtype=np.int64),
            units=np.asarray([unit], dtype=np.int64),
        )[0]

    def figures_many(self, *, households: IntArray, units: IntArray) -> list[PairFigures]:
        """`figures` for many pairs at once: one vectorised search for every child's trip."""
        p = self.p
        first = self.child_bounds[households]
        counts = self.child_bounds[households + 1] - first
        row_of = np.repeat(np.arange(len(households)), counts)
        row_start = np.cumsum(counts) - counts
        child = concatenated_ranges(first, counts)
        at = find_in_segments(
            p.trip_unit,
            starts=p.child_trip_start[child],
            stops=p.child_trip_stop[child],
            targets=units[row_of],
        )
        hit = at >= 0
        km = np.where(hit, p.trip_km[np.maximum(at, 0)] if len(p.trip_km) else 0.0, np.nan)
        child_points = np.where(
            hit, (np.nan_to_num(km) / self.policy.trip_scale_km) ** self.policy.trip_power, 0.0
        )
        # Summed in child order from 0.0, as a Python loop would: the same float to the last bit.
        trip_points = np.asarray(
            np.bincount(row_of, weights=child_points, minlength=len(households)), dtype=np.float64
        )
        factor = np.where(p.is_transitional[units], self.policy.transitional_waiting_factor, 1.0)
        waiting = p.days_in_temporary_housing[households] / self.policy.days_per_waiting_point
        waiting = waiting * factor
        spare = p.bedrooms[units] - p.bedrooms_needed[households]
        child_ids = p.child_ids
        # NaN: no trip known (only possible on a fixed pair).
        found = (~np.isnan(km)).tolist()
        trips = _trusted_many(
            ChildTrip,
            (
                {
                    "child_id": child_ids[child_index],
                    "school_trip_km": trip_km if is_found else None,
                    "school_trip_limit_km": limit_km,
                }
                for child_index, is_found, trip_km, limit_km in zip(
                    child.tolist(),
                    found,
                    _rounded(km, 3),
                    p.child_limit_km[child].astype(np.float64, copy=False).tolist(),
                    strict=True,
                )
            ),
        )
        return _trusted_many(
            PairFigures,
            (
                {
                    "children_placed": stop - start,
                    "child_trips": trips[start:stop],
                    "school_trip_points": points,
                    "days_in_temporary_housing": days,
                    "waiting_points": waiting_points,
                    "school_and_waiting_score": score,
                    "spare_bedrooms": spare_bedrooms,
                }
                for start, stop, points, days, waiting_points, score, spare_bedrooms in zip(
                    row_start.tolist(),
                    (row_start + counts).tolist(),
                    _rounded(trip_points, 4),
                    p.days_in_temporary_housing[households].tolist(),
                    _rounded(waiting, 4),
                    _rounded(waiting - trip_points, 4),
                    spare.tolist(),
                    strict=True,
                )
            ),
        )

    def _ranked_options(self, household: int) -> IntArray:
        """This household's options, best first by its own tier costs, then unit id."""
        bounds = self.pair_bounds
        options: IntArray = np.arange(bounds[household], bounds[household + 1], dtype=np.int64)
        if self.classes is not None:
            classes = self.classes
            arcs = np.flatnonzero(classes.household == household)
            for arc in arcs.tolist():
                units = classes.units_of_class(int(classes.klass[arc]))
                arc_options = self._implied_option(
                    arc=np.full(len(units), arc, dtype=np.int64), unit=units
                )
                options = np.concatenate([options, arc_options])
        if not len(options):
            return options
        keys = [self.option_unit(options)] + [
            self._tier_cost(tier, options) for tier in reversed(self.secondary_tiers)
        ]
        ranked: IntArray = options[np.lexsort(keys)]
        return ranked

    # Deciding tiers -----------------------------------------------------------------------

    def _first_change(self, deltas: list[tuple[TierName, int]]) -> tuple[TierName | None, str]:
        for tier, delta in deltas:
            if delta != 0:
                return tier, self._describe_delta(tier, delta)
        return None, _EQUAL_IN_EVERY_TIER

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
        ranked = self._ranked_options(household)
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
        units = self.option_unit(ranked)
        capped = [u for u in units.tolist() if u in self.cap_full]
        for unit in capped[:_OUTRANKED_SHOWN]:
            outranked.append(
                OutrankedBy(
                    unit_id=self.p.unit_ids[unit],
                    household_id=None,
                    deciding_tier=None,
                    reason=_cap_text(self.cap_full[unit]),
                )
            )
        shown = ranked[: max(0, _OUTRANKED_SHOWN - len(capped))]
        shown_units = self.option_unit(shown)
        takers = assignment.household_of_unit[shown_units]
        own_costs = self.tier_matrix(shown)
        # The takers' own options on those units (-1: a fixed offer, no option of theirs).
        taker_options = self.option_of(households=takers, units=shown_units)
        taker_costs = self.tier_matrix(taker_options)
        for column, (unit, taker) in enumerate(
            zip(shown_units.tolist(), takers.tolist(), strict=True)
        ):
            if unit in self.cap_full:
                continue
            deltas: list[tuple[TierName, int]] = [
                ("placement", int(self.weight[taker] - self.weight[household]) if taker >= 0 else 0)
            ]
            if taker >= 0 and taker_options[column] >= 0:
                deltas += [
                    (tier, int(own_costs[row, column] - taker_costs[row, column]))
                    for row, tier in enumerate(self.secondary_tiers)
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
        if capped:
            text = (
                f"{len(ranked)} unit(s) are feasible; {len(capped)} of them are free but in a "
                "group at its placement cap, the others are taken. "
            )
        else:
            text = f"{len(ranked)} unit(s) are feasible, all taken. "
        text += " ".join(
            f"{o.unit_id} went to {o.household_id}: {o.reason}."
            if o.household_id is not None
            else f"{o.unit_id}: {o.reason}."
            for o in outranked
        )
        return Unmatched(
            household_id=self.p.household_ids[household],
            reason="cap_reached" if capped else "outranked",
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


def _cap_text(group: CapGroup) -> str:
    return (
        f"it is free, but {group.label} is full: the policy's placement cap allows "
        f"{group.max_households} household(s) there, and at least that many are placed or "
        "offered already"
    )


def _take(values: IntArray, index: IntArray) -> IntArray:
    """values[index], and -1 where index is -1."""
    taken = np.full(len(index), -1, dtype=np.int64)
    present = index >= 0
    taken[present] = values[index[present]]
    return taken


def _rounded(values: FloatArray, digits: int) -> list[float]:
    """`[round(value, digits) for value in values]`, to the last bit, mostly vectorised.

    Python rounds the exact binary value; rounding `value * 10**digits` can differ from that only
    where the product lies within its own rounding error of a half (or is huge, or not finite):
    those few go through `round`. Otherwise both give the nearest float to the same decimal.
    """
    scale = 10.0**digits
    scaled = values * scale
    with np.errstate(invalid="ignore"):
        doubtful = ~(np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6) | ~(np.abs(scaled) < 2.0**31)
    rounded: list[float] = (np.rint(scaled) / scale).tolist()
    for index in np.flatnonzero(doubtful).tolist():
        rounded[index] = round(float(values[index]), digits)
    return rounded


# Field names per model, shared by every instance `_trusted_many` builds (see there).
_FIELD_NAMES: dict[type[BaseModel], set[str]] = {}


def _trusted_many(model: type[Model], fields_of_each: Iterable[dict[str, Any]]) -> list[Model]:
    """`model.model_construct(**fields)` for each, every field given, without its overhead.

    An explanation builds some 70,000 small models at 10,000 households; `model_construct` loops
    over the fields of each. This sets the same four slots directly. The instances share one set
    of field names per model: the output models are frozen, pydantic copies the set before any
    update (`model_copy`), and one set instead of 70,000 spares the garbage collector, whose full
    passes over a heap this size cost more than building the models.
    """
    field_names = _FIELD_NAMES[model]
    new = model.__new__
    built: list[Model] = []
    for fields in fields_of_each:
        instance = new(model)
        _set_slot(instance, "__dict__", fields)
        _set_slot(instance, "__pydantic_fields_set__", field_names)
        _set_slot(instance, "__pydantic_extra__", None)
        _set_slot(instance, "__pydantic_private__", None)
        built.append(instance)
    return built


_set_slot = object.__setattr__


def _check_trusted_models(*models: type[BaseModel]) -> None:
    """Fail at import if `_trusted_many` no longer builds what `model_construct` builds."""
    if BaseModel.__slots__ != (
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    ):
        raise RuntimeError("pydantic's model slots changed: update matching.explain._trusted_many")
    for model in models:
        plain = (
            model.model_config.get("frozen")
            and model.model_config.get("extra") != "allow"
            and not model.__private_attributes__
            and not model.__pydantic_post_init__
            and not model.__pydantic_root_model__
        )
        if not plain:
            raise RuntimeError(f"{model.__name__} needs model_construct, not _trusted_many")
        _FIELD_NAMES[model] = set(model.model_fields)


_check_trusted_models(ChildTrip, PairFigures, Alternative, Proposal)
