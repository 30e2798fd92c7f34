"""Every route of the app, the included routers' own among them (tests walk them all)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def all_routes(app: FastAPI) -> list[APIRoute]:
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif hasattr(route, "original_router"):
                # FastAPI wraps included routers; their own routes carry the dependencies.
                walk(route.original_router.routes)

    walk(app.routes)
    return found
