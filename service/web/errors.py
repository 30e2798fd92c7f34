"""Errors on a page are pages: the API's handlers answer everything outside `/app`.

Services raise the same `DomainError`s for both; here a 404 for another tenant's household is a
readable "not found" page, and a request without a valid session is sent to the sign-in form.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.core.errors import DomainError, Unauthorized
from service.core.request_context import current_request_id
from service.web.dependencies import SignInRequired
from service.web.templating import render

WEB_PREFIX = "/app"

TITLES = {
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "Invalid input",
}


def is_page(request: Request) -> bool:
    path = request.url.path
    return path == WEB_PREFIX or path.startswith(WEB_PREFIX + "/")


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path if request.method == "GET" else WEB_PREFIX
    if request.url.query and request.method == "GET":
        target += "?" + request.url.query
    return RedirectResponse(f"{WEB_PREFIX}/sign-in?next={quote(target)}", status_code=303)


def error_page(request: Request, *, status: int, detail: str | None) -> Response:
    return render(
        request,
        "error.html",
        status_code=status,
        title=TITLES.get(status, "Something went wrong"),
        status=status,
        phrase=HTTPStatus(status).phrase,
        detail=detail,
        request_id=current_request_id(),
    )


def install_web_error_pages(app: FastAPI) -> None:
    """Put page-aware handlers in front of the API's problem+json handlers."""
    api_handlers: dict[Any, Any] = dict(app.exception_handlers)

    async def on_sign_in_required(request: Request, exc: Exception) -> Response:
        return sign_in_redirect(request)

    def page_aware(error_type: type[Exception]) -> Any:
        api_handler = api_handlers[error_type]

        async def handler(request: Request, exc: Exception) -> Response:
            if not is_page(request):
                response: Response = await api_handler(request, exc)
                return response
            if isinstance(exc, Unauthorized):
                return sign_in_redirect(request)
            if isinstance(exc, DomainError):
                return error_page(request, status=exc.status, detail=exc.detail)
            if isinstance(exc, RequestValidationError):
                # Only a malformed address reaches here (forms validate themselves).
                return error_page(request, status=404, detail=None)
            assert isinstance(exc, StarletteHTTPException)
            return error_page(request, status=exc.status_code, detail=None)

        return handler

    app.add_exception_handler(SignInRequired, on_sign_in_required)
    for error_type in (DomainError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(error_type, page_aware(error_type))
