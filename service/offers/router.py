"""Offers (answered by the desk) and placements (ended by the desk); corporations read theirs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from service.auth.dependencies import AdminOnly, allow
from service.auth.models import Role
from service.auth.principal import Principal
from service.core.db import SessionDep
from service.core.errors import problem_responses
from service.core.idempotency import IdempotencyKey, idempotent
from service.core.pagination import Cursor, Limit
from service.offers import service
from service.offers.models import OfferStatus, PlacementStatus
from service.offers.schemas import (
    CorporationOfferRead,
    CorporationPlacementRead,
    HandOfferCreate,
    OfferAccept,
    OfferDecline,
    OfferPage,
    OfferRead,
    PlacementEnd,
    PlacementPage,
    PlacementRead,
)

router = APIRouter(prefix="/v1", tags=["offers and placements"])

OfferReader = Annotated[Principal, Depends(allow(Role.DESK, Role.CORPORATION, scope="offers:read"))]
OfferWriter = Annotated[Principal, Depends(allow(Role.DESK, scope="offers:write"))]


@router.get("/offers", response_model=OfferPage, responses=problem_responses(401, 403, 422))
def list_offers(
    session: SessionDep,
    principal: OfferReader,
    status: Annotated[OfferStatus | None, Query()] = None,
    household_id: Annotated[uuid.UUID | None, Query()] = None,
    unit_id: Annotated[uuid.UUID | None, Query()] = None,
    run_id: Annotated[uuid.UUID | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> OfferPage:
    """Offers of your municipalities (desks) or on your units (corporations), newest first.
    Offers past their time are expired first."""
    with service.conflicts_as_409():
        service.expire_due_offers(session, actor=service.EXPIRY_ACTOR)
    rows, next_cursor = service.list_offers(
        session,
        principal=principal,
        status=status,
        household_id=household_id,
        unit_id=unit_id,
        run_id=run_id,
        cursor=cursor,
        limit=limit,
    )
    return OfferPage(
        items=[service.offer_view(session, o, principal=principal) for o in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "/offers",
    status_code=201,
    response_model=OfferRead,
    responses=problem_responses(401, 403, 409, 422),
)
def make_hand_offer(
    data: HandOfferCreate,
    session: SessionDep,
    principal: OfferWriter,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """An offer by hand (household + unit, with a reason). It passes the same hard rules as a
    run, and the policy's placement caps (households already in the unit's building,
    neighbourhood or corporation count), unless named rules are overridden with a reason:
    recorded, audited and reported in the children's-rights check of every later run."""

    def create() -> tuple[int, OfferRead, dict[str, str]]:
        with service.conflicts_as_409():
            offer = service.make_hand_offer(session, principal=principal, data=data)
        return (
            201,
            service.to_read(offer, principal=principal),
            {"Location": f"/v1/offers/{offer.id}"},
        )

    return idempotent(
        session,
        caller=principal,
        scope="POST /v1/offers",
        key=idempotency_key,
        payload=data,
        create=create,
    )


@router.get(
    "/offers/{offer_id}",
    response_model=OfferRead | CorporationOfferRead,
    responses=problem_responses(401, 403, 404, 422),
)
def get_offer(
    offer_id: uuid.UUID, session: SessionDep, principal: OfferReader
) -> OfferRead | CorporationOfferRead:
    """An offer; a corporation gets its own view (unit, dates, household size, unit needs)."""
    with service.conflicts_as_409():
        service.expire_due_offers(session, actor=service.EXPIRY_ACTOR)
    offer = service.get_visible_offer(session, principal=principal, offer_id=offer_id)
    return service.offer_view(session, offer, principal=principal)


@router.post(
    "/offers/{offer_id}/accept",
    response_model=PlacementRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def accept_offer(
    offer_id: uuid.UUID, data: OfferAccept, session: SessionDep, principal: OfferWriter
) -> PlacementRead:
    """The household takes the unit: a placement and its stay start; the unit is occupied."""
    with service.conflicts_as_409():
        placement = service.accept_offer(
            session, principal=principal, offer_id=offer_id, move_in_on=data.move_in_on
        )
    return service.placement_to_read(placement)


@router.post(
    "/offers/{offer_id}/decline",
    response_model=OfferRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def decline_offer(
    offer_id: uuid.UUID, data: OfferDecline, session: SessionDep, principal: OfferWriter
) -> OfferRead:
    """Declined with a coded reason: the unit is available again, the household back in the pool,
    and this pair is not proposed again."""
    with service.conflicts_as_409():
        offer = service.decline_offer(
            session, principal=principal, offer_id=offer_id, reason=data.reason, text=data.text
        )
    return service.to_read(offer, principal=principal)


@router.post(
    "/offers/{offer_id}/clear-decline",
    response_model=OfferRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def clear_offer_decline(
    offer_id: uuid.UUID, session: SessionDep, principal: AdminOnly
) -> OfferRead:
    """Let a declined pair be proposed again (admins only; the decline stays on record)."""
    offer = service.clear_decline(session, principal=principal, offer_id=offer_id)
    return service.to_read(offer, principal=principal)


@router.get("/placements", response_model=PlacementPage, responses=problem_responses(401, 403, 422))
def list_placements(
    session: SessionDep,
    principal: OfferReader,
    status: Annotated[PlacementStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> PlacementPage:
    rows, next_cursor = service.list_placements(
        session, principal=principal, status=status, cursor=cursor, limit=limit
    )
    return PlacementPage(
        items=[service.placement_view(session, p, principal=principal) for p in rows],
        next_cursor=next_cursor,
    )


@router.get(
    "/placements/{placement_id}",
    response_model=PlacementRead | CorporationPlacementRead,
    responses=problem_responses(401, 403, 404, 422),
)
def get_placement(
    placement_id: uuid.UUID, session: SessionDep, principal: OfferReader
) -> PlacementRead | CorporationPlacementRead:
    placement = service.get_visible_placement(
        session, principal=principal, placement_id=placement_id
    )
    return service.placement_view(session, placement, principal=principal)


@router.post(
    "/placements/{placement_id}/end",
    response_model=PlacementRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def end_placement(
    placement_id: uuid.UUID, data: PlacementEnd, session: SessionDep, principal: OfferWriter
) -> PlacementRead:
    """The household left: the stay ends, the unit is available. Permanent housing ends the
    episode (the case closes); any other reason puts the household back in the pool."""
    with service.conflicts_as_409():
        placement = service.end_placement(
            session, principal=principal, placement_id=placement_id, data=data
        )
    return service.placement_to_read(placement)
