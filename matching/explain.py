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

    # Figures -------------------------------------------------------------------------------

    def figures(self, *, household: int, unit: int) -> PairFigures:
        p = self.p
        trips: list[ChildTrip] = []
        trip_points = 0.0
        for child in range(
            int(self.child_bounds[household]), int(self.child_bounds[household + 1])
        ):
            child_slice = p.child_slice(child)
            units = p.trip_unit[child_slice]
            at = int(np.searchsorted(units, unit))
            km: float | None = None
            if at < len(units) and units[at] == unit:
                km = float(p.trip_km[child_slice][at])
                trip_points += (km / self.policy.trip_scale_km) ** self.policy.trip_power
            trips.append(
                ChildTrip(
                    child_id=p.child_ids[child],
                    school_trip_km=None if km is None else round(km, 3),
                    school_trip_limit_km=float(p.child_limit_km[child]),
                )
            )
        h = np.asarray([household], dtype=np.int64)
        u = np.asarray([unit], dtype=np.int64)
        waiting = float(self.costs.waiting_points(household=h, unit=u)[0])
        return PairFigures(
            children_placed=len(trips),
            child_trips=trips,
            school_trip_points=round(trip_points, 4),
            days_in_temporary_housing=int(p.days_in_temporary_housing[household]),
            waiting_points=round(waiting, 4),
            school_and_waiting_score=round(waiting - trip_points, 4),
            spare_bedrooms=int(p.bedrooms[unit] - p.bedrooms_needed[household]),
        )

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
            return "would leave a household without a place (tier placement)"
        if tier == "fit":
            return f"would {word} fit by {abs(delta)} spare bedroom(s)"
        points = abs(delta) * self.policy.score_resolution_points
        return f"would {word} tier {tier} by {points:.3f} points"

    def swap_deltas(
        self, *, household: int, unit: int, alternative_pair: int, taker: int
    ) -> list[tuple[TierName, int]]:
        """Tier changes if `household` moved from `unit` to the alternative's unit."""
        mine_now = self._pair_index(household=household, unit=unit)
        alternative_unit = int(self.pairs.unit[alternative_pair])
        now = self._tier_costs(mine_now) if mine_now is not None else None
        after = self._tier_costs(alternative_pair)
        placement_delta = 0
        if taker >= 0:
            taker_now = self._pair_index(household=taker, unit=alternative_unit)
            taker_after = self._pair_index(household=taker, unit=unit)
            if taker_now is not None:
                now = [a + b for a, b in zip(now or [], self._tier_costs(taker_now), strict=True)]
            if taker_after is None:
                placement_delta = int(self.weight[taker])
            else:
                after = [a + b for a, b in zip(after, self._tier_costs(taker_after), strict=True)]
        deltas: list[tuple[TierName, int]] = [("placement", placement_delta)]
        if now is not None:
            deltas += [
                (tier, a - b) for tier, a, b in zip(self.secondary_tiers, after, now, strict=True)
            ]
        return deltas

    # Proposals and unmatched -------------------------------------------------------------

    def proposal(self, *, household: int, assignment: Assignment) -> Proposal:
        unit = int(assignment.unit_of_household[household])
        figures = self.figures(household=household, unit=unit)
        fixed = bool(assignment.fixed_household[household])
        best: Alternative | None = None
        ranked = self._ranked_units(household, leave_out=unit)
        if not fixed and len(ranked):
            alternative_pair = int(ranked[0])
            alternative_unit = int(self.pairs.unit[alternative_pair])
            taker = int(assignment.household_of_unit[alternative_unit])
            tier, why = self._first_change(
                self.swap_deltas(
                    household=household,
                    unit=unit,
                    alternative_pair=alternative_pair,
                    taker=taker,
                )
            )
            holder = f"it went to household {self.p.household_ids[taker]}" if taker >= 0 else ""
            move = "moving this household there" + (" (and that one here)" if taker >= 0 else "")
            reason = f"{holder}; {move} {why}" if holder else f"{move} {why}"
            best = Alternative(
                unit_id=self.p.unit_ids[alternative_unit],
                figures=self.figures(household=household, unit=alternative_unit),
                taken_by_household_id=self.p.household_ids[taker] if taker >= 0 else None,
                deciding_tier=tier,
                reason=reason,
            )
        return Proposal(
            household_id=self.p.household_ids[household],
            unit_id=self.p.unit_ids[unit],
            fixed=fixed,
            figures=figures,
            best_alternative=best,
            explanation=self._proposal_text(figures=figures, fixed=fixed, best=best),
        )

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
