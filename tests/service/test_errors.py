"""Every error is an RFC 9457 problem document with a useful detail."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.core.db import SessionDep
from service.core.errors import Conflict, PreconditionFailed

PROBLEM = "application/problem+json"


class _Probe(BaseModel):
    model_config = ConfigDict(extra="forbid")
    adults: int = Field(ge=0)


@pytest.fixture
def probe_app(app: FastAPI) -> FastAPI:
    def crash() -> None:
        raise RuntimeError("secret internal detail")

    def conflict() -> None:
        raise Conflict("Unit UT-1 is already offered to another household.")

    def stale() -> None:
        raise PreconditionFailed("The record changed since you read it.")

    def validated(probe: _Probe) -> dict[str, Any]:
        return probe.model_dump()

    def write_then_fail(session: SessionDep) -> None:
        session.execute(
            text(
                "INSERT INTO audit_events (id, actor, action, entity_type, entity_id) "
                "VALUES (gen_random_uuid(), 'test', 'probe', 'probe', 'probe-1')"
            )
        )
        session.flush()
        raise Conflict("Failing after a write.")

    app.add_api_route("/_probe/crash", crash)
    app.add_api_route("/app/_probe/crash", crash)
    app.add_api_route("/_probe/conflict", conflict)
    app.add_api_route("/_probe/stale", stale)
    app.add_api_route("/_probe/validated", validated, methods=["POST"])
    app.add_api_route("/_probe/write-then-fail", write_then_fail, methods=["POST"])
    return app


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    body = _assert_problem(client.get("/v1/nothing-here"), 404)
    assert "/v1/nothing-here" in body["detail"]


def test_wrong_method_is_a_405_problem(client: TestClient) -> None:
    response = client.delete("/healthz")
    body = _assert_problem(response, 405)
    assert "DELETE" in body["detail"]
    assert "GET" in response.headers["allow"]


def test_validation_error_names_the_field(probe_app: FastAPI, client: TestClient) -> None:
    body = _assert_problem(client.post("/_probe/validated", json={"adults": -1}), 422)
    assert [e["field"] for e in body["errors"]] == ["body.adults"]
    assert "body.adults" in body["detail"]


def test_unknown_fields_are_rejected(probe_app: FastAPI, client: TestClient) -> None:
    response = client.post("/_probe/validated", json={"adults": 2, "citizen_number": "1"})
    body = _assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["body.citizen_number"]


def test_malformed_json_is_a_422_problem(probe_app: FastAPI, client: TestClient) -> None:
    response = client.post(
        "/_probe/validated", content=b"{not json", headers={"content-type": "application/json"}
    )
    _assert_problem(response, 422)


def test_domain_errors_keep_their_status(probe_app: FastAPI, client: TestClient) -> None:
    assert _assert_problem(client.get("/_probe/conflict"), 409)["type"].endswith("/conflict")
    assert _assert_problem(client.get("/_probe/stale"), 412)["detail"].startswith("The record")


def test_unhandled_error_is_a_500_without_internals(probe_app: FastAPI, client: TestClient) -> None:
    response = client.get("/_probe/crash")
    body = _assert_problem(response, 500)
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert "request id" in body["detail"]


def test_an_unhandled_error_on_a_web_page_is_a_page_without_internals(
    probe_app: FastAPI, client: TestClient
) -> None:
    response = client.get("/app/_probe/crash")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Er ging iets mis" in response.text
    assert response.headers["x-request-id"] in response.text
    assert "secret internal detail" not in response.text


def test_oversized_body_is_a_413_problem(probe_app: FastAPI, client: TestClient) -> None:
    limit = probe_app.state.settings.max_request_body_bytes
    response = client.post(
        "/_probe/validated",
        content=b"x" * (limit + 1),
        headers={"content-type": "application/json"},
    )
    body = _assert_problem(response, 413)
    assert str(limit) in body["detail"]


def test_a_failed_request_leaves_nothing_behind(
    probe_app: FastAPI, client: TestClient, db_session: Session
) -> None:
    _assert_problem(client.post("/_probe/write-then-fail"), 409)
    count = db_session.execute(
        text("SELECT count(*) FROM audit_events WHERE entity_id = 'probe-1'")
    ).scalar_one()
    assert count == 0
