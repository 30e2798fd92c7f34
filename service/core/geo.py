"""Coordinates at the API boundary: GeoJSON (WGS84) or Dutch RD New in, GeoJSON out.

RD New (EPSG:28992) is converted with PROJ (pyproj), never a hand-written formula; without the
RDNAPTRANS grid PROJ is accurate to about a metre, which is what the tests allow for.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import to_shape
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator
from pyproj import Transformer

# The Netherlands with its coastal waters and islands, generously: a point outside is a mistake.
NL_MIN_LON, NL_MAX_LON = 3.2, 7.3
NL_MIN_LAT, NL_MAX_LAT = 50.7, 53.7


@lru_cache(maxsize=2)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def rd_to_wgs84(rd_x: float, rd_y: float) -> tuple[float, float]:
    """RD New metres to (longitude, latitude)."""
    lon, lat = _transformer("EPSG:28992", "EPSG:4326").transform(rd_x, rd_y)
    return float(lon), float(lat)


def wgs84_to_rd(lon: float, lat: float) -> tuple[float, float]:
    rd_x, rd_y = _transformer("EPSG:4326", "EPSG:28992").transform(lon, lat)
    return float(rd_x), float(rd_y)


def _inside_netherlands(lon: float, lat: float) -> bool:
    return NL_MIN_LON <= lon <= NL_MAX_LON and NL_MIN_LAT <= lat <= NL_MAX_LAT


class GeoJSONPoint(BaseModel):
    """A GeoJSON Point in WGS84: `{"type": "Point", "coordinates": [lon, lat]}`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"type": "Point", "coordinates": [4.8952, 52.3702]}]},
    )

    type: Literal["Point"]
    coordinates: tuple[
        Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]
    ] = Field(description="[longitude, latitude] in WGS84 (EPSG:4326).")

    @property
    def lon(self) -> float:
        return self.coordinates[0]

    @property
    def lat(self) -> float:
        return self.coordinates[1]

    @model_validator(mode="after")
    def _in_the_netherlands(self) -> GeoJSONPoint:
        if not _inside_netherlands(self.lon, self.lat):
            raise ValueError(
                f"location ({self.lon}, {self.lat}) lies outside the Netherlands; "
                "GeoJSON coordinates are [longitude, latitude]"
            )
        return self


class RDPoint(BaseModel):
    """A point in Dutch RD New (EPSG:28992) metres, as municipal data often has it."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"rd_x": 155000, "rd_y": 463000}]}
    )

    rd_x: float = Field(ge=-50_000, le=350_000)
    rd_y: float = Field(ge=250_000, le=700_000)

    def to_geojson(self) -> GeoJSONPoint:
        lon, lat = rd_to_wgs84(self.rd_x, self.rd_y)
        return GeoJSONPoint(type="Point", coordinates=(lon, lat))

    @model_validator(mode="after")
    def _in_the_netherlands(self) -> RDPoint:
        lon, lat = rd_to_wgs84(self.rd_x, self.rd_y)
        if not _inside_netherlands(lon, lat):
            raise ValueError(f"RD point ({self.rd_x}, {self.rd_y}) lies outside the Netherlands")
        return self


def _location_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "rd" if "rd_x" in value or "rd_y" in value else "geojson"
    return "rd" if isinstance(value, RDPoint) else "geojson"


# A callable discriminator: errors name one shape (`location.geojson...`), not both.
LocationIn = Annotated[
    Annotated[GeoJSONPoint, Tag("geojson")] | Annotated[RDPoint, Tag("rd")],
    Discriminator(_location_kind),
    Field(description="A GeoJSON Point (WGS84) or `{rd_x, rd_y}` in RD New (EPSG:28992)."),
]


def as_wgs84(location: GeoJSONPoint | RDPoint) -> GeoJSONPoint:
    return location.to_geojson() if isinstance(location, RDPoint) else location


def to_db(location: GeoJSONPoint | RDPoint) -> WKTElement:
    point = as_wgs84(location)
    return WKTElement(f"POINT({point.lon!r} {point.lat!r})", srid=4326)


def from_db(value: Any) -> GeoJSONPoint:
    """A stored geography point back to GeoJSON (7 decimals: about a centimetre)."""
    if isinstance(value, WKTElement | WKBElement):
        shape = to_shape(value)
    else:  # pragma: no cover - a programming error, not input
        raise TypeError(f"not a stored point: {value!r}")
    return GeoJSONPoint.model_construct(
        type="Point", coordinates=(round(shape.x, 7), round(shape.y, 7))
    )
