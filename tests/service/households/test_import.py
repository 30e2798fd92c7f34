from typing import Any

from fastapi.testclient import TestClient

from service.core.time import today_amsterdam
from tests.service.households.conftest import days_ago, household_body

CSV = {"content-type": "text/csv"}
HEADER = (
    "case_reference,municipality,adults,children,min_bedrooms,wheelchair,ground_floor,pets,"
    "medical,safety_exclusions,homeless_since,needed_from,expected_stay_days\n"
)


def _csv(*lines: str) -> str:
    return HEADER + "".join(f"{line}\n" for line in lines)


def _good_lines() -> list[str]:
    year = today_amsterdam().year
    return [
        f"C-1,GM0363,2,{year - 9}:00AB01;{year - 3}::medical:limit_km=5,,,,true,,"
        f"4.90:52.37:500,{days_ago(30)},{days_ago(-10)},",
        f"C-2,GM0457,1,{year - 15}:00AB02:wheelchair,3,true,true,,,"
        f"rd:121000:487000:1000,,{days_ago(-60)},90",
    ]


def _listed(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/v1/households").json()["items"]
    return sorted(items, key=lambda h: h["case_reference"])


def test_csv_import_registers_households_with_children(client: TestClient) -> None:
    response = client.post("/v1/households/import", content=_csv(*_good_lines()), headers=CSV)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["stored"], report["created"], report["failed"]) == (True, 2, 0)
    first, second = _listed(client)
    assert first["status"] == "homeless"
    assert first["days_in_temporary_housing"] == 30
    assert [
        (c["school"], c["needs_medical"], c["school_trip_limit_km"]) for c in first["children"]
    ] == [
        ("00AB01", False, None),
        (None, True, 5.0),
    ]
    assert first["needs"]["pets"] is True
    assert second["status"] == "at_risk"
    assert second["municipality"] == "GM0363"
    assert second["needs"]["min_bedrooms"] == 3
    assert second["children"][0]["needs_wheelchair"] is True
    assert second["expected_stay_days"] == 90
    assert second["safety_exclusions"][0]["min_distance_m"] == 1000


def test_reimporting_the_same_file_changes_nothing(client: TestClient) -> None:
    body = _csv(*_good_lines())
    client.post("/v1/households/import", content=body, headers=CSV)
    again = client.post("/v1/households/import", content=body, headers=CSV)
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)


def test_a_known_case_reference_with_other_data_fails_its_row(client: TestClient) -> None:
    client.post("/v1/households/import", content=_csv(*_good_lines()), headers=CSV)
    changed = _good_lines()[0].replace("C-1,GM0363,2,", "C-1,GM0363,3,")
    response = client.post("/v1/households/import", content=_csv(changed), headers=CSV)
    assert response.status_code == 422
    assert response.json()["report"]["errors"][0]["field"] == "case_reference"


def test_csv_import_is_all_or_nothing_with_row_numbers(client: TestClient) -> None:
    year = today_amsterdam().year
    bad = [
        f"C-3,GM0363,2,{year - 30}:00AB01,,,,,,,,{days_ago(0)},",  # not a child
        f"C-4,GM0363,2,{year - 5}:99ZZ99,,,,,,,,{days_ago(0)},",  # unknown school
        f"C-5,GM0363,2,{year - 5}:hamster,,,,,,,,{days_ago(0)},",  # unparseable cell
        f"C-6,GM9999,2,,,,,,,,,{days_ago(0)},",  # unknown municipality
        f"C-7,GM0363,1,,,,,,,4.9:52.3,,{days_ago(0)},",  # exclusion without distance
    ]
    response = client.post("/v1/households/import", content=_csv(*_good_lines(), *bad), headers=CSV)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    report = response.json()["report"]
    assert report["stored"] is False
    errors = {e["row"]: e["field"] for e in report["errors"]}
    assert errors == {
        3: "children.0.birth_year",
        4: "children.0.school",
        5: "children",
        6: "municipality",
        7: "safety_exclusions",
    }
    assert _listed(client) == []


def test_partial_import_stores_the_good_rows(client: TestClient) -> None:
    bad = f"C-9,GM0363,0,,,,,,,,,{days_ago(0)},"  # nobody in it
    response = client.post(
        "/v1/households/import?partial=true", content=_csv(*_good_lines(), bad), headers=CSV
    )
    assert response.status_code == 200
    report = response.json()
    assert (report["created"], report["failed"]) == (2, 1)
    assert report["errors"] == [
        {"row": 3, "field": "adults", "message": "no adults and no children"}
    ]
    assert [h["case_reference"] for h in _listed(client)] == ["C-1", "C-2"]


def test_json_import_takes_create_bodies_and_refuses_status(client: TestClient) -> None:
    rows = [household_body(case_reference="J-1"), household_body(case_reference="J-2")]
    response = client.post("/v1/households/import", json=rows)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    with_status = [household_body(case_reference="J-3", status="homeless")]
    refused = client.post("/v1/households/import", json=with_status)
    assert refused.status_code == 422
    assert refused.json()["report"]["errors"][0]["field"] == "status"
    duplicate_in_file = [
        household_body(case_reference="J-4"),
        household_body(case_reference="J-4", adults=1),
    ]
    report = client.post("/v1/households/import?partial=true", json=duplicate_in_file).json()
    assert (report["created"], report["failed"]) == (1, 1)
    assert report["errors"][0]["row"] == 2
