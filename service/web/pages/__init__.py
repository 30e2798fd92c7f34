"""The feature pages, one module per feature like the API's routers."""

from fastapi import APIRouter

from service.web.pages import figures, households, match, offers, units

ROUTERS: list[APIRouter] = [
    households.router,
    units.router,
    match.router,
    offers.router,
    figures.router,
]
