from __future__ import annotations

import uuid

from pydantic import Field

from service.core.schemas import CorporationCode, InputModel, MunicipalityCode, Name, OutputModel


class MunicipalityCreate(InputModel):
    code: MunicipalityCode
    name: Name
    region: Name | None = Field(default=None, description="Housing-market or shelter region.")
    merged_into: MunicipalityCode | None = Field(
        default=None,
        description="Set when this municipality merged into another: its code stays an alias.",
    )


class MunicipalityUpdate(InputModel):
    name: Name | None = None
    region: Name | None = None
    merged_into: MunicipalityCode | None = None


class MunicipalityRead(OutputModel):
    code: str
    name: str
    region: str | None
    merged_into: str | None = Field(validation_alias="merged_into_code")


class CorporationCreate(InputModel):
    code: CorporationCode
    name: Name
    municipalities: list[MunicipalityCode] = Field(
        default_factory=list, description="Municipalities it posts units in."
    )


class CorporationUpdate(InputModel):
    name: Name | None = None
    municipalities: list[MunicipalityCode] | None = None


class CorporationRead(OutputModel):
    id: uuid.UUID
    code: str
    name: str
    municipalities: list[str]
