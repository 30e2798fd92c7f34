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
    # Pair index (into `pairs`) per household, or -1.
    pair_of_household: IntArray
    tiers: list[CappedTier]
    candidate_pairs: int
    all_pairs: bool
    # Households placed beyond a cap, each only so that no family with children is left
    # without a place (the least such excess), and whether that least is proven.
    cap_excess: int
    cap_excess_proven: bool


def solve_with_caps(
    *,
    pairs: Pairs,
    costs: TierCosts,
    policy: Policy,
    groups: list[CapGroup],
    free_households: IntArray,
    flow_pair_of_household: IntArray,
    time_limit_per_tier_s: float = TIME_LIMIT_PER_TIER_S,
) -> CappedSolution:
    """Every tier in order by a MIP (HiGHS) over the candidate pairs, keeping the caps.

    A cap never leaves a family with children without a place: as many families are placed as
    in the flow's optimum without caps (`flow_pair_of_household`: pair index per household, or
    -1), and a group may exceed its cap only for that; the excess is minimised first, before
    the policy's tiers. The flow's assignment, so counted, is also the solution to fall back on
    should time run out.
    """
    prepared = costs.prepared
    n_pairs = len(pairs.household)
    n_h, n_u = prepared.n_households, prepared.n_units
    all_pairs = n_pairs <= ALL_PAIRS_LIMIT
    flow_pairs = flow_pair_of_household[flow_pair_of_household >= 0]
    in_columns = np.zeros(n_pairs, dtype=bool)
    if all_pairs:
        in_columns[:] = True
    else:
        in_columns[_best_per_kind(pairs=pairs, costs=costs, policy=policy, hint=flow_pairs)] = True
    in_columns[flow_pairs] = True
    is_family_pair = prepared.children_count[pairs.household] > 0
    families_placed = int(is_family_pair[flow_pairs].sum())
    # Groups whose cap can bind (more units than room), and their units.
    binding = [g for g in groups if len(g.units) > g.room]
    row_units = [g.units for g in binding]
    room = np.asarray([g.room for g in binding], dtype=np.int64)
    n_groups = len(binding)
    # Rows: households, units, groups, the families row; then one per stage kept densely.
    n_fixed_rows = n_h + n_u + n_groups + 1

    def excess_of(chosen: npt.NDArray[np.bool_]) -> IntArray:
        placed = np.zeros(n_u, dtype=np.int64)
        placed[pairs.unit[chosen]] = 1
        counts = np.asarray([int(placed[u].sum()) for u in row_units], dtype=np.int64)
        return np.asarray(np.maximum(0, counts - room), dtype=np.int64)

    def rows(
        columns: IntArray, earlier: list[tuple[IntArray, IntArray, int]]
    ) -> tuple[csr_matrix, IntArray]:
        """Constraints over the columns, then one excess variable per binding group."""
        n = len(columns)
        position = np.arange(n)
        width = n + n_groups
        blocks = [
            csr_matrix((np.ones(n), (pairs.household[columns], position)), shape=(n_h, width)),
            csr_matrix((np.ones(n), (pairs.unit[columns], position)), shape=(n_u, width)),
        ]
        member = np.zeros(n_u, dtype=bool)
        group_rows, group_cols = [np.arange(n_groups)], [n + np.arange(n_groups)]
        group_values = [-np.ones(n_groups)]
        for row, units in enumerate(row_units):
            member[:] = False
            member[units] = True
            inside = np.flatnonzero(member[pairs.unit[columns]])
            group_rows.append(np.full(len(inside), row))
            group_cols.append(inside)
            group_values.append(np.ones(len(inside)))
        blocks.append(
            csr_matrix(
                (
                    np.concatenate(group_values),
                    (np.concatenate(group_rows), np.concatenate(group_cols)),
                ),
                shape=(n_groups, width),
            )
        )
        families = np.flatnonzero(is_family_pair[columns])
        blocks.append(
            csr_matrix(
                (-np.ones(len(families)), (np.zeros(len(families)), families)), shape=(1, width)
            )
        )
        for coefficient_all, excess_coefficient, _ in earlier:
            blocks.append(
                csr_matrix(
                    np.concatenate([coefficient_all[columns], excess_coefficient]).astype(float)[
                        None, :
                    ]
                )
            )
        upper = np.concatenate(
            [
                np.ones(n_h + n_u, dtype=np.int64),
                room,
                [-families_placed],
                np.asarray([value for _, _, value in earlier], dtype=np.int64),
            ]
        )
        return vstack(blocks, format="csr"), upper

    # The stages: the least cap excess, then the policy's tiers. For each, the pairs' and the
    # excess variables' coefficients and the constant.
    no_pair_cost = np.zeros(n_pairs, dtype=np.int64)
    stages: list[tuple[str, IntArray, IntArray, int]] = [
        ("cap excess", no_pair_cost, np.ones(n_groups, dtype=np.int64), 0)
    ]
    bypass_of_household = np.zeros(n_h, dtype=np.int64)
    for tier in policy.tiers:
        # The pairs' costs plus the bypass cost of every household left out, i.e. a constant
        # (everyone left out) plus (pair cost − the household's bypass cost) per pair.
        bypass = costs.bypass_cost(tier, free_households)
        bypass_of_household[:] = 0
        bypass_of_household[free_households] = bypass
        coefficient = np.asarray(costs.all_pairs_cost(tier), dtype=np.int64)
        stages.append(
            (
                tier,
                coefficient - bypass_of_household[pairs.household],
                np.zeros(n_groups, dtype=np.int64),
                int(bypass.sum()),
            )
        )

    tiers: list[CappedTier] = []
    earlier: list[tuple[IntArray, IntArray, int]] = []
    # The optimal face of the stages so far: pairs that may still be used, and the fixed rows
    # (households, units, groups, families) that must stay tight.
    allowed = np.ones(n_pairs, dtype=bool)
    tight = np.zeros(n_fixed_rows, dtype=bool)
    # Excess variables fixed at 0 by an earlier stage.
    excess_closed = np.zeros(n_groups, dtype=bool)
    selected = np.zeros(n_pairs, dtype=bool)
    selected[flow_pairs] = True
    selected_excess = excess_of(selected)
    most_columns = 0
    cap_excess, cap_excess_proven = 0, True
    for stage, coefficient, excess_coefficient, constant in stages:
        # Column generation on the LP relaxation: its duals price every pair left out; pairs
        # with negative reduced cost join, until none does or none could raise the bound.
        while True:
            columns = np.flatnonzero(in_columns)
            most_columns = max(most_columns, len(columns))
            matrix, upper = rows(columns, earlier)
            objective = np.concatenate([coefficient[columns], excess_coefficient]).astype(float)
            # Tight rows as a second, reversed copy: row ≥ its bound.
            tight_rows = np.flatnonzero(tight)
            relaxed = linprog(
                objective,
                A_ub=vstack([matrix, -matrix[tight_rows]], format="csr"),
                b_ub=np.concatenate([upper, -upper[tight_rows]]).astype(float),
                bounds=[(0, None)] * len(columns)
                + [(0, 0 if closed else None) for closed in excess_closed.tolist()],
                method="highs-ipm",
            )
            if relaxed.status != 0:
                raise RuntimeError(f"HiGHS: LP relaxation of {stage}: {relaxed.message}")
            relaxed_value = float(relaxed.fun)
            marginals = np.asarray(relaxed.ineqlin.marginals, dtype=float)
            dual = marginals[: matrix.shape[0]].copy()
            dual[tight_rows] -= marginals[matrix.shape[0] :]
            unit_dual = dual[n_h : n_h + n_u].copy()
            for row, units in enumerate(row_units):
                unit_dual[units] += dual[n_h + n_u + row]
            reduced = coefficient - dual[:n_h][pairs.household] - unit_dual[pairs.unit]
            reduced += dual[n_h + n_u + n_groups] * is_family_pair
            for index, (coefficient_all, _, _) in enumerate(earlier):
                reduced -= dual[n_fixed_rows + index] * coefficient_all
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
        # The LP's vertex is often integral already (the rows are nearly a network): then it
        # is the MIP's optimum over these columns and no branching is needed.
        vertex = np.asarray(relaxed.x, dtype=float)
        if np.all(np.abs(vertex - np.rint(vertex)) <= 1e-7):
            solution: npt.NDArray[np.float64] | None = vertex
            optimal = True
        else:
            solved = milp(
                objective,
                integrality=np.ones(len(objective)),
                bounds=Bounds(
                    0, np.concatenate([np.ones(len(columns)), np.where(excess_closed, 0, np.inf)])
                ),
                constraints=[
                    LinearConstraint(
                        matrix, np.where(_padded(tight, len(upper)), upper, -np.inf), upper
                    )
                ],
                # mip_rel_gap 0: proven optimal, not within the default 0.01 %.
                options={"time_limit": time_limit_per_tier_s, "mip_rel_gap": 0.0},
            )
            solution = solved.x
            optimal = solved.status == 0
        if solution is not None:
            found = np.zeros(n_pairs, dtype=bool)
            found[columns[np.asarray(solution[: len(columns)]) > 0.5]] = True
            found_excess = np.rint(np.asarray(solution[len(columns) :])).astype(np.int64)
            # Checked in integers, not HiGHS's tolerances: every row, every earlier value.
            if _keeps_rows(
                np.concatenate([found[columns], found_excess]),
                matrix=matrix,
                upper=upper,
                tight=_padded(tight, len(upper)),
            ):
                selected, selected_excess = found, found_excess
            elif optimal:
                raise RuntimeError(f"HiGHS's optimum of {stage} breaks a constraint")
        # Otherwise (time ran out first) the last stage's solution stands: it keeps every row.
        value = int(coefficient[selected].sum()) + int(excess_coefficient @ selected_excess)
        # The bound is over every pair (all of them, or all priced out): reaching it proves
        # the value optimal over all pairs.
        reaches_bound = value == lower_bound
        proven = reaches_bound or (all_pairs and optimal)
        if stage == "cap excess":
            cap_excess, cap_excess_proven = value, proven
        else:
            tiers.append(
                CappedTier(
                    name=stage,  # type: ignore[arg-type]  # a policy tier
                    objective=constant + value,
                    bound=constant + (value if proven else lower_bound),
                    status="optimal" if proven else ("feasible" if optimal else "time_limit"),
                )
            )
        # Reduced-cost fixing for the stages below, which keep this one at `value` or better:
        # every solution costs at least the bound plus each used pair's excess (its reduced
        # cost over its household's most negative one) plus |dual| for each unit of slack in a
        # row. Pairs, or slack, costing more than the gap cannot be in any such solution.
        gap = value - lagrangian + _tolerance(lagrangian)
        allowed &= reduced - most_negative[pairs.household] <= gap
        in_columns &= allowed
        tight |= dual[:n_fixed_rows] < -gap
        # An excess variable (always a column) is fixed the same way, by its own reduced cost.
        excess_reduced = excess_coefficient + dual[n_h + n_u : n_h + n_u + n_groups]
        for index, (_, earlier_excess, _) in enumerate(earlier):
            excess_reduced -= dual[n_fixed_rows + index] * earlier_excess
        excess_closed |= excess_reduced > gap
        # The fixings alone do not keep the value (several small excesses could add up), and
        # excess variables are not fixed: the stage's own row, dense, does. At a gap of zero
        # on pairs alone they do, as between the flow's tiers (complementary slackness), and
        # the next MIP stays sparse and easy.
        if gap > 2 * _tolerance(lagrangian) or excess_coefficient.any():
            earlier.append((coefficient, excess_coefficient, value))

    pair_of_household = np.full(n_h, -1, dtype=np.int64)
    chosen = np.flatnonzero(selected)
    pair_of_household[pairs.household[chosen]] = chosen
    return CappedSolution(
        pair_of_household=pair_of_household,
        tiers=tiers,
        candidate_pairs=most_columns,
        all_pairs=all_pairs,
        cap_excess=cap_excess,
        cap_excess_proven=cap_excess_proven,
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


def _keeps_rows(
    chosen: npt.NDArray[np.integer],
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
