"""Households, children, safety exclusions, evictions and stays at the API boundary.

Status is never an input: it follows from the actions that mean it (see households.service).
Children carry only what matching needs: birth year, school, needs flags, a trip limit.
"""

from __future__ import annotations

import enum
import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from service.core.geo import GeoJSONPoint, LocationIn
from service.core.schemas import BrinCode, InputModel, MunicipalityCode, OutputModel, SaneDate
from service.core.time import today_amsterdam
from service.households.models import (
    EvictionReason,
    EvictionState,
    HouseholdStatus,
    LandlordType,
    PlaceKind,
)

MAX_CHILDREN = 20
MAX_ADULTS = 20
MAX_SAFETY_EXCLUSIONS = 10
MAX_EXPECTED_STAY_DAYS = 3650
MAX_SAFETY_DISTANCE_M = 100_000
MAX_SCHOOL_TRIP_LIMIT_KM = 200.0
# A child is a minor: born this year at the latest and at most this many years back.
CHILD_MAX_AGE_YEARS = 18


class ClosedReason(enum.StrEnum):
    PERMANENT_HOME = "permanent_home"
    MOVED_AWAY = "moved_away"
    NO_LONGER_ELIGIBLE = "no_longer_eligible"
    LOST_CONTACT = "lost_contact"
    DUPLICATE = "duplicate"
    OTHER = "other"


class ExternalPlaceKind(enum.StrEnum):
    """Where a household can be recorded by hand; Onderdak's own units come from offers."""

    SHELTER = "shelter"
    HOTEL = "hotel"
    FAMILY_OR_FRIENDS = "family_or_friends"
    HOLIDAY_PARK = "holiday_park"
    OTHER = "other"


class HouseholdSort(enum.StrEnum):
    CREATED = "created"
    CREATED_DESC = "-created"
    NEEDED_FROM = "needed_from"
    NEEDED_FROM_DESC = "-needed_from"
    DAYS_IN_TEMPORARY_HOUSING = "days_in_temporary_housing"
    DAYS_IN_TEMPORARY_HOUSING_DESC = "-days_in_temporary_housing"


class HouseholdListOrder(enum.StrEnum):
    """Further orders of the desk's households page. Not (yet) API sort keys: the API's
    `HouseholdSort` is published in the spec; these are the same keyset pages on other keys."""

    CHILDREN = "children"
    CHILDREN_DESC = "-children"
    # In the workflow's order: at risk, homeless, offered, placed, closed.
    STATUS = "status"
    STATUS_DESC = "-status"


def _child_birth_year(value: int) -> int:
    this_year = today_amsterdam().year
    if value > this_year:
        raise ValueError(f"birth year {value} lies in the future")
    if value < this_year - CHILD_MAX_AGE_YEARS:
        raise ValueError(
            f"birth year {value} is more than {CHILD_MAX_AGE_YEARS} years back: not a child"
        )
    return value


def _not_in_the_future(value: date) -> date:
    if value > today_amsterdam():
        raise ValueError("date lies in the future")
    return value


BirthYear = Annotated[int, AfterValidator(_child_birth_year)]
PastDate = Annotated[SaneDate, AfterValidator(_not_in_the_future)]
CaseReference = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,59}$", strip_whitespace=True),
    Field(
        description="The desk's own case reference, unique per municipality: letters, digits "
        "and `. _ / -`, no spaces (never a name).",
        examples=["2026-0042"],
    ),
]
Adults = Annotated[int, Field(ge=0, le=MAX_ADULTS)]
ExpectedStayDays = Annotated[int, Field(ge=1, le=MAX_EXPECTED_STAY_DAYS)]
MinBedrooms = Annotated[int, Field(ge=1, le=20)]


class ChildIn(InputModel):
    birth_year: BirthYear = Field(description="Not in the future, at most 18 years back.")
    school: BrinCode | None = Field(default=None, description="The school's BRIN code; must exist.")
    needs_wheelchair: bool = False
    needs_medical: bool = False
    school_trip_limit_km: float | None = Field(
        default=None,
        gt=0,
        le=MAX_SCHOOL_TRIP_LIMIT_KM,
        description="A personal school-trip limit that replaces the school level's default.",
    )


class ChildRead(OutputModel):
    birth_year: int
    school: str | None
    needs_wheelchair: bool
    needs_medical: bool
    school_trip_limit_km: float | None


class NeedsIn(InputModel):
    min_bedrooms: MinBedrooms | None = Field(
        default=None,
        description="Declared minimum; when absent it is derived from the composition "
        "(one bedroom for up to two adults, one more per further adult, one per two children).",
    )
    wheelchair: bool = False
    ground_floor: bool = False
    pets: bool = False
    medical: bool = False


class NeedsUpdate(InputModel):
    min_bedrooms: MinBedrooms | None = Field(
        default=None, description="Send null to go back to the derived minimum."
    )
    wheelchair: bool | None = None
    ground_floor: bool | None = None
    pets: bool | None = None
    medical: bool | None = None


class NeedsRead(OutputModel):
    min_bedrooms: int = Field(description="The declared minimum, else the derived one.")
    min_bedrooms_declared: bool
    wheelchair: bool
    ground_floor: bool
    pets: bool
    medical: bool


class SafetyExclusionIn(InputModel):
    location: LocationIn
    min_distance_m: int = Field(gt=0, le=MAX_SAFETY_DISTANCE_M)


class SafetyExclusionRead(OutputModel):
    location: GeoJSONPoint
    min_distance_m: int


class HouseholdCreate(InputModel):
    """A household registers as `at_risk`, or `homeless` when `homeless_since` is given."""

    case_reference: CaseReference
    municipality: MunicipalityCode
    adults: Adults
    children: list[ChildIn] = Field(default_factory=list, max_length=MAX_CHILDREN)
    needs: NeedsIn = Field(default_factory=NeedsIn)
    safety_exclusions: list[SafetyExclusionIn] = Field(
        default_factory=list, max_length=MAX_SAFETY_EXCLUSIONS
    )
    homeless_since: PastDate | None = Field(
        default=None,
        description="First day of the current episode without a home of its own; not in the "
        "future (record a planned eviction instead).",
    )
    needed_from: SaneDate
    expected_stay_days: ExpectedStayDays | None = Field(
        default=None, description="Default: the policy's expected stay."
    )


class HouseholdUpdate(InputModel):
    """Fields left out (or null) stay as they are; `children` and `safety_exclusions` replace
    the whole list. `homeless_since` can be corrected only once an episode has begun."""

    case_reference: CaseReference | None = None
    municipality: MunicipalityCode | None = None
    adults: Adults | None = None
    children: list[ChildIn] | None = Field(default=None, max_length=MAX_CHILDREN)
    needs: NeedsUpdate | None = None
    safety_exclusions: list[SafetyExclusionIn] | None = Field(
        default=None, max_length=MAX_SAFETY_EXCLUSIONS
    )
    homeless_since: PastDate | None = None
    needed_from: SaneDate | None = None
    expected_stay_days: ExpectedStayDays | None = None


class HouseholdClose(InputModel):
    reason: ClosedReason
    closed_on: PastDate | None = Field(default=None, description="Default: today.")


class HouseholdRead(OutputModel):
    id: uuid.UUID
    case_reference: str
    municipality: str
    adults: int
    children: list[ChildRead]
    needs: NeedsRead
    safety_exclusions: list[SafetyExclusionRead]
    homeless_since: date | None
    needed_from: date
    expected_stay_days: int
    members: int = Field(description="Adults plus children.")
    children_count: int
    days_in_temporary_housing: int | None = Field(
        description="Days from `homeless_since` to today (Europe/Amsterdam) while the episode "
        "lasts; null when the household is not (or no longer) without a home of its own."
    )
    status: HouseholdStatus = Field(description="Set only by the actions that mean it.")
    closed_reason: ClosedReason | None
    closed_on: date | None
    created_at: datetime
    updated_at: datetime


# CSV encodings of the nested parts, one cell each:
#   children:           `2015:00AB01;2018:00AB02:wheelchair;2021::medical:limit_km=10`
#                       (birth year, then optionally a BRIN code, flags and a personal limit)
#   safety_exclusions:  `4.8952:52.3702:500;rd:121000:487000:1000` (lon:lat or rd:x:y, metres)
_BRIN = re.compile(r"^\d{2}[A-Za-z]{2}\d{2}$")


def _parse_children(cell: str) -> list[dict[str, Any]]:
    children: list[dict[str, Any]] = []
    for entry in filter(None, (part.strip() for part in cell.split(";"))):
        year, *rest = entry.split(":")
        child: dict[str, Any] = {"birth_year": year.strip()}
        for token in (t.strip() for t in rest):
            if not token:
                continue
            if _BRIN.match(token):
                child["school"] = token
            elif token in ("wheelchair", "medical"):
                child[f"needs_{token}"] = True
            elif token.startswith("limit_km="):
                child["school_trip_limit_km"] = token.removeprefix("limit_km=")
            else:
                raise ValueError(
                    f"child {entry!r}: unknown part {token!r}; write "
                    "`birth_year[:BRIN][:wheelchair][:medical][:limit_km=N]`, entries split by ;"
                )
        children.append(child)
    return children


def _parse_exclusions(cell: str) -> list[dict[str, Any]]:
    exclusions: list[dict[str, Any]] = []
    for entry in filter(None, (part.strip() for part in cell.split(";"))):
        parts = [p.strip() for p in entry.split(":")]
        try:
            if parts[0].lower() == "rd" and len(parts) == 4:
                location: dict[str, Any] = {"rd_x": float(parts[1]), "rd_y": float(parts[2])}
            elif len(parts) == 3:
                location = {"type": "Point", "coordinates": [float(parts[0]), float(parts[1])]}
            else:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"safety exclusion {entry!r}: write `lon:lat:metres` or `rd:x:y:metres`"
            ) from None
        exclusions.append({"location": location, "min_distance_m": parts[-1]})
    return exclusions


class HouseholdCsvRow(InputModel):
    """One CSV line: the household's fields flat, children and exclusions encoded in one cell."""

    case_reference: str
    municipality: str
    adults: int
    children: list[ChildIn] = Field(default_factory=list)
    min_bedrooms: int | None = None
    # Empty cells arrive as null: for a flag that means "no".
    wheelchair: bool | None = None
    ground_floor: bool | None = None
    pets: bool | None = None
    medical: bool | None = None
    safety_exclusions: list[SafetyExclusionIn] = Field(default_factory=list)
    homeless_since: date | None = None
    needed_from: date
    expected_stay_days: int | None = None

    @field_validator("children", mode="before")
    @classmethod
    def _children_cell(cls, value: Any) -> Any:
        if value is None:
            return []
        return _parse_children(value) if isinstance(value, str) else value

    @field_validator("safety_exclusions", mode="before")
    @classmethod
    def _exclusions_cell(cls, value: Any) -> Any:
        if value is None:
            return []
        return _parse_exclusions(value) if isinstance(value, str) else value

    def to_create(self) -> HouseholdCreate:
        return HouseholdCreate.model_validate(
            {
                "case_reference": self.case_reference,
                "municipality": self.municipality,
                "adults": self.adults,
                "children": [c.model_dump() for c in self.children],
                "needs": {
                    "min_bedrooms": self.min_bedrooms,
                    "wheelchair": bool(self.wheelchair),
                    "ground_floor": bool(self.ground_floor),
                    "pets": bool(self.pets),
                    "medical": bool(self.medical),
                },
                "safety_exclusions": [e.model_dump() for e in self.safety_exclusions],
                "homeless_since": self.homeless_since,
                "needed_from": self.needed_from,
                "expected_stay_days": self.expected_stay_days,
            }
        )


class EvictionCreate(InputModel):
    """An executed eviction makes the household `homeless` (and starts its episode)."""

    eviction_date: SaneDate = Field(description="Planned or executed date; executed: not future.")
    state: EvictionState
    reason: EvictionReason
    landlord_type: LandlordType
    children_involved: int | None = Field(
        default=None, ge=0, le=MAX_CHILDREN, description="Default: the household's children."
    )


class EvictionUpdate(InputModel):
    """Only `planned` → `executed`; an executed eviction is never un-executed."""

    eviction_date: SaneDate | None = None
    state: EvictionState | None = None
    reason: EvictionReason | None = None
    landlord_type: LandlordType | None = None
    children_involved: int | None = Field(default=None, ge=0, le=MAX_CHILDREN)


class EvictionRead(OutputModel):
    id: uuid.UUID
    household_id: uuid.UUID
    eviction_date: date
    state: EvictionState
    reason: EvictionReason
    landlord_type: LandlordType
    children_involved: int
    created_at: datetime
    updated_at: datetime


def _not_an_own_unit(value: Any) -> Any:
    if value == PlaceKind.ONDERDAK_UNIT.value:
        raise ValueError("stays in Onderdak units are created by accepted offers, never by hand")
    return value


class StayCreate(InputModel):
    """A stay on an `at_risk` household starts its episode: it becomes `homeless`."""

    start_date: PastDate
    end_date: SaneDate | None = Field(default=None, description="Exclusive; open while ongoing.")
    place_kind: ExternalPlaceKind

    _no_own_unit = field_validator("place_kind", mode="before")(_not_an_own_unit)


class StayUpdate(InputModel):
    """Null leaves a field as it is, except `end_date`: null there reopens the stay."""

    start_date: PastDate | None = None
    end_date: SaneDate | None = None
    place_kind: ExternalPlaceKind | None = None

    _no_own_unit = field_validator("place_kind", mode="before")(_not_an_own_unit)


class StayRead(OutputModel):
    id: uuid.UUID
    household_id: uuid.UUID
    start_date: date
    end_date: date | None
    place_kind: PlaceKind
    unit_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
