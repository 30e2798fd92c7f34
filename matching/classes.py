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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.candidates import Pairs, free_indices
from matching.costs import TierCosts
from matching.policies import Policy

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
    # For each implied pair, in pair order: the household → class arc its path takes.
    implied_arc: IntArray


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
        _group(pairs=pairs, costs=costs, policy=policy, households=households, features=features)
        for households, features in ((without_needs, False), (with_needs, True))
        if len(households)
    ]
    offsets: list[int] = np.cumsum([0] + [part.n_classes for part in parts]).tolist()
    arc_household = np.concatenate([part.household for part in parts])
    # Class arcs sorted by household, like the pairs.
    by_household = np.argsort(arc_household, kind="stable")
    new_arc = np.empty(len(by_household), dtype=np.int64)
    new_arc[by_household] = np.arange(len(by_household))
    arc_offsets = np.cumsum([0] + [len(part.household) for part in parts])
    implied_position = np.concatenate([np.flatnonzero(part.implied_pairs) for part in parts])
    implied_arc = new_arc[
        np.concatenate(
            [part.implied_arc + offset for part, offset in zip(parts, arc_offsets, strict=False)]
        )
    ]
    return ClassNodes(
        n_classes=offsets[-1],
        household=arc_household[by_household],
        klass=np.concatenate(
            [part.klass + offset for part, offset in zip(parts, offsets, strict=False)]
        )[by_household],
        cost={
            tier: np.concatenate([part.cost[tier] for part in parts])[by_household]
            for tier in policy.tiers
        },
        unit_class=np.concatenate(
            [part.unit_class + offset for part, offset in zip(parts, offsets, strict=False)]
        ),
        unit=np.concatenate([part.unit for part in parts]),
        implied_pairs=np.logical_or.reduce([part.implied_pairs for part in parts]),
        implied_arc=implied_arc[np.argsort(implied_position, kind="stable")],
    )


def _group(
    *, pairs: Pairs, costs: TierCosts, policy: Policy, households: IntArray, features: bool
) -> ClassNodes:
    """Class nodes for these households (all of one kind: with needs when `features`)."""
    p = costs.prepared
    _, free_units = free_indices(p)
    grouped = np.zeros(p.n_households, dtype=bool)
    grouped[households] = True
    # Availability splits units into a few buckets per rule (cut at the households' quartiles);
    # a household gets a class arc only where it is feasible on the bucket's least open unit,
    # and explicit pairs to the units of the buckets it only partly fits.
    units = free_units
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
    class_rows, unit_class = np.unique(signature, axis=0, return_inverse=True)
    unit_class = np.asarray(unit_class, dtype=np.int64).reshape(-1)
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
    row, klass = np.nonzero(fits)
    arc_household = households[row]
    klass = klass.astype(np.int64)
    representative = units[np.unique(unit_class, return_index=True)[1]]
    cost: dict[str, IntArray] = {
        tier: costs.cost_of(
            tier,
            household=arc_household,
            unit=representative[klass],
            school_trip_points=np.zeros(len(arc_household)),
        )
        for tier in policy.tiers
    }
    # The feasible pairs these arcs stand for, and the arc each one goes through. Only the
    # grouped households' own pairs are looked at: each household's pairs are one run.
    class_of_unit = np.full(p.n_units, -1, dtype=np.int64)
    class_of_unit[units] = unit_class
    row_of_household = np.full(p.n_households, -1, dtype=np.int64)
    row_of_household[households] = np.arange(len(households))
    arc_of = np.full((len(households), n_classes), -1, dtype=np.int64)
    arc_of[row_of_household[arc_household], klass] = np.arange(len(klass))
    first = np.searchsorted(pairs.household, households)
    count = np.searchsorted(pairs.household, households, side="right") - first
    runs = np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    pair_class = class_of_unit[pairs.unit[runs]]
    arc = np.where(
        pair_class >= 0,
        arc_of[row_of_household[pairs.household[runs]], np.maximum(pair_class, 0)],
        -1,
    )
    implied = np.zeros(len(pairs.household), dtype=bool)
    implied[runs[arc >= 0]] = True
    implied_arc = arc[arc >= 0]
    # A check, not a hope: the arcs stand for exactly the feasible pairs they replace.
    class_size = np.bincount(unit_class, minlength=n_classes)
    if int(implied.sum()) != int(class_size[klass].sum()):
        raise AssertionError("class arcs do not match the feasible pairs they replace")
    return ClassNodes(
        n_classes=n_classes,
        household=arc_household,
        klass=klass,
        cost=cost,
        unit_class=unit_class,
        unit=units,
        implied_pairs=implied,
        implied_arc=implied_arc,
    )
