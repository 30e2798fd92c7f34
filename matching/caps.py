"""Placement caps: at most so many households placed in a building, neighbourhood or corporation.

A cap counts placements over a group of units, and a unit sits in a group of every scope at
once (its building, its neighbourhood, its corporation), so caps break the assignment structure
the min-cost flow relies on. The engine therefore solves the flow first: when its optimum keeps
every cap, it is also optimal with the caps (they only remove solutions). When it breaks one,
the tiers are solved again, in the same strict order, as a mixed-integer program by HiGHS
(SciPy's `milp`): one 0/1 variable per candidate pair, each tier minimised with a zero gap and
then kept at its value for the tiers below. The flow's assignment, with the excess households
taken out of over-full groups, is a feasible solution to fall back on should time run out.
(A straightforward CP-SAT model was tried first: at 500 households it proved nothing in 195 s;
HiGHS with the columns below proves every tier in about 3.5 s.)

Up to `ALL_PAIRS_LIMIT` feasible pairs every pair is a column. Above that, columns are
generated from the LP relaxation's duals (its value plus each household's most negative reduced
cost bounds the tier over *all* pairs), so a MIP value that reaches the bound is proven optimal
over all pairs; one that does not reports "feasible", one stopped by the time limit
"time_limit", each with the bound. Between tiers, reduced-cost fixing keeps the optimal face,
as between the flow's tiers. matching/README.md has the details.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, vstack

from matching.candidates import Pairs, Prepared
from matching.costs import TierCosts
from matching.instance import Instance
from matching.policies import Policy, TierName
from matching.result import SolverStatus

IntArray = npt.NDArray[np.int64]

# Feasible pairs up to which the MIP sees every pair (one 0/1 variable each): exact optimum.
ALL_PAIRS_LIMIT = 20_000
# Above it: first each household's best units per unit kind, by the tiers in order; then pairs
# priced negative by the LP relaxation's duals, at most this many per household and round.
BEST_PER_KIND = 4
ADDED_PER_HOUSEHOLD = 8
# HiGHS's time limit per tier (wall-clock seconds).
TIME_LIMIT_PER_TIER_S = 20.0


@dataclass(frozen=True)
class CapGroup:
    # "building B-12": how explanations name it.
    label: str
    units: IntArray
    max_households: int
    # Households held there by fixed pairs (offers out or accepted): they count.
    fixed_households: int

    @property
    def room(self) -> int:
        return max(0, self.max_households - self.fixed_households)


def cap_groups(*, instance: Instance, prepared: Prepared, policy: Policy) -> list[CapGroup]:
    """The groups the policy's caps apply to; a clear error when units lack a capped scope."""
    if not policy.placement_caps:
        return []
    unit_by_id = {unit.id: unit for unit in instance.units}
    units_in_order = [unit_by_id[unit_id] for unit_id in prepared.unit_ids]
    fixed_units = set(prepared.fixed_unit.tolist())
    groups: list[CapGroup] = []
    for cap in policy.placement_caps:
        members: dict[str, list[int]] = defaultdict(list)
        missing = []
        for index, unit in enumerate(units_in_order):
            value = getattr(unit, cap.scope)
            if value is None:
                missing.append(unit.id)
            elif cap.group is None or value == cap.group:
                members[value].append(index)
        if missing:
            shown = ", ".join(missing[:3]) + (
                f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            )
            raise ValueError(
                f"policy caps placements per {cap.scope}, but unit(s) {shown} have no "
                f"`{cap.scope}`; give it on every unit or drop the cap"
            )
        for value in sorted(members):
            units = np.asarray(members[value], dtype=np.int64)
            groups.append(
                CapGroup(
                    label=f"{cap.scope} {value}",
                    units=units,
                    max_households=cap.max_households,
                    fixed_households=sum(1 for u in units.tolist() if u in fixed_units),
                )
            )
    return groups


def broken_caps(groups: list[CapGroup], household_of_unit: IntArray, fixed: IntArray) -> list[int]:
    """Indices of the groups where more households are placed than the cap allows.

    `household_of_unit` covers every placement (fixed ones too); only new placements beyond
    the room count as breaking a cap: fixed pairs stay as they are.
    """
    is_fixed = np.zeros(len(household_of_unit), dtype=bool)
    is_fixed[fixed] = True
    return [
        index
        for index, group in enumerate(groups)
        if int(((household_of_unit[group.units] >= 0) & ~is_fixed[group.units]).sum()) > group.room
    ]


def full_groups_of_units(
    groups: list[CapGroup], household_of_unit: IntArray
) -> dict[int, CapGroup]:
    """Each unit that is free but sits in a group already at its cap → that group (the first)."""
    blocked: dict[int, CapGroup] = {}
    for group in groups:
        placed = int((household_of_unit[group.units] >= 0).sum())
        if placed >= group.max_households:
            for unit in group.units[household_of_unit[group.units] < 0].tolist():
                blocked.setdefault(unit, group)
    return blocked


@dataclass(frozen=True)
class CappedTier:
    name: TierName
    objective: int
    bound: int
    status: SolverStatus


@dataclass(frozen=True)
class CappedSolution:
    # Pair index (into `pairs`) per free household, or -1.
    pair_of_household: IntArray
    tiers: list[CappedTier]
    candidate_pairs: int
    all_pairs: bool


def solve_with_caps(
    *,
    pairs: Pairs,
    costs: TierCosts,
    policy: Policy,
    groups: list[CapGroup],
    free_households: IntArray,
    hint_pair_of_household: IntArray,
    time_limit_per_tier_s: float = TIME_LIMIT_PER_TIER_S,
) -> CappedSolution:
    """Every tier in order by a MIP (HiGHS) over the candidate pairs, keeping every cap.

    `hint_pair_of_household` (pair index per global household, -1 for none) is the flow's
    optimum without caps; with the excess taken out of over-full groups it is a feasible
    solution, kept for a tier whose time runs out before HiGHS finds one.
    """
    prepared = costs.prepared
    n_pairs = len(pairs.household)
    all_pairs = n_pairs <= ALL_PAIRS_LIMIT
    in_columns = np.zeros(n_pairs, dtype=bool)
    if all_pairs:
        in_columns[:] = True
    else:
        in_columns[
            _best_per_kind(pairs=pairs, costs=costs, policy=policy, hint=hint_pair_of_household)
        ] = True
    hint = _feasible_hint(
        groups=groups,
        pairs=pairs,
        is_family=prepared.children_count > 0,
        hint_pair_of_household=hint_pair_of_household,
    )
    in_columns[hint] = True
    # Groups whose cap can bind (more units than room), and their units.
    binding = [g for g in groups if len(g.units) > g.room]
    row_units = [g.units for g in binding]
    room = np.asarray([g.room for g in binding], dtype=np.int64)
    bypass_of_household = np.zeros(prepared.n_households, dtype=np.int64)

    def rows(columns: IntArray, earlier: list[tuple[IntArray, int]]) -> tuple[csr_matrix, IntArray]:
        """Constraints over `columns`: one row per household, unit, binding group, earlier tier."""
        n = len(columns)
        position = np.arange(n)
        blocks = [
            csr_matrix(
                (np.ones(n), (pairs.household[columns], position)), shape=(prepared.n_households, n)
            ),
            csr_matrix((np.ones(n), (pairs.unit[columns], position)), shape=(prepared.n_units, n)),
        ]
        member = np.zeros(prepared.n_units, dtype=bool)
        group_rows, group_cols = [], []
        for row, units in enumerate(row_units):
            member[:] = False
            member[units] = True
            inside = np.flatnonzero(member[pairs.unit[columns]])
            group_rows.append(np.full(len(inside), row))
            group_cols.append(inside)
        if binding:
            rows_, cols_ = np.concatenate(group_rows), np.concatenate(group_cols)
            blocks.append(
                csr_matrix((np.ones(len(rows_)), (rows_, cols_)), shape=(len(binding), n))
            )
        for coefficient_all, _ in earlier:
            blocks.append(csr_matrix(coefficient_all[columns].astype(float)[None, :]))
        upper = np.concatenate(
            [
                np.ones(prepared.n_households + prepared.n_units, dtype=np.int64),
                room,
                np.asarray([value for _, value in earlier], dtype=np.int64),
            ]
        )
        return vstack(blocks, format="csr"), upper

    tiers: list[CappedTier] = []
    earlier: list[tuple[IntArray, int]] = []
    # The optimal face of the tiers proven so far: pairs that may still be used, and the rows
    # (households, units, groups) that must stay tight.
    allowed = np.ones(n_pairs, dtype=bool)
    tight = np.zeros(prepared.n_households + prepared.n_units + len(binding), dtype=bool)
    selected = np.zeros(n_pairs, dtype=bool)
    selected[hint] = True
    most_columns = 0
    for tier in policy.tiers:
        # Objective: the pairs' costs plus the bypass cost of every household left out, i.e. a
        # constant (everyone left out) plus (pair cost − the household's bypass cost) per pair.
        bypass = costs.bypass_cost(tier, free_households)
        bypass_of_household[free_households] = bypass
        coefficient = np.asarray(costs.all_pairs_cost(tier), dtype=np.int64)
        coefficient = coefficient - bypass_of_household[pairs.household]
        constant = int(bypass.sum())
        # Column generation on the LP relaxation: its duals price every pair left out; pairs
        # with negative reduced cost join, until none does. The LP optimum is then a lower
        # bound over all pairs.
        n_h, n_u = prepared.n_households, prepared.n_units
        while True:
            columns = np.flatnonzero(in_columns)
            most_columns = max(most_columns, len(columns))
            matrix, upper = rows(columns, earlier)
            # Tight rows as a second, reversed copy: row ≥ its bound.
            n_tight = np.flatnonzero(tight)
            if len(columns):
                relaxed = linprog(
                    coefficient[columns].astype(float),
                    A_ub=vstack([matrix, -matrix[n_tight]], format="csr"),
                    b_ub=np.concatenate([upper, -upper[n_tight]]).astype(float),
                    bounds=(0, None),
                    method="highs-ipm",
                )
                if relaxed.status != 0:
                    raise RuntimeError(f"HiGHS: LP relaxation of tier {tier}: {relaxed.message}")
                relaxed_value = float(relaxed.fun)
                marginals = np.asarray(relaxed.ineqlin.marginals, dtype=float)
                dual = marginals[: matrix.shape[0]].copy()
                dual[n_tight] -= marginals[matrix.shape[0] :]
            else:
                # No pair left to use: nothing to solve, and every price is zero.
                relaxed_value = 0.0
                dual = np.zeros(matrix.shape[0])
            unit_dual = dual[n_h : n_h + n_u].copy()
            for row, units in enumerate(row_units):
                unit_dual[units] += dual[n_h + n_u + row]
            reduced = coefficient - dual[:n_h][pairs.household] - unit_dual[pairs.unit]
            for index, (coefficient_all, _) in enumerate(earlier):
                reduced -= dual[n_h + n_u + len(binding) + index] * coefficient_all
            # A lower bound over every allowed pair, priced out or not (Lagrangian): a household
            # takes at most one pair, so its most negative reduced cost is all it can add.
            most_negative = np.zeros(n_h)
            np.minimum.at(most_negative, pairs.household[allowed], reduced[allowed])
            lagrangian = relaxed_value + float(most_negative.sum())
            improving = np.flatnonzero((reduced < -_TOLERANCE) & ~in_columns & allowed)
            # Stop when no pair prices negative, or when no pair could raise the bound's
            # integer (a tail of tiny reduced costs then only costs LP solves).
            if all_pairs or not len(improving) or _ceil(lagrangian) >= _ceil(relaxed_value):
                break
            in_columns[_most_negative_per_household(improving, reduced, pairs.household)] = True
        lower_bound = _ceil(lagrangian)
        optimal = True
        if len(columns):
            solved = milp(
                coefficient[columns].astype(float),
                integrality=np.ones(len(columns)),
                bounds=Bounds(0, 1),
                constraints=[
                    LinearConstraint(
                        matrix, np.where(_padded(tight, len(upper)), upper, -np.inf), upper
                    )
                ],
                # mip_rel_gap 0: proven optimal, not within the default 0.01 %.
                options={"time_limit": time_limit_per_tier_s, "mip_rel_gap": 0.0},
            )
            optimal = solved.status == 0
            if solved.x is not None:
                found = np.zeros(n_pairs, dtype=bool)
                found[columns[np.asarray(solved.x) > 0.5]] = True
                # Checked in integers, not HiGHS's tolerances: every row, every earlier value.
                if _keeps_rows(
                    found[columns], matrix=matrix, upper=upper, tight=_padded(tight, len(upper))
                ):
                    selected = found
                elif optimal:
                    raise RuntimeError(f"HiGHS's optimum of tier {tier} breaks a constraint")
        # Otherwise (time ran out first) the last tier's solution stands: it keeps every row.
        value = int(coefficient[selected].sum())
        # The LP bound is over every pair (all of them, or all priced out): reaching it proves
        # the value optimal over all pairs.
        reaches_bound = value == lower_bound
        proven = reaches_bound or (all_pairs and optimal)
        tiers.append(
            CappedTier(
                name=tier,
                objective=constant + value,
                bound=constant + (value if proven else lower_bound),
                status="optimal" if proven else ("feasible" if optimal else "time_limit"),
            )
        )
        # Reduced-cost fixing for the tiers below, which keep this one at `value` or better:
        # every solution costs at least the bound plus each used pair's excess (its reduced
        # cost over its household's most negative one) plus |dual| for each unit of slack in a
        # row. Pairs, or slack, costing more than the gap cannot be in any such solution.
        gap = value - lagrangian + _tolerance(lagrangian)
        allowed &= reduced - most_negative[pairs.household] <= gap
        in_columns &= allowed
        tight |= dual[: len(tight)] < -gap
        if gap > 2 * _tolerance(lagrangian):
            # The fixings alone do not keep the value (several small excesses could add up):
            # the tier's own row, dense, does. At a gap of zero they do, as between the flow's
            # tiers (complementary slackness), and the next MIP stays sparse and easy.
            earlier.append((coefficient, value))

    pair_of_household = np.full(prepared.n_households, -1, dtype=np.int64)
    chosen = np.flatnonzero(selected)
    pair_of_household[pairs.household[chosen]] = chosen
    return CappedSolution(
        pair_of_household=pair_of_household,
        tiers=tiers,
        candidate_pairs=most_columns,
        all_pairs=all_pairs,
    )


# Reduced costs above −_TOLERANCE count as non-negative (HiGHS works in floating point).
_TOLERANCE = 1e-6


def _tolerance(value: float) -> float:
    """HiGHS's objective values are floats: allow for their rounding at this magnitude."""
    return _TOLERANCE + 1e-9 * abs(value)


def _ceil(value: float) -> int:
    """The least integer objective a solution can have at this float bound."""
    return int(np.ceil(value - _tolerance(value)))


def _most_negative_per_household(
    improving: IntArray, reduced: npt.NDArray[np.float64], household: IntArray
) -> IntArray:
    order = improving[np.lexsort((reduced[improving], household[improving]))]
    owner = household[order]
    rank = np.arange(len(order)) - np.searchsorted(owner, owner, side="left")
    return order[rank < ADDED_PER_HOUSEHOLD]


def _incidence(values: IntArray) -> csr_matrix:
    """One row per distinct value, a 1 in each column (candidate) with that value."""
    distinct, row = np.unique(values, return_inverse=True)
    return csr_matrix(
        (np.ones(len(values)), (row.reshape(-1), np.arange(len(values)))),
        shape=(len(distinct), len(values)),
    )


def _keeps_rows(
    chosen: npt.NDArray[np.bool_],
    *,
    matrix: csr_matrix,
    upper: IntArray,
    tight: npt.NDArray[np.bool_],
) -> bool:
    """Every row holds for this 0/1 choice (tight ones exactly), in integer arithmetic."""
    row = matrix.astype(np.int64) @ chosen.astype(np.int64)
    return bool(np.all(row <= upper) and np.all(row[tight] == upper[tight]))


def _padded(mask: npt.NDArray[np.bool_], length: int) -> npt.NDArray[np.bool_]:
    """`mask` over the first rows, False for the rows after them (earlier tiers' values)."""
    return np.concatenate([mask, np.zeros(length - len(mask), dtype=bool)])


def _feasible_hint(
    *,
    groups: list[CapGroup],
    pairs: Pairs,
    is_family: npt.NDArray[np.bool_],
    hint_pair_of_household: IntArray,
) -> list[int]:
    """The hint's pairs with the excess taken out of every over-full group.

    Households without children leave first, then the latest by id: a family keeps its place.
    """
    placed = hint_pair_of_household[hint_pair_of_household >= 0]
    keep = {int(p) for p in placed.tolist()}
    unit_of_pair = {int(p): int(pairs.unit[p]) for p in placed.tolist()}
    for group in groups:
        members = set(group.units.tolist())
        inside = sorted(p for p in keep if unit_of_pair[p] in members)
        excess = len(inside) - group.room
        if excess > 0:
            # Pairs are sorted by household, so later pairs are later households.
            leaving = sorted(inside, key=lambda p: (bool(is_family[pairs.household[p]]), -p))
            for p in leaving[:excess]:
                keep.discard(p)
    return sorted(keep)


def _best_per_kind(*, pairs: Pairs, costs: TierCosts, policy: Policy, hint: IntArray) -> IntArray:
    """Each household's best `BEST_PER_KIND` units of each kind (tiers in order), plus the hint."""
    secondary = [t for t in policy.tiers if t != "placement"]
    keys = [np.asarray(costs.all_pairs_cost(t)) for t in reversed(secondary)]
    kind = costs.prepared.kind_code[pairs.unit]
    order = np.lexsort((*keys, kind, pairs.household))
    group = pairs.household[order] * 3 + kind[order]
    first = np.searchsorted(group, group, side="left")
    rank = np.arange(len(order)) - first
    chosen = np.zeros(len(pairs.household), dtype=bool)
    chosen[order[rank < BEST_PER_KIND]] = True
    chosen[hint[hint >= 0]] = True
    return np.flatnonzero(chosen).astype(np.int64)
