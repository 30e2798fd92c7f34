"""One error vocabulary for the whole service, rendered once as RFC 9457 problem+json.

Services raise a `DomainError` subclass; the handlers here turn it (and framework errors:
validation, unknown routes, wrong methods, oversized bodies, crashes) into a problem document.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from service.core.request_context import current_request_id

log = logging.getLogger("onderdak.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://onderdak.nl/problems/"


class FieldError(BaseModel):
    """One invalid input field: where it is and what is wrong with it."""

    field: str = Field(description="Dotted path of the field, e.g. `body.children.0.birth_year`.")
    message: str
    type: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status: int = 400
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        # RFC 9457 extension members, e.g. the per-row report of a rejected bulk upload.
        self.extensions = extensions or {}


class NotFound(DomainError):
    status = 404
    slug = "not-found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"


class Invalid(DomainError):
    """Input that parses but breaks a domain rule (a reference that does not exist, ...)."""

    status = 422
    slug = "invalid"


class Unavailable(DomainError):
    """A dependency (the database) cannot be reached right now."""

    status = 503
    slug = "unavailable"


class PayloadTooLarge(DomainError):
    status = 413
    slug = "payload-too-large"


def problem_response(
    *,
    status: int,
    detail: str | None,
    request: Request,
    slug: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    """Render one problem document; the only place that builds error bodies."""
    problem = Problem(
        type=PROBLEM_TYPE_BASE + slug if slug else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=current_request_id(),
        errors=list(errors) if errors else None,
        **(extensions or {}),
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    return [
        FieldError(field=_field_path(err["loc"]), message=err["msg"], type=err.get("type"))
        for err in exc.errors()
    ]


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        status=exc.status,
        detail=exc.detail,
        request=request,
        slug=exc.slug,
        errors=exc.errors,
        extensions=exc.extensions,
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    fields = ", ".join(sorted({e.field for e in errors}))
    return problem_response(
        status=422,
        detail=f"The request is invalid: {fields}.",
        request=request,
        slug="validation",
        errors=errors,
    )


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"There is no resource at {request.url.path}."
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    return problem_response(
        status=exc.status_code,
        detail=detail,
        request=request,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def send_problem(
    send: Send, *, status: int, detail: str, path: str, slug: str | None = None
) -> None:
    """Send a problem document from ASGI middleware, outside FastAPI's exception handlers."""
    problem = Problem(
        type=PROBLEM_TYPE_BASE + slug if slug else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=path,
        request_id=current_request_id(),
    )
    payload = json.dumps(problem.model_dump(exclude_none=True)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


UNHANDLED_DETAIL = "An unexpected error occurred. It has been logged; quote the request id."

ERROR_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Er ging iets mis · Onderdak</title></head>
<body><main><h1>Er ging iets mis</h1>
<p>Er is een onverwachte fout opgetreden; die is vastgelegd. Noem het verzoeknummer als u
contact opneemt.</p>
<p lang="en">An unexpected error occurred. It has been logged; quote the request id.</p>
<p>Verzoeknummer / request id: <code>{request_id}</code></p>
<p><a href="/app">Terug naar de startpagina / back to the start page</a></p></main></body></html>
"""


async def send_error_page(send: Send, *, request_id: str) -> None:
    """The last-resort 500 for the web pages: plain HTML, in both languages."""
    payload = ERROR_PAGE.format(request_id=request_id).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    # Unhandled exceptions are answered by RequestContextMiddleware, which still knows the
    # request id (Starlette's own 500 handler runs outside every middleware).


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry a route uses to declare its errors; the app documents each as
    `application/problem+json` with the `Problem` schema."""
    return {
        status: {"model": Problem, "description": HTTPStatus(status).phrase} for status in statuses
    }
