"""Class nodes: households without children reach the units they are indifferent between at once.

A household without children (and without declared needs) has, in every tier, a cost that depends
on the unit only through its cost class (transitional or not, bedrooms). Group the free units by
cost class, occupancy and an availability bucket (a few cut points per availability rule, from the
households' own dates). A household that fits the least open unit of a class fits every unit of
it, at the same cost: one arc household → class and one arc class → unit then replace an arc per
pair, exactly. Its pairs with units of classes it only partly fits stay explicit, as do all pairs
of households with children, needs, declined pairs or safety exclusions.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matching.candidates import Pairs, free_indices
from matching.costs import TierCosts
from matching.policies import Policy
from matching.threads import blocks, map_in_threads

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Cut points per availability rule, as quantiles of the grouped households' own dates.
_BUCKET_QUANTILES = (0.0, 0.25, 0.5, 0.75)


@dataclass(frozen=True)
class ClassNodes:
    """Class arcs in global household/unit indices, and the pairs they stand for."""

    n_classes: int
    household: IntArray
    klass: IntArray
    # Each tier's cost of each household → class arc.
    cost: dict[str, IntArray]
    unit_class: IntArray
    unit: IntArray
    # Over all feasible pairs: True where the pair is a path household → class → unit instead.
    implied_pairs: BoolArray
    # For each implied pair, in pair order: the household → class arc its path takes (32 bits
    # while the arcs allow: one per implied pair, ~11 M at 10,000 households).
    implied_arc: npt.NDArray[np.signedinteger[Any]]


def class_arcs(
    *, pairs: Pairs, costs: TierCosts, policy: Policy, enabled: bool = True
) -> ClassNodes:
    """Group what can be grouped exactly; everything else stays an explicit pair."""
    p = costs.prepared
    free_households, free_units = free_indices(p)
    empty = np.zeros(0, dtype=np.int64)
    # Households: free, without children, nothing declined, no safety exclusion (those rules
    # are per unit: such households keep explicit pairs).
    grouped = np.zeros(p.n_households, dtype=bool)
    grouped[free_households] = True
    grouped &= p.children_count == 0
    if len(p.excluded_keys):
        grouped[np.unique(p.excluded_keys // max(p.n_units, 1))] = False
    for household, unsafe in p.unsafe_units.items():
        if len(unsafe):
            grouped[household] = False
    if not enabled or not grouped.any() or not len(free_units):
        return ClassNodes(
            n_classes=0,
            household=empty,
            klass=empty,
            cost={tier: empty for tier in policy.tiers},
            unit_class=empty,
            unit=empty,
            implied_pairs=np.zeros(len(pairs.household), dtype=bool),
            implied_arc=empty,
        )
    # Households without needs reach classes of units that differ in cost class, size and
    # availability; households with needs reach classes that also share the units' features
    # (a unit then sits in two classes, one of each kind: two class nodes may feed one unit).
    without_needs = np.flatnonzero(grouped & (p.needs_mask == 0))
    with_needs = np.flatnonzero(grouped & (p.needs_mask != 0))
    parts = [
        _group(costs=costs, households=households, features=features)
        for households, features in ((without_needs, False), (with_needs, True))
        if len(households)
    ]
    offsets: list[int] = np.cumsum([0] + [part.n_classes for part in parts]).tolist()
    n_classes = offsets[-1]
    # One matrix of every grouped household (rows, in id order) by every class: each household
    # fits classes of its own kind only, so its row-major nonzeros are the arcs sorted by
    # household, then class.
    grouped_households = np.flatnonzero(grouped)
    row_of_household = np.full(p.n_households, -1, dtype=np.int64)
    row_of_household[grouped_households] = np.arange(len(grouped_households))
    fits = np.zeros((len(grouped_households), n_classes), dtype=bool)
    for part, offset in zip(parts, offsets, strict=False):
        fits[row_of_household[part.households], offset : offset + part.n_classes] = part.fits
    row, klass = np.nonzero(fits)
    arc_household = grouped_households[row]
    klass = klass.astype(np.int64)
    representative = np.concatenate([part.representative for part in parts])
    cost: dict[str, IntArray] = {
        tier: costs.cost_of(
            tier,
            household=arc_household,
            unit=representative[klass],
            school_trip_points=np.zeros(len(arc_household)),
        )
        for tier in policy.tiers
    }
    unit_class = np.concatenate(
        [part.unit_class + offset for part, offset in zip(parts, offsets, strict=False)]
    )
    implied, implied_arc = _implied_pairs(
        pairs=pairs,
        n_units=p.n_units,
        free_units=free_units,
        fits=fits,
        row_of_household=row_of_household,
        parts=parts,
        offsets=offsets,
    )
    # A check, not a hope: the arcs stand for exactly the feasible pairs they replace. (An arc
    # never stands for more pairs than its class has units, so equal totals mean every arc's.)
    class_size = np.bincount(unit_class, minlength=n_classes)
    if len(implied_arc) != int(class_size[klass].sum()):
        raise AssertionError("class arcs do not match the feasible pairs they replace")
    return ClassNodes(
        n_classes=n_classes,
        household=arc_household,
        klass=klass,
        cost=cost,
        unit_class=unit_class,
        unit=np.concatenate([free_units for _ in parts]),
        implied_pairs=implied,
        implied_arc=implied_arc,
    )


@dataclass(frozen=True)
class _ClassGroup:
    """The classes of one kind of grouped household, and which of them each household fits."""

    households: IntArray
    n_classes: int
    # Each free unit's class (free units in index order).
    unit_class: IntArray
    # The first free unit of each class: its costs are every unit's of the class.
    representative: IntArray
    # Households × classes: True where every hard rule holds on every unit of the class.
    fits: BoolArray


def _group(*, costs: TierCosts, households: IntArray, features: bool) -> _ClassGroup:
    """Class nodes for these households (all of one kind: with needs when `features`)."""
    p = costs.prepared
    _, units = free_indices(p)
    # Availability splits units into a few buckets per rule (cut at the households' quartiles);
    # a household gets a class arc only where it is feasible on the bucket's least open unit,
    # and explicit pairs to the units of the buckets it only partly fits.
    bucket = np.zeros(len(units), dtype=np.int64)
    worst: list[IntArray] = []
    for unit_value, household_value in (
        # Feasible when unit value ≤ household value: available from ≤ needed from; −until ≤
        # −needed until; −maximum stay ≤ −expected stay.
        (p.available_from_day[units], p.needed_from_day[households]),
        (-p.available_until_day[units], -p.needed_until_day[households]),
        (-p.max_stay_days[units], -p.expected_stay_days[households]),
    ):
        cuts = np.unique(np.quantile(household_value, _BUCKET_QUANTILES, method="lower"))
        unit_bucket = np.searchsorted(cuts, unit_value, side="left")
        bucket = bucket * (len(cuts) + 1) + unit_bucket
        worst.append(unit_value)
    signature = np.column_stack(
        [
            p.is_transitional[units].astype(np.int64),
            p.bedrooms[units],
            p.max_occupants[units],
            bucket,
            p.features_mask[units] if features else np.zeros(len(units), dtype=np.int64),
        ]
    )
    first_unit, unit_class = _unique_rows(signature)
    class_rows = signature[first_unit]
    n_classes = len(class_rows)
    class_bedrooms = class_rows[:, 1]
    class_occupants = class_rows[:, 2]
    class_features = class_rows[:, 4]
    # Household → class where every hard rule holds on every unit of the class.
    fits = (p.members[households][:, None] <= class_occupants[None, :]) & (
        p.bedrooms_needed[households][:, None] <= class_bedrooms[None, :]
    )
    if features:
        fits &= (p.needs_mask[households][:, None] & ~class_features[None, :]) == 0
    for unit_value, household_value in zip(
        worst,
        (
            p.needed_from_day[households],
            -p.needed_until_day[households],
            -p.expected_stay_days[households],
        ),
        strict=True,
    ):
        least_open = np.full(n_classes, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(least_open, unit_class, unit_value)
        fits &= least_open[None, :] <= household_value[:, None]
    return _ClassGroup(
        households=households,
        n_classes=n_classes,
        unit_class=unit_class,
        representative=units[first_unit],
        fits=fits,
    )


def _unique_rows(rows: IntArray) -> tuple[IntArray, IntArray]:
    """Each distinct row's first index, and each row's rank among the distinct rows.

    The same as `np.unique(rows, axis=0)` (lexicographic order), but on one packed integer
    per row when the columns' ranges fit 63 bits: a row-wise unique is many times slower.
    """
    low = rows.min(axis=0, initial=0)
    span = rows.max(axis=0, initial=0) - low + 1
    if sum(int(s).bit_length() for s in span) <= 63:
        packed = np.zeros(len(rows), dtype=np.int64)
        for column, column_span in enumerate(span.tolist()):
            packed = packed * column_span + (rows[:, column] - low[column])
        _, first, rank = np.unique(packed, return_index=True, return_inverse=True)
    else:
        _, first, rank = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    return first.astype(np.int64), np.asarray(rank, dtype=np.int64).reshape(-1)


def _implied_pairs(
    *,
    pairs: Pairs,
    n_units: int,
    free_units: IntArray,
    fits: BoolArray,
    row_of_household: IntArray,
    parts: list[_ClassGroup],
    offsets: list[int],
) -> tuple[BoolArray, npt.NDArray[np.signedinteger[Any]]]:
    """Which feasible pairs a class arc stands for, and (in pair order) that arc.

    One pass over all pairs (~15 M at 10,000 households), each a lookup in a small table by the
    household's row and the unit's cell: the units that share a class of every kind (the two
    kinds' classes cut the units differently). The pass's arrays are 32-bit where that is enough:
    it is bound by memory traffic.
    """
    n_rows, n_classes = fits.shape
    n_arcs = int(fits.sum())
    arc_dtype = np.int32 if n_arcs < 2**31 else np.int64
    arc_of = np.full((n_rows, n_classes + 1), -1, dtype=arc_dtype)
    arc_of[:, :n_classes][fits] = np.arange(n_arcs)
    cell_key = np.zeros(len(free_units), dtype=np.int64)
    for part in parts:
        cell_key = cell_key * part.n_classes + part.unit_class
    _, first_unit, unit_cell = np.unique(cell_key, return_index=True, return_inverse=True)
    n_cells = len(first_unit)
    # Units that are not free get a cell of no arcs (feasible pairs never name them).
    cell_of_unit = np.full(n_units, n_cells, dtype=np.int64)
    cell_of_unit[free_units] = np.asarray(unit_cell).reshape(-1)
    # Each row's arc to each cell: through the class of the row's kind that holds the cell.
    # The last row is every household that is not grouped: no arcs.
    arc_of_cell = np.full((n_rows + 1, n_cells + 1), -1, dtype=arc_dtype)
    for part, offset in zip(parts, offsets, strict=False):
        class_of_cell = np.r_[offset + part.unit_class[first_unit], n_classes]
        rows = row_of_household[part.households]
        arc_of_cell[rows] = np.take(arc_of[rows], class_of_cell, axis=1)
    key_dtype = np.int32 if arc_of_cell.size < 2**31 else np.int64
    row_key = np.where(row_of_household >= 0, row_of_household, n_rows) * (n_cells + 1)
    row_key = row_key.astype(key_dtype)
    cell_of_unit = cell_of_unit.astype(key_dtype)
    arc_of_pair_key = arc_of_cell.ravel()
    first_pair = np.searchsorted(pairs.household, np.arange(len(row_of_household) + 1))

    def implied_in(households: slice) -> tuple[BoolArray, npt.NDArray[np.signedinteger[Any]]]:
        # Pairs are sorted by household: repeating each household's key is cheaper than a
        # gather.
        pair_range = slice(int(first_pair[households.start]), int(first_pair[households.stop]))
        key = np.repeat(
            row_key[households], np.diff(first_pair[households.start : households.stop + 1])
        )
        key += cell_of_unit[pairs.unit[pair_range]]
        arc = arc_of_pair_key[key]
        implied = arc >= 0
        return implied, arc[implied]

    # Blocks of households with about equal numbers of pairs, one per thread.
    household_bounds = [
        int(np.searchsorted(first_pair, piece.start)) for piece in blocks(len(pairs.household))
    ] + [len(row_of_household)]
    parts_found = map_in_threads(
        implied_in,
        [slice(a, b) for a, b in itertools.pairwise(household_bounds)],
    )
    return (
        np.concatenate([implied for implied, _ in parts_found]),
        np.concatenate([arc for _, arc in parts_found]),
    )
