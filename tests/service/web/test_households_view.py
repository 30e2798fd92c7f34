"""The households pages' pure helpers: the list's address and the form → API body mapping."""

from __future__ import annotations

from service.households.models import HouseholdStatus
from service.households.schemas import HouseholdSort
from service.web.forms import FormErrors
from service.web.households_view import (
    CHILD_ROWS,
    ListQuery,
    child_row_count,
    errors_on_form,
    household_body,
)


def test_the_list_query_ignores_unknown_values_and_keeps_filters_in_sort_links() -> None:
    query = ListQuery.parse(
        {"status": "homeless", "children": "maybe", "municipality": "GM0344", "sort": "x"},
        municipalities=["GM0363"],
    )
    assert query.status is HouseholdStatus.HOMELESS
    assert query.children is None and query.municipality is None
    assert query.sort is HouseholdSort.DAYS_IN_TEMPORARY_HOUSING_DESC
    link, state = query.sort_link("days_in_temporary_housing")
    assert state == "descending"
    assert link == "/app/households?status=homeless&sort=days_in_temporary_housing"
    link, state = query.sort_link("needed_from")
    assert state is None and link.endswith("sort=needed_from")
    paged = ListQuery.parse({"cursor": "abc", "sort": "needed_from"}, municipalities=[])
    assert "cursor" not in paged.sort_link("needed_from")[0]
    assert paged.url().endswith("sort=needed_from&cursor=abc")


def test_the_form_becomes_the_apis_body_and_errors_go_back_to_the_rows_used() -> None:
    body, rows = household_body(
        {
            "case_reference": "2026-1",
            "adults": "2",
            "needs.pets": "true",
            "needs.min_bedrooms": "3",
            "children.2.birth_year": "2016",
            "children.2.needs_medical": "true",
            "children.5.school": "00AB01",
        }
    )
    assert rows == [2, 5]
    assert body["needs"] == {
        "wheelchair": False,
        "ground_floor": False,
        "pets": True,
        "medical": False,
        "min_bedrooms": "3",
    }
    assert body["children"] == [
        {"birth_year": "2016", "needs_wheelchair": False, "needs_medical": True},
        {"school": "00AB01", "needs_wheelchair": False, "needs_medical": False},
    ]
    errors = errors_on_form(
        FormErrors(fields={"children.1.birth_year": "missing", "adults": "bad"}, summary="s"),
        rows,
    )
    assert errors.fields == {"children.5.birth_year": "missing", "adults": "bad"}
    assert errors.summary == "s"
    assert child_row_count({}) == CHILD_ROWS
    assert child_row_count({"children.6.birth_year": "2016"}) == 7


def test_the_safety_exclusion_becomes_a_geojson_point_and_its_errors_its_fields() -> None:
    body, _ = household_body({"safety.lat": "52.37", "safety.lon": "4.89"})
    assert body["safety_exclusions"] == [
        {
            "location": {"type": "Point", "coordinates": ["4.89", "52.37"]},
            "min_distance_m": None,
        }
    ]
    assert "safety_exclusions" not in household_body({})[0]
    errors = errors_on_form(
        FormErrors(
            fields={
                "safety_exclusions.0.location.geojson.coordinates.0": "bad longitude",
                "safety_exclusions.0.location.geojson.coordinates.1": "bad latitude",
                "safety_exclusions.0.min_distance_m": "missing",
            }
        ),
        [],
    )
    assert errors.fields == {
        "safety.lon": "bad longitude",
        "safety.lat": "bad latitude",
        "safety.min_distance_m": "missing",
    }
