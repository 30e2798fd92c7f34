"""Liveness and readiness probes for orchestrators and the README's first command."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from service.auth.dependencies import public
from service.core.db import SessionDep
from service.core.errors import Unavailable, problem_responses

router = APIRouter(tags=["health"], dependencies=[Depends(public())])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    postgis_version: str


@router.get("/healthz", operation_id="get_health", response_model=Health)
def get_health() -> Health:
    """The process is alive (no dependencies checked)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="get_readiness",
    response_model=Readiness,
    responses=problem_responses(503),
)
def get_readiness(session: SessionDep) -> Readiness:
    """The database answers and PostGIS is enabled; reports the PostGIS version."""
    try:
        database = session.execute(text("SELECT current_database()")).scalar_one()
        postgis_version = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
    except OperationalError as exc:
        raise Unavailable(f"The database cannot be reached: {exc.orig}") from None
    return Readiness(status="ready", database=str(database), postgis_version=str(postgis_version))
