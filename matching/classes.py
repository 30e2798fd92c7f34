"""Class nodes: households without children reach the units they are indifferent between at once.

A household without children (and without declared needs) has, in every tier, a cost that depends
on the unit only through its cost class (transitional or not, bedrooms). Group the free units by
cost class, occupancy and an availability bucket (a few cut points per availability rule, from the
households' own dates). A household that fits the least open unit of a class fits every unit of
it, at the same cost: one arc household → class and one arc class → unit then replace an arc per
pair, exactly. Its pairs with units of classes it only partly fits stay explicit, as do all pairs
of households with children, needs, declined pairs or safety exclusions. The pairs an arc stands
for are never listed (at 10,000 households they are 10.7 of 14.4 million): `feasible_pairs` skips
them, checking each against the hard rules, and explanations reach them through the arcs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matching.candidates import Pairs, Prepared, free_indices
from matching.costs import TierCosts
from matching.policies import Policy
from matching.segments import concatenated_ranges

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Cut points per availability rule, as quantiles of the grouped households' own dates.
_BUCKET_QUANTILES = (0.0, 0.25, 0.5, 0.75)


@dataclass(frozen=True)
class ClassNodes:
    """Class arcs in global household/unit indices, and lookups for the pairs they stand for.

    The pairs a class arc stands for are never listed: `feasible_pairs` leaves them out (each
    block asks `implied_cells`), and explanations find them through `arc_of_pairs`.
    """

    n_classes: int
    # The arcs household → class, sorted by household, then class.
    household: IntArray
    klass: IntArray
    # The arcs class → unit: each free unit once per kind of grouped household, by class.
    unit_class: IntArray
    unit: IntArray
    # Each class's first unit: its costs are every unit's of the class.
    representative: IntArray
    # Each household's row in `arc_of_cell` (the last row, of no arcs, for households not grouped).
    row_of_household: IntArray
    # Each unit's cell: the units that share a class of every kind (the last cell, of no arcs, for
    # units not free).
    cell_of_unit: IntArray
    # Row × cell → the arc household → class whose class holds the cell, or -1.
    arc_of_cell: npt.NDArray[np.signedinteger[Any]]

    @property
    def implied_count(self) -> int:
        """How many feasible pairs the class arcs stand for."""
        class_size = np.bincount(self.unit_class, minlength=self.n_classes)
        return int(class_size[self.klass].sum())

    def units_by_class(self) -> tuple[IntArray, IntArray]:
        """Every class's units, in index order, one class after another, and where each class's
        run starts (and the last one ends)."""
        by_class = np.argsort(self.unit_class, kind="stable")
        class_start = np.searchsorted(self.unit_class[by_class], np.arange(self.n_classes + 1))
        return self.unit[by_class], class_start.astype(np.int64)

    def units_of_class(self, klass: int) -> IntArray:
        """The units of one class, in index order."""
        return np.asarray(self.unit[self.unit_class == klass], dtype=np.int64)

    def arc_of_pairs(self, *, households: IntArray, units: IntArray) -> IntArray:
        """The class arc that stands for each pair (household, unit), or -1 (also for -1s)."""
        valid = (households >= 0) & (units >= 0)
        rows = self.row_of_household[np.where(valid, households, 0)]
        cells = self.cell_of_unit[np.where(valid, units, 0)]
        arc = np.asarray(self.arc_of_cell[rows, cells], dtype=np.int64)
        return np.where(valid, arc, -1)

    def implied_cells(self, first: int, stop: int, n_units: int) -> BoolArray | None:
        """Households first..stop-1 × every unit: True where a class arc stands for the pair."""
        rows = self.row_of_household[first:stop]
        grouped = rows < len(self.arc_of_cell) - 1
        if not grouped.any():
            return None
        implied = np.zeros((stop - first, n_units), dtype=bool)
        implied[grouped] = self.arc_of_cell[rows[grouped]][:, self.cell_of_unit] >= 0
        return implied


def class_arcs(*, prepared: Prepared, policy: Policy, enabled: bool = True) -> ClassNodes:
    """Group what can be grouped exactly; everything else stays an explicit pair."""
    p = prepared
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
            unit_class=empty,
            unit=empty,
            representative=empty,
            row_of_household=np.zeros(p.n_households, dtype=np.int64),
            cell_of_unit=np.zeros(p.n_units, dtype=np.int64),
            arc_of_cell=np.full((1, 1), -1, dtype=np.int64),
        )
    # Households without needs reach classes of units that differ in cost class, size and
    # availability; households with needs reach classes that also share the units' features
    # (a unit then sits in two classes, one of each kind: two class nodes may feed one unit).
    without_needs = np.flatnonzero(grouped & (p.needs_mask == 0))
    with_needs = np.flatnonzero(grouped & (p.needs_mask != 0))
    parts = [
        _group(prepared=p, households=households, features=features)
        for households, features in ((without_needs, False), (with_needs, True))
        if len(households)
    ]
    offsets: list[int] = np.cumsum([0] + [part.n_classes for part in parts]).tolist()
    n_classes = offsets[-1]
    # One matrix of every grouped household (rows, in id order) by every class: each household
    # fits classes of its own kind only, so its row-major nonzeros are the arcs sorted by
    # household, then class.
    grouped_households = np.flatnonzero(grouped)
    row_of_household = np.full(p.n_households, len(grouped_households), dtype=np.int64)
    row_of_household[grouped_households] = np.arange(len(grouped_households))
    fits = np.zeros((len(grouped_households), n_classes), dtype=bool)
    for part, offset in zip(parts, offsets, strict=False):
        fits[row_of_household[part.households], offset : offset + part.n_classes] = part.fits
    row, klass = np.nonzero(fits)
    cell_of_unit, arc_of_cell = _cells(
        n_units=p.n_units,
        free_units=free_units,
        fits=fits,
        row_of_household=row_of_household,
        parts=parts,
        offsets=offsets,
    )
    return ClassNodes(
        n_classes=n_classes,
        household=grouped_households[row],
        klass=klass.astype(np.int64),
        unit_class=np.concatenate(
            [part.unit_class + offset for part, offset in zip(parts, offsets, strict=False)]
        ),
        unit=np.concatenate([free_units for _ in parts]),
        representative=np.concatenate([part.representative for part in parts]),
        row_of_household=row_of_household,
        cell_of_unit=cell_of_unit,
        arc_of_cell=arc_of_cell,
    )


def class_arc_costs(
    *, classes: ClassNodes, costs: TierCosts, policy: Policy
) -> dict[str, IntArray]:
    """Each tier's cost of each household → class arc: its cost on the class's every unit."""
    return {
        tier: costs.cost_of(
            tier,
            household=classes.household,
            unit=classes.representative[classes.klass],
            school_trip_points=np.zeros(len(classes.household)),
        )
        for tier in policy.tiers
    }


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


def _group(*, prepared: Prepared, households: IntArray, features: bool) -> _ClassGroup:
    """Class nodes for these households (all of one kind: with needs when `features`)."""
    p = prepared
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


def _cells(
    *,
    n_units: int,
    free_units: IntArray,
    fits: BoolArray,
    row_of_household: IntArray,
    parts: list[_ClassGroup],
    offsets: list[int],
) -> tuple[IntArray, npt.NDArray[np.signedinteger[Any]]]:
    """Each unit's cell, and the table row × cell → arc (see `ClassNodes`).

    The table is 32-bit where that is enough: `feasible_pairs` reads a row of it per grouped
    household and unit.
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
    # Units that are not free get a cell of no arcs.
    cell_of_unit = np.full(n_units, n_cells, dtype=np.int64)
    cell_of_unit[free_units] = np.asarray(unit_cell).reshape(-1)
    # Each row's arc to each cell: through the class of the row's kind that holds the cell.
    # The last row is every household that is not grouped: no arcs.
    arc_of_cell = np.full((n_rows + 1, n_cells + 1), -1, dtype=arc_dtype)
    for part, offset in zip(parts, offsets, strict=False):
        class_of_cell = np.r_[offset + part.unit_class[first_unit], n_classes]
        rows = row_of_household[part.households]
        arc_of_cell[rows] = np.take(arc_of[rows], class_of_cell, axis=1)
    return cell_of_unit, arc_of_cell


def every_pair(*, pairs: Pairs, classes: ClassNodes, n_units: int) -> Pairs:
    """The listed pairs and those the class arcs stand for, in one list sorted by household, then
    unit: for solvers that need a column per pair (placement caps)."""
    if not len(classes.household):
        return pairs
    class_units, class_start = classes.units_by_class()
    size = np.diff(class_start)[classes.klass]
    implied_unit = class_units[concatenated_ranges(class_start[classes.klass], size)]
    household = np.concatenate([pairs.household, np.repeat(classes.household, size)])
    unit = np.concatenate([pairs.unit, implied_unit])
    order = np.argsort(household * n_units + unit, kind="stable")
    points = np.concatenate([pairs.school_trip_points, np.zeros(len(implied_unit))])
    km = (
        None
        if pairs.school_trip_km_total is None
        else np.concatenate([pairs.school_trip_km_total, np.zeros(len(implied_unit))])
    )
    return Pairs(
        household=household[order],
        unit=unit[order],
        school_trip_points=points[order],
        school_trip_km_total=None if km is None else km[order],
    )
