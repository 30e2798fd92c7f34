"""What the households pages need besides the services: the list's filters and sort links, and
the registration form turned into the API's `HouseholdCreate` body (and its errors back).

Pure functions, so they are tested without a database.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlencode

from service.households.models import HouseholdStatus
from service.households.schemas import HouseholdListOrder, HouseholdSort
from service.web.forms import FormErrors

LIST_PATH = "/app/households"
PAGE_SIZE = 50
# Empty child rows on the form; a script adds more, and the server reads whatever rows arrive.
CHILD_ROWS = 4
MAX_CHILD_ROWS = 20
E = TypeVar("E", bound=enum.StrEnum)
NEED_FLAGS = ("wheelchair", "ground_floor", "pets", "medical")
CHILD_FLAGS = ("needs_wheelchair", "needs_medical")


class ChildrenFilter(enum.StrEnum):
    WITH = "yes"
    WITHOUT = "no"


# The columns a person can sort on, each by the API's own sort key (ascending, descending).
Order = HouseholdSort | HouseholdListOrder
SORT_COLUMNS: dict[str, tuple[Order, Order]] = {
    "days_in_temporary_housing": (
        HouseholdSort.DAYS_IN_TEMPORARY_HOUSING,
        HouseholdSort.DAYS_IN_TEMPORARY_HOUSING_DESC,
    ),
    "needed_from": (HouseholdSort.NEEDED_FROM, HouseholdSort.NEEDED_FROM_DESC),
    "created": (HouseholdSort.CREATED, HouseholdSort.CREATED_DESC),
    "children": (HouseholdListOrder.CHILDREN, HouseholdListOrder.CHILDREN_DESC),
    "status": (HouseholdListOrder.STATUS, HouseholdListOrder.STATUS_DESC),
}
# The columns whose first click sorts the most first (longest wait, most children).
MOST_FIRST = ("days_in_temporary_housing", "children")


def _whole_number(value: str | None) -> int | None:
    """A filter's number of days; anything else (empty, negative, text) is no filter."""
    return int(value) if value and value.isdigit() and len(value) <= 5 else None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _member(kind: type[E], value: str | None) -> E | None:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ListQuery:
    """The list's filters and order as the GET form sends them; unknown values are ignored."""

    status: HouseholdStatus | None = None
    children: ChildrenFilter | None = None
    municipality: str | None = None
    sort: Order = HouseholdSort.DAYS_IN_TEMPORARY_HOUSING_DESC
    cursor: str | None = None
    min_days: int | None = None
    needed_from_min: date | None = None
    needed_from_max: date | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str], *, municipalities: list[str]) -> ListQuery:
        municipality = params.get("municipality") or None
        return cls(
            status=_member(HouseholdStatus, params.get("status")),
            children=_member(ChildrenFilter, params.get("children")),
            municipality=municipality if municipality in municipalities else None,
            sort=_member(HouseholdSort, params.get("sort"))
            or _member(HouseholdListOrder, params.get("sort"))
            or HouseholdSort.DAYS_IN_TEMPORARY_HOUSING_DESC,
            cursor=params.get("cursor") or None,
            min_days=_whole_number(params.get("min_days")),
            needed_from_min=_day(params.get("needed_from_min")),
            needed_from_max=_day(params.get("needed_from_max")),
        )

    @property
    def has_children(self) -> bool | None:
        return None if self.children is None else self.children is ChildrenFilter.WITH

    def url(self, **changes: Any) -> str:
        """This list with some parameters changed (a new order or filter starts at page one)."""
        query = replace(self, **changes)
        params = {
            "status": query.status.value if query.status else None,
            "children": query.children.value if query.children else None,
            "municipality": query.municipality,
            "sort": query.sort.value,
            "cursor": query.cursor,
            "min_days": str(query.min_days) if query.min_days is not None else None,
            "needed_from_min": query.needed_from_min.isoformat() if query.needed_from_min else None,
            "needed_from_max": query.needed_from_max.isoformat() if query.needed_from_max else None,
        }
        return LIST_PATH + "?" + urlencode({k: v for k, v in params.items() if v})

    def sort_link(self, column: str) -> tuple[str, str | None]:
        """The link on a column header and its `aria-sort` state: a click on the sorted column
        reverses it; on another column, the first click sorts it the most useful way round."""
        ascending, descending = SORT_COLUMNS[column]
        if self.sort is ascending:
            return self.url(sort=descending, cursor=None), "ascending"
        if self.sort is descending:
            return self.url(sort=ascending, cursor=None), "descending"
        first = descending if column in MOST_FIRST else ascending
        return self.url(sort=first, cursor=None), None


def _child_rows(values: Mapping[str, str]) -> list[int]:
    """The indexes of the child rows the person filled in (any field), in form order."""
    indexes: set[int] = set()
    for key in values:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "children" and parts[1].isdigit():
            index = int(parts[1])
            if index < MAX_CHILD_ROWS * 5:
                indexes.add(index)
    return sorted(indexes)


def household_body(values: Mapping[str, str]) -> tuple[dict[str, Any], list[int]]:
    """The registration form as the API's JSON body, and which form row each child came from
    (empty rows are skipped, so child 0 of the body may be row 2 of the form)."""
    rows = _child_rows(values)
    children = []
    for index in rows:
        prefix = f"children.{index}."
        child: dict[str, Any] = {
            name: values[prefix + name]
            for name in ("birth_year", "school", "school_trip_limit_km")
            if prefix + name in values
        }
        for flag in CHILD_FLAGS:
            child[flag] = prefix + flag in values
        children.append(child)
    body: dict[str, Any] = {
        name: values[name]
        for name in (
            "case_reference",
            "municipality",
            "adults",
            "homeless_since",
            "needed_from",
            "expected_stay_days",
        )
        if name in values
    }
    needs: dict[str, Any] = {flag: f"needs.{flag}" in values for flag in NEED_FLAGS}
    if "needs.min_bedrooms" in values:
        needs["min_bedrooms"] = values["needs.min_bedrooms"]
    body["needs"] = needs
    body["children"] = children
    exclusion = {name: values.get(f"safety.{name}") for name in ("lat", "lon", "min_distance_m")}
    if any(exclusion.values()):
        body["safety_exclusions"] = [
            {
                "location": {
                    "type": "Point",
                    "coordinates": [exclusion["lon"], exclusion["lat"]],
                },
                "min_distance_m": exclusion["min_distance_m"],
            }
        ]
    return body, rows


def _safety_field(parts: list[str]) -> str:
    """The form field of an error in the safety exclusion (one point: latitude, longitude)."""
    if parts[2:3] == ["min_distance_m"]:
        return "safety.min_distance_m"
    # GeoJSON puts the longitude first.
    return "safety.lon" if parts[-1] == "0" else "safety.lat"


def errors_on_form(errors: FormErrors, rows: list[int]) -> FormErrors:
    """The API's error names (`children.0.school`) renamed to the form's rows."""
    renamed = FormErrors(summary=errors.summary)
    for name, message in errors.fields.items():
        parts = name.split(".")
        if parts[0] == "safety_exclusions" and len(parts) >= 3:
            renamed.fields.setdefault(_safety_field(parts), message)
            continue
        if len(parts) >= 2 and parts[0] == "children" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(rows):
                parts[1] = str(rows[index])
        renamed.fields.setdefault(".".join(parts), message)
    return renamed


def child_row_count(values: Mapping[str, str]) -> int:
    """How many child rows to show again: the filled ones and at least the usual empty ones."""
    rows = _child_rows(values)
    return min(MAX_CHILD_ROWS, max(CHILD_ROWS, (rows[-1] + 1) if rows else 0))
