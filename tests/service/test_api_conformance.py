"""Property-based API tests: generated requests against every /v1 operation of the spec.

Zero server errors and zero responses that break the spec (status codes, content types, bodies
and headers as documented). Bounded to keep the suite fast; `scripts/fuzz` runs a longer pass.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

MAX_EXAMPLES = int(os.environ.get("ONDERDAK_FUZZ_EXAMPLES", "50"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def api_schema(app: FastAPI) -> OpenApiSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=r"^/v1/")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
def test_operations_conform_to_the_spec(case: Case, admin_headers: dict[str, str]) -> None:
    case.call_and_validate(checks=CHECKS, headers=admin_headers)
