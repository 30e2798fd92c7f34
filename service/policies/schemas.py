"""Policies at the API boundary: a name, a version and the engine's parameters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from service.core.schemas import InputModel, OutputModel

PolicyName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$", strip_whitespace=True),
    Field(
        description="Lower-case letters, digits and hyphens, e.g. `default`.", examples=["default"]
    ),
]
PolicyReference = Annotated[
    str,
    StringConstraints(
        pattern=r"^[a-z0-9][a-z0-9-]{0,99}(@[1-9][0-9]{0,8})?$", strip_whitespace=True
    ),
    Field(
        description="`name@version`, or `name` for its latest version.",
        examples=["default@1", "school-first"],
    ),
]
PARAMETERS_DESCRIPTION = (
    "The engine's policy parameters (everything of `matching.Policy` except name, version and "
    "description): `school_trip_limits` (`primary_km`, `secondary_km`, `special_km`), "
    "`trip_scale_km`, `trip_power`, `days_per_waiting_point`, `transitional_waiting_factor`, "
    "`tiers`, `score_resolution_points`, `placement_caps` (a list of `{scope, max_households, "
    "group}`: at most so many households placed per `building` (postcode and house number "
    "without addition), `neighbourhood` (four-digit postcode area) or `corporation` (its "
    "code), or only in the one `group` named; households already holding an offer or a "
    "placement there count, whoever placed them, and a hand offer into a full group needs the "
    "override `placement_cap`). Omitted ones take the engine's defaults."
)


class PolicyCreate(InputModel):
    """A new version of a policy (the first one creates the name)."""

    name: PolicyName
    description: str = Field(
        default="", max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
    )
    parameters: dict[str, Any] = Field(default_factory=dict, description=PARAMETERS_DESCRIPTION)
    offer_valid_hours: int = Field(
        default=72, ge=1, le=24 * 60, description="How long an offer holds its unit."
    )


class PolicyRead(OutputModel):
    id: uuid.UUID
    name: str
    version: int
    reference: str = Field(description="`name@version`, how runs name it.")
    description: str
    parameters: dict[str, Any] = Field(description=PARAMETERS_DESCRIPTION)
    offer_valid_hours: int
    created_by: str
    created_at: datetime
