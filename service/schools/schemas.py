from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import model_validator

from service.core.geo import GeoJSONPoint, LocationIn
from service.core.schemas import BrinCode, InputModel, MunicipalityCode, Name, OutputModel
from service.schools.models import SchoolLevel


class SchoolCreate(InputModel):
    brin_code: BrinCode
    name: Name
    level: SchoolLevel
    municipality: MunicipalityCode
    location: LocationIn


class SchoolUpdate(InputModel):
    name: Name | None = None
    level: SchoolLevel | None = None
    municipality: MunicipalityCode | None = None
    location: LocationIn | None = None


class SchoolRead(OutputModel):
    id: uuid.UUID
    brin_code: str
    name: str
    level: SchoolLevel
    municipality: str
    location: GeoJSONPoint
    created_at: datetime
    updated_at: datetime


class SchoolCsvRow(InputModel):
    """One line of a school list: `brin_code,name,level,municipality` plus `lon,lat` or
    `rd_x,rd_y` (DUO's open data gives RD coordinates)."""

    brin_code: BrinCode
    name: Name
    level: SchoolLevel
    municipality: MunicipalityCode
    lon: float | None = None
    lat: float | None = None
    rd_x: float | None = None
    rd_y: float | None = None

    @model_validator(mode="after")
    def _has_a_location(self) -> SchoolCsvRow:
        if (self.rd_x is None or self.rd_y is None) and (self.lon is None or self.lat is None):
            raise ValueError("give either lon and lat, or rd_x and rd_y")
        return self

    def to_create(self) -> SchoolCreate:
        location: dict[str, object]
        if self.rd_x is not None and self.rd_y is not None:
            location = {"rd_x": self.rd_x, "rd_y": self.rd_y}
        else:
            location = {"type": "Point", "coordinates": [self.lon, self.lat]}
        return SchoolCreate.model_validate(
            {
                "brin_code": self.brin_code,
                "name": self.name,
                "level": self.level,
                "municipality": self.municipality,
                "location": location,
            }
        )
