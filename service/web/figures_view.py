"""The figures page's tables: which figures, grouped how, and a table's columns and cells.

The figures themselves come from the stats service, and the charts from its own SVG renderer;
this only decides what the page asks for and how a row reads. Pure, tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from service.stats.schemas import StatsRow, StatsTable


@dataclass(frozen=True)
class Figure:
    name: str
    group_by: tuple[str, ...]
    # Whole numbers are counts; the rest are shown with one decimal.
    decimals: int = 1


# In the order the page shows them: what happened, where families are now, what it did to the
# children's school trips, and who is still waiting.
FIGURES: dict[str, Figure] = {
    "evictions": Figure("evictions", ("month",)),
    "temporary-housing": Figure("temporary-housing", ("municipality",)),
    "school-trips": Figure("school-trips", ("school_level",)),
    "unplaced": Figure("unplaced", ()),
}


def measures(table: StatsTable) -> list[str]:
    """The table's measure columns, in the schema's order."""
    total: StatsRow = getattr(table, "total")  # noqa: B009 - every table has a total
    return [name for name in type(total).model_fields if name not in ("group", "withheld")]


def rows(table: StatsTable) -> list[StatsRow]:
    """The rows, then the total (the only row when nothing is grouped)."""
    found: list[StatsRow] = list(getattr(table, "rows"))  # noqa: B009
    total: StatsRow = getattr(table, "total")  # noqa: B009
    return [*found, total] if table.group_by else [total]


@dataclass(frozen=True)
class Cell:
    value: Any
    withheld: bool
    whole: bool
    # A fraction, shown as a percentage.
    share: bool = False


def cells(row: StatsRow, names: list[str]) -> list[Cell]:
    values = row.model_dump()
    return [
        Cell(
            value=values[name],
            withheld=name in row.withheld,
            whole=isinstance(values[name], int),
            share=name.startswith("share_"),
        )
        for name in names
    ]


def chart_query(*, period: str | None, municipality: str | None) -> str:
    """The chart's address parameters: the same period and municipality as the page."""
    params = {"period": period, "municipality": municipality}
    query = urlencode({k: v for k, v in params.items() if v})
    return f"?{query}" if query else ""
