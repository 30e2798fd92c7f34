"""Making a table safe to publish: rounding, small-cell and complementary suppression.

The rules (issue 7, "Publishing safely"):
- every count is rounded to a multiple of 5; a count below 5 (zero included) is withheld;
- a whole row is withheld when its group has fewer than 5 members (households or evictions);
- distributions (mean, median, percentiles, shares) only for groups of at least 10 households;
- complementary suppression: a table publishes its cells and its total, so a lone withheld
  cell would be the total minus the others. For each count measure, as long as the withheld
  cells of a column number fewer than two, or together hold fewer than 5, the smallest
  published cell is withheld too; when no cell is left to withhold, the total is;
- a figure computed from a withheld count (a share over a limit) is withheld with it;
- no figure that describes one family (maxima) is ever published.

Everything works on exact figures from the database and only rounds at the end, so a
complementary choice never depends on rounded values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

SMALL_CELL = 5
MIN_HOUSEHOLDS_FOR_DISTRIBUTION = 10
ROUND_TO = 5

Value = int | float | None


@dataclass
class ExactRow:
    """A row as the database computed it: the group, its size, and every measure."""

    group: dict[str, str]
    # Who the row is about: its suppression base (evictions or households).
    members: int
    # Households in the group (the percentile rule counts households).
    households: int
    values: dict[str, Value]
    withheld: set[str] = field(default_factory=set)


def round_count(value: int) -> int:
    """Round half up to a multiple of 5."""
    return ((value + ROUND_TO // 2) // ROUND_TO) * ROUND_TO


def _primary(
    row: ExactRow,
    *,
    counts: Sequence[str],
    distributions: Sequence[str],
    single_family: Sequence[str],
) -> None:
    row.withheld.update(single_family)
    if row.members < SMALL_CELL:
        row.withheld.update(counts)
        row.withheld.update(distributions)
        return
    for name in counts:
        value = row.values.get(name)
        if value is None or value < SMALL_CELL:
            row.withheld.add(name)
    if row.households < MIN_HOUSEHOLDS_FOR_DISTRIBUTION:
        row.withheld.update(distributions)


def _count(row: ExactRow, name: str) -> int:
    value = row.values.get(name)
    return int(value) if value is not None else 0


def _complementary(rows: Sequence[ExactRow], total: ExactRow, *, name: str) -> None:
    """Withhold more cells of one column until no withheld cell can be recomputed."""
    if name in total.withheld:
        return
    withheld = [row for row in rows if name in row.withheld]
    if not withheld:
        return
    published = sorted(
        (row for row in rows if name not in row.withheld), key=lambda r: _count(r, name)
    )
    while len(withheld) < 2 or sum(_count(r, name) for r in withheld) < SMALL_CELL:
        if not published:
            # Nothing left to hide the withheld cells behind: the total would give them away.
            total.withheld.add(name)
            return
        extra = published.pop(0)
        extra.withheld.add(name)
        withheld.append(extra)


def protect(
    rows: Sequence[ExactRow],
    total: ExactRow,
    *,
    counts: Sequence[str],
    distributions: Sequence[str] = (),
    single_family: Sequence[str] = (),
    derived: Mapping[str, str] | None = None,
) -> None:
    """Mark what a published table must withhold, in place (rows and total).

    `derived` maps a figure to the count it is computed from (a share to its numerator): it is
    withheld wherever that count is, or the share times the group size would give it back.
    """
    for row in (*rows, total):
        _primary(row, counts=counts, distributions=distributions, single_family=single_family)
    for name in counts:
        _complementary(rows, total, name=name)
    for row in (*rows, total):
        for figure, source in (derived or {}).items():
            if source in row.withheld:
                row.withheld.add(figure)


def published_values(row: ExactRow, *, counts: Sequence[str]) -> dict[str, Value]:
    """The row's values as published: withheld ones null, counts rounded."""
    values: dict[str, Value] = {}
    for name, value in row.values.items():
        if name in row.withheld or value is None:
            values[name] = None
        elif name in counts:
            values[name] = round_count(int(value))
        else:
            values[name] = value
    return values
