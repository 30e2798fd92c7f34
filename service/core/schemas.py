"""Shared pydantic building blocks for request and response schemas."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

# Dates further out than this are typos, not plans.
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def _contains_nul(value: Any) -> bool:
    # Nested request objects are InputModels that check their own fields, naming them.
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(isinstance(item, str) and "\x00" in item for item in value)
    return False


class InputModel(BaseModel):
    """Every request body: unknown fields are refused, never silently stored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it here, naming the field, not with a 500.
        if _contains_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _sane_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"date must lie between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


SaneDate = Annotated[date, AfterValidator(_sane_date)]

MunicipalityCode = Annotated[
    str,
    StringConstraints(pattern=r"^[Gg][Mm]\d{4}$", to_upper=True, strip_whitespace=True),
    Field(description="CBS municipality code: `GM` + 4 digits, e.g. `GM0363` (Amsterdam)."),
]
BrinCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{2}[A-Za-z]{2}\d{2}$", to_upper=True, strip_whitespace=True),
    Field(description="BRIN code plus branch number, e.g. `00AB01`."),
]
Postcode = Annotated[
    str,
    StringConstraints(pattern=r"^[1-9]\d{3} ?[A-Za-z]{2}$", to_upper=True, strip_whitespace=True),
    AfterValidator(lambda v: f"{v[:4]} {v[-2:]}"),
    Field(description="Dutch postcode, `1234 AB`."),
]
CorporationCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]{2,40}$", strip_whitespace=True),
    Field(description="The corporation's short code, e.g. `ymere`."),
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
