"""The match map's drawing: RD New projection, one scale for both axes, north up, lines from
each proposed unit to its children's schools."""

from __future__ import annotations

import math

import pytest

from service.web.map_view import Place, Trip, draw_map

# Two points about 10 km apart east-west and 5 km north-south in Amsterdam.
WEST = Place(key="u1", lon=4.85, lat=52.35, label="Unit west")
EAST = Place(key="u2", lon=4.85 + 10 / 68.0, lat=52.35 + 5 / 111.2, label="Unit east")
SCHOOL = Place(key="s1", lon=4.90, lat=52.37, label="De Regenboog")


def test_nothing_to_draw_is_no_map() -> None:
    assert draw_map(units=[], schools=[], trips=[]) is None


def test_points_keep_their_true_proportions_and_north_is_up() -> None:
    drawing = draw_map(units=[WEST, EAST], schools=[], trips=[], width=800, height=560, margin=40)
    assert drawing is not None
    west, east = drawing.units
    # The wider extent (east-west) fills the inner width exactly; the map is centred.
    assert east.x - west.x == pytest.approx(720, abs=0.2)
    assert (west.x + east.x) / 2 == pytest.approx(400, abs=0.2)
    # East lies north of West: smaller y on screen. About 5 km for 10 km: half the pixels.
    assert east.y < west.y
    assert (west.y - east.y) / (east.x - west.x) == pytest.approx(0.5, rel=0.03)
    # The scale bar is true to the same scale: 10 km across 720 px.
    assert drawing.scale_bar_km == 2.0
    assert drawing.scale_bar_px == pytest.approx(2 * 720 / math.hypot(10, 0), rel=0.03)


def test_a_single_point_is_drawn_in_the_middle_of_a_neighbourhood() -> None:
    drawing = draw_map(units=[WEST], schools=[], trips=[], width=800, height=560)
    assert drawing is not None
    assert (drawing.units[0].x, drawing.units[0].y) == (400.0, 280.0)
    assert drawing.scale_bar_km == 0.5


def test_a_trip_is_a_line_from_its_unit_to_its_school() -> None:
    trips = [
        Trip(household_key="h1", unit_key="u1", school_key="s1", label="A → De Regenboog: 4 km"),
        Trip(household_key="h2", unit_key="u2", school_key="gone", label="no school location"),
    ]
    drawing = draw_map(units=[WEST, EAST], schools=[SCHOOL], trips=trips)
    assert drawing is not None
    (line,) = drawing.lines
    unit = next(p for p in drawing.units if p.key == "u1")
    school = drawing.schools[0]
    assert (line.x1, line.y1, line.x2, line.y2) == (unit.x, unit.y, school.x, school.y)
    assert line.household_key == "h1" and line.label == "A → De Regenboog: 4 km"
