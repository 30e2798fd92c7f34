from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, ValidationInfo, field_validator

from service.core.errors import FieldError, Invalid
from service.core.geo import GeoJSONPoint, LocationIn
from service.core.schemas import (
    CorporationCode,
    InputModel,
    MunicipalityCode,
    OutputModel,
    Postcode,
    SaneDate,
)
from service.units.models import UnitKind, UnitStatus

# Part of a URL (`PUT /v1/corporations/{code}/units/{reference}`), so no slashes or spaces.
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,59}$"
UnitReference = Annotated[
    str,
    StringConstraints(pattern=REFERENCE_PATTERN, strip_whitespace=True),
    Field(
        description="The corporation's own reference for the unit, unique per corporation: "
        "letters, digits and `._:-`, at most 60 characters.",
        examples=["NO-0412"],
    ),
]
HouseNumber = Annotated[
    str,
    StringConstraints(
        pattern=r"^[1-9]\d{0,4}[A-Za-z0-9 /-]{0,15}$", max_length=20, strip_whitespace=True
    ),
    Field(description="House number with letter or addition, e.g. `12`, `12A`, `12-2`."),
]
# Printable text only: a control character (NUL above all) has no place in an address.
_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
Street = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=_PRINTABLE, strip_whitespace=True)
]
City = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=_PRINTABLE, strip_whitespace=True)
]
Bedrooms = Annotated[int, Field(ge=1, le=20)]
MaxOccupants = Annotated[int, Field(ge=1, le=50)]
MaxStayDays = Annotated[int, Field(ge=1, le=3660, description="Longest stay allowed, in days.")]
RentCents = Annotated[int, Field(ge=0, le=10_000_000, description="Rent per month in euro cents.")]


class Address(InputModel):
    street: Street
    house_number: HouseNumber
    postcode: Postcode
    city: City


class AddressRead(OutputModel):
    street: str
    house_number: str
    postcode: str
    city: str


def _until_not_before_from(value: date | None, info: ValidationInfo) -> date | None:
    available_from = info.data.get("available_from")
    if value is not None and available_from is not None and value < available_from:
        raise ValueError(f"available_until must not lie before available_from ({available_from})")
    return value


class UnitFields(InputModel):
    """What a corporation says about a unit: everything but who owns it and its reference."""

    kind: UnitKind
    address: Address
    municipality: MunicipalityCode = Field(
        description="Must be one of the municipalities the corporation serves."
    )
    location: LocationIn
    bedrooms: Bedrooms
    max_occupants: MaxOccupants
    wheelchair_accessible: bool = False
    ground_floor: bool = False
    pets_allowed: bool = False
    available_from: SaneDate
    available_until: SaneDate | None = Field(
        default=None, description="Last day it can be lived in; open-ended when absent."
    )
    max_stay_days: MaxStayDays | None = None
    rent_cents: RentCents

    _check_window = field_validator("available_until")(_until_not_before_from)


class UnitUpsert(UnitFields):
    """The body of `PUT /v1/corporations/{code}/units/{reference}`: the whole unit."""


class UnitCreate(UnitFields):
    corporation: CorporationCode
    reference: UnitReference


# Columns that may be absent from a PATCH but never set to null.
_REQUIRED_ON_PATCH = (
    "reference",
    "kind",
    "address",
    "municipality",
    "location",
    "bedrooms",
    "max_occupants",
    "wheelchair_accessible",
    "ground_floor",
    "pets_allowed",
    "available_from",
    "rent_cents",
)


class UnitUpdate(InputModel):
    """A partial change; `available_until` and `max_stay_days` may be cleared with null.

    The status is not a field: see `/withdraw` and `/reinstate`.
    """

    reference: UnitReference | None = None
    kind: UnitKind | None = None
    address: Address | None = None
    municipality: MunicipalityCode | None = None
    location: LocationIn | None = None
    bedrooms: Bedrooms | None = None
    max_occupants: MaxOccupants | None = None
    wheelchair_accessible: bool | None = None
    ground_floor: bool | None = None
    pets_allowed: bool | None = None
    available_from: SaneDate | None = None
    available_until: SaneDate | None = None
    max_stay_days: MaxStayDays | None = None
    rent_cents: RentCents | None = None

    _check_window = field_validator("available_until")(_until_not_before_from)

    @field_validator(*_REQUIRED_ON_PATCH)
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


class UnitRead(OutputModel):
    id: uuid.UUID
    corporation: str
    reference: str
    kind: UnitKind
    address: AddressRead
    municipality: str
    location: GeoJSONPoint
    bedrooms: int
    max_occupants: int
    wheelchair_accessible: bool
    ground_floor: bool
    pets_allowed: bool
    available_from: date
    available_until: date | None
    max_stay_days: int | None
    rent_cents: int
    status: UnitStatus
    created_at: datetime
    updated_at: datetime


class UnitSort(enum.StrEnum):
    """List orders; a leading `-` sorts descending. Ties are broken by id."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
    AVAILABLE_FROM = "available_from"
    AVAILABLE_FROM_DESC = "-available_from"
    RENT_CENTS = "rent_cents"
    RENT_CENTS_DESC = "-rent_cents"
    BEDROOMS = "bedrooms"
    BEDROOMS_DESC = "-bedrooms"
    REFERENCE = "reference"
    REFERENCE_DESC = "-reference"

    @property
    def column(self) -> str:
        return self.value.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


def _blank_is_false(value: Any) -> Any:
    # An empty CSV cell arrives as None: an unticked box.
    return False if value is None else value


Flag = Annotated[bool, BeforeValidator(_blank_is_false)]


class UnitCsvRow(InputModel):
    """One row of a bulk upload (CSV line or JSON object), flat.

    Columns: `reference,kind,street,house_number,postcode,city,municipality`, the location as
    `lon,lat` or `rd_x,rd_y`, `bedrooms,max_occupants,wheelchair_accessible,ground_floor,
    pets_allowed,available_from,available_until,max_stay_days,rent_cents`. Flags accept
    true/false, 1/0, yes/no (empty is false); empty optional cells mean "not given".
    """

    reference: UnitReference
    kind: UnitKind
    street: Street
    house_number: HouseNumber
    postcode: Postcode
    city: City
    municipality: MunicipalityCode
    lon: float | None = None
    lat: float | None = None
    rd_x: float | None = None
    rd_y: float | None = None
    bedrooms: Bedrooms
    max_occupants: MaxOccupants
    wheelchair_accessible: Flag = False
    ground_floor: Flag = False
    pets_allowed: Flag = False
    available_from: SaneDate
    available_until: SaneDate | None = None
    max_stay_days: MaxStayDays | None = None
    rent_cents: RentCents

    _check_window = field_validator("available_until")(_until_not_before_from)

    def to_upsert(self) -> UnitUpsert:
        """The same unit in the PUT shape (validates the location: ValidationError if bad)."""
        location: dict[str, object]
        if self.rd_x is not None or self.rd_y is not None:
            location = {"rd_x": self.rd_x, "rd_y": self.rd_y}
        elif self.lon is not None or self.lat is not None:
            location = {"type": "Point", "coordinates": [self.lon, self.lat]}
        else:
            raise Invalid(
                "The row has no location.",
                errors=[FieldError(field="location", message="give lon and lat, or rd_x and rd_y")],
            )
        return UnitUpsert.model_validate(
            {
                "kind": self.kind,
                "address": {
                    "street": self.street,
                    "house_number": self.house_number,
                    "postcode": self.postcode,
                    "city": self.city,
                },
                "municipality": self.municipality,
                "location": location,
                "bedrooms": self.bedrooms,
                "max_occupants": self.max_occupants,
                "wheelchair_accessible": self.wheelchair_accessible,
                "ground_floor": self.ground_floor,
                "pets_allowed": self.pets_allowed,
                "available_from": self.available_from,
                "available_until": self.available_until,
                "max_stay_days": self.max_stay_days,
                "rent_cents": self.rent_cents,
            }
        )
