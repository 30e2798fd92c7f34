"""The match map, drawn by the server: units, schools and a line from each proposed unit to each
of its children's schools, with no tiles and no internet.

Points are projected to Dutch RD New (EPSG:28992) with PROJ, so distances on the map are true
metres in every direction, then scaled uniformly into the SVG's view box (north up). Pure: the
page passes places in, the template draws what comes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.core.geo import wgs84_to_rd

# A map of one point (or points a few metres apart) still shows a neighbourhood around it.
MIN_SPAN_M = 2_000.0
NICE_SCALE_BAR_KM = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


@dataclass(frozen=True)
class Place:
    """A unit or school in WGS84, with the text shown for it."""

    key: str
    lon: float
    lat: float
    label: str
    proposed: bool = True


@dataclass(frozen=True)
class Trip:
    """One child's trip from a proposed unit to its school."""

    household_key: str
    unit_key: str
    school_key: str
    label: str
    over_limit: bool = False


@dataclass(frozen=True)
class MapPoint:
    key: str
    x: float
    y: float
    label: str
    proposed: bool


@dataclass(frozen=True)
class MapLine:
    household_key: str
    unit_key: str
    school_key: str
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    over_limit: bool


@dataclass(frozen=True)
class MapDrawing:
    width: int
    height: int
    units: list[MapPoint]
    schools: list[MapPoint]
    lines: list[MapLine]
    scale_bar_km: float
    scale_bar_px: float


def _nice_scale_bar_km(metres_per_px: float, width: int) -> float:
    """The largest round distance that fits in about a quarter of the map's width."""
    target_km = metres_per_px * width / 4 / 1000
    fitting = [km for km in NICE_SCALE_BAR_KM if km <= target_km]
    return fitting[-1] if fitting else NICE_SCALE_BAR_KM[0]


def draw_map(
    *,
    units: Sequence[Place],
    schools: Sequence[Place],
    trips: Sequence[Trip],
    width: int = 800,
    height: int = 560,
    margin: int = 40,
) -> MapDrawing | None:
    """Places and trips in view-box pixels; None when there is nothing to draw."""
    places = [*units, *schools]
    if not places:
        return None
    projected = {id(p): wgs84_to_rd(p.lon, p.lat) for p in places}
    xs = [xy[0] for xy in projected.values()]
    ys = [xy[1] for xy in projected.values()]
    span_x = max(max(xs) - min(xs), MIN_SPAN_M)
    span_y = max(max(ys) - min(ys), MIN_SPAN_M)
    inner_width, inner_height = width - 2 * margin, height - 2 * margin
    # One scale for both axes: a kilometre is as long east-west as north-south.
    px_per_metre = min(inner_width / span_x, inner_height / span_y)
    centre_x = (max(xs) + min(xs)) / 2
    centre_y = (max(ys) + min(ys)) / 2

    def to_px(place: Place) -> tuple[float, float]:
        rd_x, rd_y = projected[id(place)]
        x = width / 2 + (rd_x - centre_x) * px_per_metre
        y = height / 2 - (rd_y - centre_y) * px_per_metre  # SVG y grows downwards; north is up
        return round(x, 1), round(y, 1)

    def points(group: Sequence[Place]) -> list[MapPoint]:
        return [MapPoint(p.key, *to_px(p), label=p.label, proposed=p.proposed) for p in group]

    unit_points = {p.key: p for p in points(units)}
    school_points = {p.key: p for p in points(schools)}
    lines = []
    for trip in trips:
        start, end = unit_points.get(trip.unit_key), school_points.get(trip.school_key)
        if start is None or end is None:
            continue  # a school without a location: the table still lists the child
        lines.append(
            MapLine(
                household_key=trip.household_key,
                unit_key=trip.unit_key,
                school_key=trip.school_key,
                x1=start.x,
                y1=start.y,
                x2=end.x,
                y2=end.y,
                label=trip.label,
                over_limit=trip.over_limit,
            )
        )
    bar_km = _nice_scale_bar_km(1 / px_per_metre, width)
    return MapDrawing(
        width=width,
        height=height,
        units=list(unit_points.values()),
        schools=list(school_points.values()),
        lines=lines,
        scale_bar_km=bar_km,
        scale_bar_px=round(bar_km * 1000 * px_per_metre, 1),
    )
