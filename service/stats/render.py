"""A figure as CSV or as an SVG bar chart a policymaker can paste into a report.

The chart is drawn by hand: a few dozen lines of SVG need no plotting library, and the output
stays stable and small. Withheld bars are drawn as an outline marked "withheld".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from service.stats.schemas import StatsRow, StatsTable

CSV_MEDIA_TYPE = "text/csv"
SVG_MEDIA_TYPE = "image/svg+xml"
JSON_MEDIA_TYPE = "application/json"


def _rows_of(table: StatsTable) -> tuple[list[StatsRow], StatsRow]:
    rows: list[StatsRow] = list(getattr(table, "rows"))  # noqa: B009 - every table has rows
    total: StatsRow = getattr(table, "total")  # noqa: B009
    return rows, total


def _measures(row: StatsRow) -> list[str]:
    return [name for name in type(row).model_fields if name not in ("group", "withheld")]


def to_csv(table: StatsTable) -> str:
    """One line per row and a last `total` line; group columns first, withheld cells empty."""
    rows, total = _rows_of(table)
    measures = _measures(total)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*table.group_by, *measures, "withheld"])
    for row in [*rows, total]:
        values = row.model_dump()
        group = [row.group.get(name, "total" if not row.group else "") for name in table.group_by]
        cells = ["" if values[name] is None else values[name] for name in measures]
        writer.writerow([*group, *cells, ";".join(row.withheld)])
    return out.getvalue()


def _label(row: StatsRow) -> str:
    return " · ".join(row.group.values()) or "total"


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, int) or value >= 100 else f"{value:.3g}"


# Layout, in px.
WIDTH = 720
LEFT = 200
RIGHT = 60
BAR = 18
GAP = 6
TOP = 56
BOTTOM = 48


def to_svg(table: StatsTable) -> str:
    """A horizontal bar chart of the table's main measure, one bar per row (the total if none)."""
    rows, total = _rows_of(table)
    bars: Sequence[StatsRow] = rows or [total]
    measure = type(total).CHART
    values = [getattr(row, measure) for row in bars]
    top_value = max((float(v) for v in values if v is not None), default=0.0) or 1.0
    plot_width = WIDTH - LEFT - RIGHT
    height = TOP + len(bars) * (BAR + GAP) + BOTTOM
    period = table.period or f"to {table.date_to.isoformat()}"
    title = f"{table.figure}: {measure.replace('_', ' ')} ({period})"
    scope = ", ".join(table.municipalities) if table.municipalities else "all municipalities"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="16" y="24" font-size="15" font-weight="bold">{escape(title)}</text>',
        f'<text x="16" y="42" fill="#555">{escape(scope)}</text>',
    ]
    for index, (row, value) in enumerate(zip(bars, values, strict=True)):
        y = TOP + index * (BAR + GAP)
        text_y = y + BAR - 5
        parts.append(
            f'<text x="{LEFT - 8}" y="{text_y}" text-anchor="end">{escape(_label(row))}</text>'
        )
        if value is None:
            parts.append(
                f'<rect x="{LEFT}" y="{y}" width="{plot_width / 4:.1f}" height="{BAR}" '
                'fill="none" stroke="#999" stroke-dasharray="4 3" class="withheld"/>'
            )
            parts.append(f'<text x="{LEFT + 6}" y="{text_y}" fill="#777">withheld</text>')
            continue
        width = plot_width * float(value) / top_value
        parts.append(
            f'<rect x="{LEFT}" y="{y}" width="{width:.1f}" height="{BAR}" fill="#2b6cb0" '
            'class="bar"/>'
        )
        parts.append(f'<text x="{LEFT + width + 4:.1f}" y="{text_y}">{_fmt(value)}</text>')
    axis_y = TOP + len(bars) * (BAR + GAP)
    parts.append(f'<line x1="{LEFT}" y1="{TOP - 4}" x2="{LEFT}" y2="{axis_y}" stroke="#333"/>')
    note = "Rounded to 5; small cells withheld." if table.published else "Exact figures."
    parts.append(f'<text x="16" y="{height - 16}" fill="#555">{escape(note)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
