"""The FastAPI application factory."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from service.audit.router import router as audit_router
from service.auth.router import router as keys_router
from service.core.config import Settings, get_settings
from service.core.db import make_engine, make_session_factory
from service.core.embedded_db import database_url
from service.core.errors import PROBLEM_JSON, install_error_handlers
from service.core.limits import BodySizeLimitMiddleware
from service.core.request_context import RequestContextMiddleware
from service.health.router import router as health_router
from service.households.router import router as households_router
from service.offers.router import router as offers_router
from service.policies.router import router as policies_router
from service.reference.router import router as reference_router
from service.runs.router import router as runs_router
from service.schools.router import router as schools_router
from service.stats.router import router as stats_router
from service.units.router import router as units_router
from service.web.errors import install_web_error_pages
from service.web.pages import ROUTERS as WEB_PAGE_ROUTERS
from service.web.router import root_router as web_root_router
from service.web.router import router as web_router
from service.web.templating import STATIC_DIR

API_DESCRIPTION = """\
Onderdak matches households facing eviction or already in temporary housing to emergency and
transitional units: never leaving a family without a place when a feasible unit exists, keeping
children within reach of their school, and ending the longest stays first.

Errors are RFC 9457 `application/problem+json` documents.
"""


def _operation_id(route: APIRoute) -> str:
    # Stable ids for generated clients: the route's own name, never a path-derived hash.
    return route.name


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own session factory; otherwise one is made from settings."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Onderdak",
        version="0.1.0",
        description=API_DESCRIPTION,
        generate_unique_id_function=_operation_id,
    )
    if session_factory is None:
        engine = make_engine(database_url(settings), pool_size=settings.db_pool_size)
        session_factory = make_session_factory(engine)
    app.state.settings = settings
    app.state.session_factory = session_factory

    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(RequestContextMiddleware)

    app.include_router(health_router)
    app.include_router(keys_router)
    app.include_router(audit_router)
    app.include_router(reference_router)
    app.include_router(schools_router)
    app.include_router(households_router)
    app.include_router(units_router)
    app.include_router(policies_router)
    app.include_router(runs_router)
    app.include_router(offers_router)
    app.include_router(stats_router)

    # The web pages for desks and corporations: same services, same access rules, no spec.
    install_web_error_pages(app)
    app.include_router(web_root_router)
    app.include_router(web_router)
    for page_router in WEB_PAGE_ROUTERS:
        app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _document_common_problems(app)
    return app


def _document_common_problems(app: FastAPI) -> None:
    """Make the spec say what the error handlers do: every error is problem+json.

    FastAPI documents its validation errors as `application/json` with its own schema; ours are
    `Problem` documents. Every operation that takes a body can also fail with 400 (a body that
    cannot be parsed at all) and 413 (over the size limit); routes declare their domain errors.
    """
    build_spec = app.openapi
    problem_content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build_spec()
        for path_item in spec["paths"].values():
            for operation in path_item.values():
                responses = operation["responses"]
                if "requestBody" in operation:
                    responses.setdefault("400", {"description": "Bad Request"})
                    responses.setdefault("413", {"description": "Content Too Large"})
                for status, response in responses.items():
                    if status.isdigit() and int(status) >= 400:
                        response["content"] = problem_content
        schemas = spec.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
