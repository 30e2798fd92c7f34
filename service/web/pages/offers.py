"""Offers and placements: a desk answers its households' offers (accept, or decline with the
API's reason codes) and ends stays; a corporation sees those on its own units in the
corporation's restricted view — the same one the API gives it."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from service.core.db import SessionDep
from service.core.errors import NotFound
from service.core.time import utc_now
from service.households import service as households
from service.offers import service
from service.offers.models import DeclineReason, OfferStatus, PlacementStatus
from service.offers.schemas import EndReason, OfferAccept, OfferDecline, PlacementEnd
from service.web.dependencies import DeskOrCorporationPage, DeskPage
from service.web.desk_view import unit_references_of
from service.web.errors import WEB_PREFIX
from service.web.forms import FormErrors, attempt, form_values, validate
from service.web.offers_view import OPEN_OFFERS_SHOWN, PAGE_SIZE, expires_soon, hours_left
from service.web.sessions import WebUser
from service.web.templating import render

router = APIRouter(prefix=WEB_PREFIX, include_in_schema=False)


def _restricted(user: WebUser) -> bool:
    """A corporation's people get the corporation's view (as the API's `offer_view` decides)."""
    return not user.principal.is_admin and user.principal.corporation_id is not None


def _case_references(
    session: Session, user: WebUser, household_ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    found: dict[uuid.UUID, str] = {}
    for household_id in household_ids:
        try:
            found[household_id] = households.get_household(
                session, household_id=household_id, principal=user.principal
            ).case_reference
        except NotFound:
            continue
    return found


def _offers_page(
    request: Request,
    session: Session,
    user: WebUser,
    *,
    cursor: str | None = None,
    done: str | None = None,
    errors_of: dict[uuid.UUID, FormErrors] | None = None,
    values_of: dict[uuid.UUID, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    principal = user.principal
    with service.conflicts_as_409():
        service.expire_due_offers(session, actor=service.EXPIRY_ACTOR)
    open_offers, more_open = service.list_offers(
        session,
        principal=principal,
        status=OfferStatus.OPEN,
        household_id=None,
        unit_id=None,
        run_id=None,
        cursor=None,
        limit=OPEN_OFFERS_SHOWN,
    )
    earlier, next_cursor = service.list_offers(
        session,
        principal=principal,
        status=None,
        household_id=None,
        unit_id=None,
        run_id=None,
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    # Open offers are listed first, soonest to expire on top; the rest below, newest first.
    open_offers = sorted(open_offers, key=lambda o: o.expires_at)
    earlier = [o for o in earlier if o.status != OfferStatus.OPEN.value]
    now = utc_now()
    context: dict[str, Any] = {
        "open_offers": [service.offer_view(session, o, principal=principal) for o in open_offers],
        "earlier_offers": [service.offer_view(session, o, principal=principal) for o in earlier],
        "more_open": more_open is not None,
        "next_url": f"{WEB_PREFIX}/offers?cursor={next_cursor}" if next_cursor else None,
        "first_url": f"{WEB_PREFIX}/offers" if cursor else None,
        "now": now,
        "expires_soon": expires_soon,
        "hours_left": hours_left,
        "done": done,
        "errors_of": errors_of or {},
        "values_of": values_of or {},
        "decline_reasons": list(DeclineReason),
    }
    if _restricted(user):
        return render(
            request, "offers/corporation.html", nav="offers", status_code=status_code, **context
        )
    every = [*open_offers, *earlier]
    context["case_references"] = _case_references(session, user, {o.household_id for o in every})
    context["unit_references"] = unit_references_of(session, principal, {o.unit_id for o in every})
    return render(request, "offers/desk.html", nav="offers", status_code=status_code, **context)


@router.get("/offers")
def offer_list(
    request: Request,
    session: SessionDep,
    user: DeskOrCorporationPage,
    cursor: str | None = None,
    done: str | None = None,
) -> Response:
    return _offers_page(request, session, user, cursor=cursor, done=done)


@router.post("/offers/{offer_id}/accept")
async def offer_accept(
    request: Request, offer_id: uuid.UUID, session: SessionDep, user: DeskPage
) -> Response:
    service.get_visible_offer(session, principal=user.principal, offer_id=offer_id)
    values = form_values(await request.form())
    data, errors = validate(OfferAccept, values)
    if data is not None:
        move_in_on = data.move_in_on

        def accept() -> object:
            return service.accept_offer(
                session, principal=user.principal, offer_id=offer_id, move_in_on=move_in_on
            )

        placement, errors = attempt(session, accept)
        if placement is not None:
            return RedirectResponse(f"{WEB_PREFIX}/offers?done=accepted", status_code=303)
    return _offers_page(
        request,
        session,
        user,
        errors_of={offer_id: errors},
        values_of={offer_id: values},
        status_code=errors.status,
    )


@router.post("/offers/{offer_id}/decline")
async def offer_decline(
    request: Request, offer_id: uuid.UUID, session: SessionDep, user: DeskPage
) -> Response:
    service.get_visible_offer(session, principal=user.principal, offer_id=offer_id)
    values = form_values(await request.form())
    data, errors = validate(OfferDecline, values)
    if data is not None:
        valid = data

        def decline() -> object:
            return service.decline_offer(
                session,
                principal=user.principal,
                offer_id=offer_id,
                reason=valid.reason,
                text=valid.text,
            )

        offer, errors = attempt(session, decline)
        if offer is not None:
            return RedirectResponse(f"{WEB_PREFIX}/offers?done=declined", status_code=303)
    return _offers_page(
        request,
        session,
        user,
        errors_of={offer_id: errors},
        values_of={offer_id: values},
        status_code=errors.status,
    )


def _placements_page(
    request: Request,
    session: Session,
    user: WebUser,
    *,
    status: str | None = None,
    cursor: str | None = None,
    done: str | None = None,
    errors_of: dict[uuid.UUID, FormErrors] | None = None,
    values_of: dict[uuid.UUID, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    principal = user.principal
    try:
        chosen = PlacementStatus(status) if status else None
    except ValueError:
        chosen = None
    found, next_cursor = service.list_placements(
        session, principal=principal, status=chosen, cursor=cursor, limit=PAGE_SIZE
    )
    query = f"status={chosen.value}&" if chosen else ""
    context: dict[str, Any] = {
        "placements": [service.placement_view(session, p, principal=principal) for p in found],
        "status": chosen.value if chosen else "",
        "statuses": list(PlacementStatus),
        "next_url": f"{WEB_PREFIX}/placements?{query}cursor={next_cursor}" if next_cursor else None,
        "first_url": f"{WEB_PREFIX}/placements?{query}" if cursor else None,
        "done": done,
        "errors_of": errors_of or {},
        "values_of": values_of or {},
        "end_reasons": list(EndReason),
    }
    if _restricted(user):
        return render(
            request,
            "offers/placements_corporation.html",
            nav="placements",
            status_code=status_code,
            **context,
        )
    context["case_references"] = _case_references(session, user, {p.household_id for p in found})
    context["unit_references"] = unit_references_of(session, principal, {p.unit_id for p in found})
    return render(
        request,
        "offers/placements_desk.html",
        nav="placements",
        status_code=status_code,
        **context,
    )


@router.get("/placements")
def placement_list(
    request: Request,
    session: SessionDep,
    user: DeskOrCorporationPage,
    status: str | None = None,
    cursor: str | None = None,
    done: str | None = None,
) -> Response:
    return _placements_page(request, session, user, status=status, cursor=cursor, done=done)


@router.post("/placements/{placement_id}/end")
async def placement_end(
    request: Request, placement_id: uuid.UUID, session: SessionDep, user: DeskPage
) -> Response:
    service.get_visible_placement(session, principal=user.principal, placement_id=placement_id)
    values = form_values(await request.form())
    data, errors = validate(PlacementEnd, values)
    if data is not None:
        valid = data

        def end() -> object:
            return service.end_placement(
                session, principal=user.principal, placement_id=placement_id, data=valid
            )

        placement, errors = attempt(session, end)
        if placement is not None:
            return RedirectResponse(f"{WEB_PREFIX}/placements?done=ended", status_code=303)
    return _placements_page(
        request,
        session,
        user,
        errors_of={placement_id: errors},
        values_of={placement_id: values},
        status_code=errors.status,
    )
