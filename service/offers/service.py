"""Offers and placements: every change of who holds which unit happens here.

An offer reserves its unit and marks its household `offered`; accepted, it becomes a placement
(the unit `occupied`, a stay in it, the household `placed`); declined, expired or cancelled, the
unit is `available` again and the household back in the pool. The database refuses a second
holder of a unit or a second open offer of a household; that refusal becomes a 409 here.
"""

from __future__ import annotations

import logging
import os
import signal
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from matching.result import Proposal
from service.audit.service import record_event
from service.auth.models import Role
from service.auth.principal import Principal
from service.core.errors import Conflict, FieldError, Invalid, NotFound
from service.core.pagination import next_cursor
from service.core.time import today_amsterdam, utc_now
from service.households import repository as household_records
from service.households import service as households
from service.households.models import Household, HouseholdStatus
from service.households.schemas import ClosedReason
from service.offers import repository
from service.offers.models import (
    DeclineReason,
    Offer,
    OfferSource,
    OfferStatus,
    Placement,
    PlacementEndReason,
    PlacementStatus,
)
from service.offers.rules import broken_rules
from service.offers.schemas import (
    CorporationOfferRead,
    CorporationPlacementRead,
    HandOfferCreate,
    OfferRead,
    PlacementEnd,
    PlacementRead,
    UnitRelevantNeeds,
)
from service.runs.models import MatchRun
from service.units import service as units
from service.units.models import Unit

log = logging.getLogger("onderdak.offers")

EXPIRY_BATCH = 500
# Who the audit trail names for expiries found while reading or matching.
EXPIRY_ACTOR = "onderdak-system (offer expiry)"
# Constraint name → what it means to the caller.
_DOUBLE_BOOKING = {
    "uq_offers_unit_held": "The unit is already held by another offer or placement.",
    "uq_offers_household_open": "The household already has an open offer.",
    "uq_placements_unit_active": "The unit already has a running placement.",
    "uq_placements_household_active": "The household already has a running placement.",
    "ex_stays_no_overlap": "The household already has a stay in that period.",
}
_RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}


@contextmanager
def conflicts_as_409() -> Iterator[None]:
    """The database refusing a double booking, or two transactions deadlocking over the same
    rows, is a conflict for the caller (409: read again and retry), never a 500."""
    try:
        yield
    except IntegrityError as exc:
        message = str(exc.orig)
        for constraint, meaning in _DOUBLE_BOOKING.items():
            if constraint in message:
                raise Conflict(meaning, extensions={"constraint": constraint}) from exc
        raise
    except StaleDataError as exc:
        raise Conflict(
            "Another request changed the same record at the same moment; nothing was saved. Retry."
        ) from exc
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            raise Conflict(
                "Another request changed the same units or households at the same moment; "
                "nothing was saved. Retry."
            ) from exc
        raise


# --- reading ----------------------------------------------------------------------------------


def to_read(offer: Offer, *, principal: Principal | None = None) -> OfferRead:
    corporation = principal is not None and principal.role is Role.CORPORATION
    return OfferRead(
        id=offer.id,
        household_id=offer.household_id,
        unit_id=offer.unit_id,
        run_id=offer.run_id,
        source=OfferSource(offer.source),
        status=OfferStatus(offer.status),
        made_by=offer.made_by,
        created_at=offer.created_at,
        expires_at=offer.expires_at,
        explanation=None if corporation else offer.explanation,
        hand_reason=None if corporation else offer.hand_reason,
        overridden_rules=list(offer.overridden_rules),
        override_reason=None if corporation else offer.override_reason,
        decided_at=offer.decided_at,
        decided_by=offer.decided_by,
        decline_reason=DeclineReason(offer.decline_reason) if offer.decline_reason else None,
        decline_text=None if corporation else offer.decline_text,
    )


def placement_to_read(placement: Placement) -> PlacementRead:
    return PlacementRead.model_validate(placement)


def _for_corporation(principal: Principal) -> bool:
    """Corporations (and their integrations) get their own, smaller view of offers."""
    return not principal.is_admin and principal.corporation_id is not None


def _household_for_unit(session: Session, household_id: uuid.UUID) -> tuple[int, UnitRelevantNeeds]:
    household = session.get(Household, household_id)
    assert household is not None  # an offer's household always exists (foreign key)
    children = household.children
    needs = UnitRelevantNeeds(
        wheelchair=household.needs_wheelchair or any(c.needs_wheelchair for c in children),
        ground_floor=household.needs_ground_floor,
        pets=household.has_pets,
    )
    return household.adults + len(children), needs


def preload_views(session: Session, records: Sequence[Offer | Placement]) -> None:
    """Load what the views of these offers or placements read, in two queries instead of a few
    per record (a list page shows hundreds)."""
    preload_households_and_units(
        session,
        household_ids=[record.household_id for record in records],
        unit_ids=[record.unit_id for record in records],
    )


def preload_households_and_units(
    session: Session, *, household_ids: Iterable[uuid.UUID], unit_ids: Iterable[uuid.UUID]
) -> None:
    """Bring these households (with children) and units into the session in two queries, so the
    services' one-by-one reads of them that follow need no query each."""
    # The identity map holds objects weakly: the session's own `info` keeps them for as long as
    # the session (the request) lasts, or they would be loaded again one by one.
    session.info.setdefault("preloaded", []).extend(
        repository.load_households_and_units(
            session, household_ids=list(household_ids), unit_ids=list(unit_ids)
        )
    )


def offer_view(
    session: Session, offer: Offer, *, principal: Principal
) -> OfferRead | CorporationOfferRead:
    """The offer as this caller may see it: in full, or a corporation's view."""
    if not _for_corporation(principal):
        return to_read(offer, principal=principal)
    unit = session.get(Unit, offer.unit_id)
    household = session.get(Household, offer.household_id)
    assert unit is not None and household is not None
    size, needs = _household_for_unit(session, offer.household_id)
    return CorporationOfferRead(
        id=offer.id,
        unit_id=offer.unit_id,
        unit_reference=unit.reference,
        status=OfferStatus(offer.status),
        created_at=offer.created_at,
        expires_at=offer.expires_at,
        decided_at=offer.decided_at,
        household_size=size,
        needs=needs,
        needed_from=household.needed_from,
    )


def placement_view(
    session: Session, placement: Placement, *, principal: Principal
) -> PlacementRead | CorporationPlacementRead:
    if not _for_corporation(principal):
        return placement_to_read(placement)
    unit = session.get(Unit, placement.unit_id)
    assert unit is not None
    size, needs = _household_for_unit(session, placement.household_id)
    return CorporationPlacementRead(
        id=placement.id,
        unit_id=placement.unit_id,
        unit_reference=unit.reference,
        status=PlacementStatus(placement.status),
        start_date=placement.start_date,
        end_date=placement.end_date,
        household_size=size,
        needs=needs,
    )


def _offer_snapshot(offer: Offer) -> dict[str, Any]:
    return {
        "status": offer.status,
        "household_id": offer.household_id,
        "unit_id": offer.unit_id,
        "expires_at": offer.expires_at,
        "unit_released_at": offer.unit_released_at,
    }


def _sees(
    session: Session, principal: Principal, *, household_id: uuid.UUID, unit_id: uuid.UUID
) -> bool:
    if principal.is_admin:
        return True
    if principal.role is Role.CORPORATION:
        unit = session.get(Unit, unit_id)
        return unit is not None and principal.sees_corporation(unit.corporation_id)
    household = session.get(Household, household_id)
    return household is not None and principal.sees_municipality(household.municipality_code)


def get_visible_offer(
    session: Session, *, principal: Principal, offer_id: uuid.UUID, for_update: bool = False
) -> Offer:
    offer = repository.get_offer(session, offer_id, for_update=for_update)
    if offer is None or not _sees(
        session, principal, household_id=offer.household_id, unit_id=offer.unit_id
    ):
        raise NotFound(f"Offer {offer_id} does not exist.")
    return offer


def get_visible_placement(
    session: Session, *, principal: Principal, placement_id: uuid.UUID, for_update: bool = False
) -> Placement:
    placement = repository.get_placement(session, placement_id, for_update=for_update)
    if placement is None or not _sees(
        session, principal, household_id=placement.household_id, unit_id=placement.unit_id
    ):
        raise NotFound(f"Placement {placement_id} does not exist.")
    return placement


def _tenant_filters(principal: Principal) -> tuple[list[str] | None, uuid.UUID | None]:
    if principal.is_admin:
        return None, None
    if principal.role is Role.CORPORATION:
        return None, principal.corporation_id or uuid.UUID(int=0)
    return sorted(principal.municipalities), None


def list_offers(
    session: Session,
    *,
    principal: Principal,
    status: OfferStatus | None,
    household_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
    run_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Offer], str | None]:
    municipalities, corporation_id = _tenant_filters(principal)
    rows = repository.list_offers(
        session,
        municipalities=municipalities,
        corporation_id=corporation_id,
        status=status.value if status else None,
        household_id=household_id,
        unit_id=unit_id,
        run_id=run_id,
        cursor=cursor,
        limit=limit,
    )
    preload_views(session, rows)  # a page of views reads each row's household and unit
    return next_cursor(rows, sort_attribute="created_at", limit=limit)


def list_placements(
    session: Session,
    *,
    principal: Principal,
    status: PlacementStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Placement], str | None]:
    municipalities, corporation_id = _tenant_filters(principal)
    rows = repository.list_placements(
        session,
        municipalities=municipalities,
        corporation_id=corporation_id,
        status=status.value if status else None,
        cursor=cursor,
        limit=limit,
    )
    preload_views(session, rows)  # a page of views reads each row's household and unit
    return next_cursor(rows, sort_attribute="created_at", limit=limit)


def measure_school_trips_km(
    session: Session, *, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], float]:
    return repository.measure_trips_km(session, pairs=pairs)


# --- locks ------------------------------------------------------------------------------------


def lock_pairs(
    session: Session, *, unit_ids: Sequence[uuid.UUID], household_ids: Sequence[uuid.UUID]
) -> None:
    """Lock units, then households, each in id order (the workflow's one lock order; paths
    that make offers under placement caps lock the capped groups before, see
    `lock_cap_groups`)."""
    repository.lock_units(session, unit_ids=unit_ids)
    repository.lock_households(session, household_ids=household_ids)


def _locked_household(session: Session, household_id: uuid.UUID) -> Household:
    household = repository.get_household(session, household_id, for_update=True)
    if household is None:  # pragma: no cover - a foreign key keeps it
        raise NotFound(f"Household {household_id} does not exist.")
    return household


# --- the unit and household moves, each with its audit event -----------------------------------


def _reserve(session: Session, *, unit_id: uuid.UUID, actor: str) -> None:
    unit = units.reserve_unit(session, unit_id=unit_id)
    record_event(
        session,
        actor=actor,
        action="unit.reserved",
        entity_type="unit",
        entity_id=unit.id,
        before={"status": "available"},
        after={"status": unit.status},
    )


def _release(session: Session, *, unit_id: uuid.UUID, actor: str, why: str) -> None:
    before = session.get(Unit, unit_id)
    before_status = before.status if before else None
    unit = units.release_unit(session, unit_id=unit_id)
    record_event(
        session,
        actor=actor,
        action="unit.released",
        entity_type="unit",
        entity_id=unit.id,
        before={"status": before_status},
        after={"status": unit.status, "why": why},
    )


def _household_moved(
    session: Session, *, household: Household, before: str, actor: str, why: str
) -> None:
    record_event(
        session,
        actor=actor,
        action="household.status_changed",
        entity_type="household",
        entity_id=household.id,
        before={"status": before},
        after={"status": household.status, "why": why},
    )


def _mark_offered(session: Session, *, household: Household, actor: str) -> None:
    before = household.status
    households.mark_offered(session, household=household)
    _household_moved(session, household=household, before=before, actor=actor, why="offer made")


def _back_in_pool(session: Session, *, household: Household, actor: str, why: str) -> None:
    before = household.status
    households.withdraw_offer(session, household=household)
    _household_moved(session, household=household, before=before, actor=actor, why=why)


# --- making offers ----------------------------------------------------------------------------


def _offer_row(
    *,
    household_id: uuid.UUID,
    unit_id: uuid.UUID,
    policy_id: uuid.UUID,
    valid_hours: int,
    run_id: uuid.UUID | None,
    source: OfferSource,
    actor: str,
    explanation: dict[str, Any],
    hand_reason: str | None = None,
    overridden_rules: Sequence[str] = (),
    override_reason: str | None = None,
) -> Offer:
    return Offer(
        household_id=household_id,
        unit_id=unit_id,
        run_id=run_id,
        policy_id=policy_id,
        source=source.value,
        status=OfferStatus.OPEN.value,
        made_by=actor,
        expires_at=utc_now() + timedelta(hours=valid_hours),
        explanation=explanation,
        hand_reason=hand_reason,
        overridden_rules=list(overridden_rules),
        override_reason=override_reason,
    )


def _new_offer(session: Session, **row: Any) -> Offer:
    offer = _offer_row(**row)
    session.add(offer)
    with conflicts_as_409():
        session.flush()
    return offer


def _crash_now() -> None:
    """The test-only crash hook: the process dies as a power cut would, mid-transaction."""
    log.critical("test hook: killing the server after a commit's first flush")
    os.kill(os.getpid(), signal.SIGKILL)


def make_run_offers(
    session: Session,
    *,
    run: MatchRun,
    proposals: Sequence[Proposal],
    actor: str,
    crash_after_first_flush: bool = False,
) -> list[Offer]:
    """One offer per proposal: the units reserved, the households offered (one transaction).

    Set-based: one UPDATE for all units, one for all households and one INSERT for all offers,
    so the statistics triggers run once per commit instead of once per offer.
    """
    chosen = sorted(proposals, key=lambda p: p.unit_id)
    if not chosen:
        return []
    for unit in units.reserve_units(session, unit_ids=[uuid.UUID(p.unit_id) for p in chosen]):
        record_event(
            session,
            actor=actor,
            action="unit.reserved",
            entity_type="unit",
            entity_id=unit.id,
            before={"status": "available"},
            after={"status": unit.status},
        )
    if crash_after_first_flush:
        session.flush()
        _crash_now()
    moved = households.mark_offered_many(
        session, household_ids=[uuid.UUID(p.household_id) for p in chosen]
    )
    for household, before in moved:
        _household_moved(session, household=household, before=before, actor=actor, why="offer made")
    made = [
        _offer_row(
            household_id=uuid.UUID(proposal.household_id),
            unit_id=uuid.UUID(proposal.unit_id),
            policy_id=run.policy_id,
            valid_hours=run.policy.offer_valid_hours,
            run_id=run.id,
            source=OfferSource.RUN,
            actor=actor,
            explanation=proposal.model_dump(mode="json", exclude={"household_id", "unit_id"}),
        )
        for proposal in chosen
    ]
    session.add_all(made)
    with conflicts_as_409():
        session.flush()
    for offer in made:
        record_event(
            session,
            actor=actor,
            action="offer.made",
            entity_type="offer",
            entity_id=offer.id,
            before=None,
            after={**_offer_snapshot(offer), "run_id": run.id},
        )
    return made


# --- answers ----------------------------------------------------------------------------------


def _lock_open_offer(
    session: Session, *, principal: Principal, offer_id: uuid.UUID, with_current_unit: bool = False
) -> Offer:
    """The offer, its unit locked first (the lock order), then the offer itself; 409 unless open.

    `with_current_unit`: also lock the unit the household lives in now (accepting moves it out).
    """
    offer = get_visible_offer(session, principal=principal, offer_id=offer_id)
    current = (
        repository.active_placement_units_of(session, household_id=offer.household_id)
        if with_current_unit
        else []
    )
    repository.lock_units(session, unit_ids=[offer.unit_id, *current])
    offer = get_visible_offer(session, principal=principal, offer_id=offer_id, for_update=True)
    if offer.status != OfferStatus.OPEN.value:
        raise Conflict(
            f"Offer {offer.id} is {offer.status}; only an open offer can be answered.",
            extensions={"offer_status": offer.status},
        )
    return offer


def accept_offer(
    session: Session, *, principal: Principal, offer_id: uuid.UUID, move_in_on: date | None
) -> Placement:
    """The household takes the unit: a placement and a stay start, the unit is occupied.

    A household moving on from an emergency unit leaves it in the same transaction: that
    placement ends, its stay ends and that unit is available again.
    """
    offer = _lock_open_offer(
        session, principal=principal, offer_id=offer_id, with_current_unit=True
    )
    now = utc_now()
    if offer.expires_at <= now:
        raise Conflict(
            f"Offer {offer.id} expired at {offer.expires_at.isoformat()}; make a new one.",
            extensions={"offer_status": "expired"},
        )
    move_in_on = move_in_on or today_amsterdam()
    if move_in_on < today_amsterdam(offer.created_at):
        raise Invalid(
            "The stay cannot start before the offer was made.",
            errors=[FieldError(field="body.move_in_on", message="before the offer was made")],
        )
    previous = repository.active_placement_of(session, household_id=offer.household_id)
    if previous is not None:
        # Already locked above, unless the household moved in the meantime (then: retry).
        repository.lock_units(session, unit_ids=[previous.unit_id])
    household = _locked_household(session, offer.household_id)
    actor = principal.actor
    with conflicts_as_409():
        if previous is not None:
            _end(
                session,
                placement=previous,
                end_date=max(move_in_on, previous.start_date),
                reason=PlacementEndReason.MOVED_ON,
                text=f"moved on to unit {offer.unit_id} (offer {offer.id})",
                actor=actor,
                end_stay=False,  # place_in_unit ends the ongoing stay itself
            )
        unit = units.occupy_unit(session, unit_id=offer.unit_id)
        record_event(
            session,
            actor=actor,
            action="unit.occupied",
            entity_type="unit",
            entity_id=unit.id,
            before={"status": "reserved"},
            after={"status": unit.status},
        )
        before_status = household.status
        stay = households.place_in_unit(
            session, household=household, unit_id=offer.unit_id, move_in_on=move_in_on
        )
        _household_moved(
            session, household=household, before=before_status, actor=actor, why="offer accepted"
        )
        before = _offer_snapshot(offer)
        offer.status = OfferStatus.ACCEPTED.value
        offer.decided_at = now
        offer.decided_by = actor
        placement = Placement(
            offer_id=offer.id,
            household_id=offer.household_id,
            unit_id=offer.unit_id,
            stay_id=stay.id,
            status=PlacementStatus.ACTIVE.value,
            start_date=move_in_on,
        )
        session.add(placement)
        session.flush()
    record_event(
        session,
        actor=actor,
        action="offer.accepted",
        entity_type="offer",
        entity_id=offer.id,
        before=before,
        after=_offer_snapshot(offer),
    )
    record_event(
        session,
        actor=actor,
        action="placement.started",
        entity_type="placement",
        entity_id=placement.id,
        before=None,
        after=placement_to_read(placement).model_dump(mode="json"),
    )
    return placement


def _close_offer(
    session: Session,
    *,
    offer: Offer,
    status: OfferStatus,
    actor: str,
    why: str,
    decline_reason: DeclineReason | None = None,
    decline_text: str | None = None,
) -> Offer:
    """Decline, expire or cancel: the unit and the household go back to the pool."""
    before = _offer_snapshot(offer)
    now = utc_now()
    offer.status = status.value
    offer.decided_at = now
    offer.decided_by = actor
    offer.decline_reason = decline_reason.value if decline_reason else None
    offer.decline_text = decline_text
    offer.unit_released_at = now
    session.flush()
    _release(session, unit_id=offer.unit_id, actor=actor, why=why)
    household = _locked_household(session, offer.household_id)
    if household.status == HouseholdStatus.OFFERED.value:
        _back_in_pool(session, household=household, actor=actor, why=why)
    record_event(
        session,
        actor=actor,
        action=f"offer.{status.value}",
        entity_type="offer",
        entity_id=offer.id,
        before=before,
        after={**_offer_snapshot(offer), "decline_reason": offer.decline_reason, "why": why},
    )
    return offer


def decline_offer(
    session: Session,
    *,
    principal: Principal,
    offer_id: uuid.UUID,
    reason: DeclineReason,
    text: str | None,
) -> Offer:
    """Declined with a coded reason: the pair is not proposed again (unless an admin clears it)."""
    offer = _lock_open_offer(session, principal=principal, offer_id=offer_id)
    return _close_offer(
        session,
        offer=offer,
        status=OfferStatus.DECLINED,
        actor=principal.actor,
        why=f"declined: {reason.value}",
        decline_reason=reason,
        decline_text=text,
    )


def expire_due_offers(session: Session, *, actor: str, now: datetime | None = None) -> int:
    """Expire open offers past their time and release their units; returns how many.

    Rows another transaction holds are skipped (it is answering or changing them); the next
    sweep or read picks them up.
    """
    now = now or utc_now()
    expired = 0
    for offer_id in repository.due_offer_ids(session, now=now, limit=EXPIRY_BATCH):
        offer = repository.get_offer(session, offer_id)
        if offer is None or not repository.try_lock_unit(session, offer.unit_id):
            continue
        offer = repository.get_offer(session, offer_id, for_update=True, skip_locked=True)
        if offer is None or offer.status != OfferStatus.OPEN.value or offer.expires_at > now:
            continue
        household = repository.get_household(
            session, offer.household_id, for_update=True, skip_locked=True
        )
        if household is None:
            continue
        _close_offer(
            session, offer=offer, status=OfferStatus.EXPIRED, actor=actor, why="offer expired"
        )
        expired += 1
    return expired


def cancel_offers_for_withdrawn_unit(session: Session, *, unit_id: uuid.UUID, actor: str) -> int:
    """A corporation withdraws a unit with an open offer: the offer is cancelled and the household
    is back in the pool. Call with the unit locked, before moving it to `withdrawn`."""
    cancelled = 0
    for offer in repository.open_offers_on_unit(session, unit_id=unit_id):
        _close_offer(
            session,
            offer=offer,
            status=OfferStatus.CANCELLED,
            actor=actor,
            why="unit withdrawn by its corporation",
        )
        cancelled += 1
    return cancelled


# --- placements -------------------------------------------------------------------------------


def _end(
    session: Session,
    *,
    placement: Placement,
    end_date: date,
    reason: PlacementEndReason,
    text: str | None,
    actor: str,
    end_stay: bool,
) -> None:
    before = placement_to_read(placement).model_dump(mode="json")
    placement.status = PlacementStatus.ENDED.value
    placement.end_date = end_date
    placement.end_reason = reason.value
    placement.end_text = text
    placement.ended_by = actor
    offer = session.get(Offer, placement.offer_id)
    if offer is not None:
        offer.unit_released_at = utc_now()
    if end_stay:
        stay = household_records.get_stay(session, placement.stay_id)
        if stay is not None and stay.end_date is None:
            stay.end_date = max(end_date, stay.start_date)
    session.flush()
    _release(session, unit_id=placement.unit_id, actor=actor, why=f"placement ended: {reason}")
    record_event(
        session,
        actor=actor,
        action="placement.ended",
        entity_type="placement",
        entity_id=placement.id,
        before=before,
        after=placement_to_read(placement).model_dump(mode="json"),
    )


def end_placement(
    session: Session, *, principal: Principal, placement_id: uuid.UUID, data: PlacementEnd
) -> Placement:
    """The household left: the stay ends and the unit is available. Permanent housing ends the
    episode (the case closes); otherwise the household is back in the pool."""
    placement = get_visible_placement(session, principal=principal, placement_id=placement_id)
    # The lock order: this unit and the unit of any offer out to the household, then the rest.
    offered_units = repository.open_offer_units_of(session, household_id=placement.household_id)
    repository.lock_units(session, unit_ids=[placement.unit_id, *offered_units])
    placement = get_visible_placement(
        session, principal=principal, placement_id=placement_id, for_update=True
    )
    if placement.status != PlacementStatus.ACTIVE.value:
        raise Conflict(f"Placement {placement.id} has already ended.")
    if data.end_date < placement.start_date:
        raise Invalid(
            "A placement cannot end before it started.",
            errors=[FieldError(field="body.end_date", message="before the start date")],
        )
    household = _locked_household(session, placement.household_id)
    actor = principal.actor
    with conflicts_as_409():
        _end(
            session,
            placement=placement,
            end_date=data.end_date,
            reason=PlacementEndReason(data.reason.value),
            text=data.text,
            actor=actor,
            end_stay=True,
        )
        before = household.status
        if data.reason.value == PlacementEndReason.MOVED_TO_PERMANENT_HOUSING.value:
            # A household that found a home no longer needs the unit it was offered meanwhile.
            for open_offer in repository.open_offers_of_household(
                session, household_id=household.id
            ):
                _close_offer(
                    session,
                    offer=open_offer,
                    status=OfferStatus.CANCELLED,
                    actor=actor,
                    why="household moved to permanent housing",
                )
            before = household.status
            households.close_household(
                session,
                household=household,
                reason=ClosedReason.PERMANENT_HOME,
                closed_on=data.end_date,
            )
        elif household.status == HouseholdStatus.PLACED.value:
            # No household transition exists for "left our unit, still without a home" yet:
            # the episode goes on, so the household is homeless again (and back in the pool).
            household.status = HouseholdStatus.HOMELESS.value
            session.flush()
        _household_moved(
            session, household=household, before=before, actor=actor, why="placement ended"
        )
    return placement


# --- hand offers and withdrawals --------------------------------------------------------------


def make_hand_offer(session: Session, *, principal: Principal, data: HandOfferCreate) -> Offer:
    """A desk's own offer: the same hard rules and placement caps as a run, unless named rules
    are overridden with a reason (recorded on the offer and reported in the children's-rights
    check)."""
    from service.policies import service as policies
    from service.runs.instance import build_pair_instance, lock_cap_groups

    household = repository.get_household(session, data.household_id)
    if household is None or not principal.sees_municipality(household.municipality_code):
        raise Invalid(
            f"Household {data.household_id} does not exist.",
            errors=[FieldError(field="body.household_id", message="unknown household")],
        )
    unit = session.get(Unit, data.unit_id)
    if unit is None:
        raise Invalid(
            f"Unit {data.unit_id} does not exist.",
            errors=[FieldError(field="body.unit_id", message="unknown unit")],
        )
    policy = policies.resolve_policy(session, reference=None)
    engine_policy = policies.engine_policy(policy)
    lock_cap_groups(session, units=[unit], policy=engine_policy)
    lock_pairs(session, unit_ids=[data.unit_id], household_ids=[data.household_id])
    household = _locked_household(session, data.household_id)
    if household.status not in (
        HouseholdStatus.AT_RISK.value,
        HouseholdStatus.HOMELESS.value,
        HouseholdStatus.PLACED.value,
    ):
        raise Conflict(
            f"Household {household.id} is {household.status}; it cannot get an offer now.",
            extensions={"household_status": household.status},
        )
    instance = build_pair_instance(
        session,
        household=household,
        unit_id=data.unit_id,
        policy=engine_policy,
        today=today_amsterdam(),
    )
    broken = broken_rules(instance=instance, policy=engine_policy)
    not_overridden = [rule for rule in broken if rule not in data.override_rules]
    if not_overridden:
        raise Invalid(
            "The offer breaks hard rules: " + ", ".join(not_overridden) + ". "
            "Choose another unit, or override the rules with a reason.",
            errors=[
                FieldError(field="body.override_rules", message=f"rule broken: {rule}")
                for rule in not_overridden
            ],
            extensions={"broken_rules": broken},
        )
    trips = measure_school_trips_km(
        session, pairs=[(c.id, data.unit_id) for c in household.children if c.school_id]
    )
    actor = principal.actor
    _reserve(session, unit_id=data.unit_id, actor=actor)
    _mark_offered(session, household=household, actor=actor)
    offer = _new_offer(
        session,
        household_id=household.id,
        unit_id=data.unit_id,
        policy_id=policy.id,
        valid_hours=policy.offer_valid_hours,
        run_id=None,
        source=OfferSource.HAND,
        actor=actor,
        explanation={
            "hand": True,
            "policy": policy.reference,
            "broken_rules": broken,
            "child_trips": [
                {"child_id": str(child_id), "school_trip_km": km}
                for (child_id, _), km in sorted(trips.items(), key=lambda kv: str(kv[0][0]))
            ],
        },
        hand_reason=data.reason,
        overridden_rules=broken,
        override_reason=data.override_reason if broken else None,
    )
    record_event(
        session,
        actor=actor,
        action="offer.made",
        entity_type="offer",
        entity_id=offer.id,
        before=None,
        after={
            **_offer_snapshot(offer),
            "source": "hand",
            "reason": data.reason,
            "overridden_rules": broken,
            "override_reason": offer.override_reason,
        },
    )
    return offer


def withdraw_unit(session: Session, *, principal: Principal, unit_id: uuid.UUID) -> Unit:
    """A corporation takes a unit off the market; an open offer on it is cancelled first and its
    household goes back to the pool. A unit with a running placement stays refused (409)."""
    unit = units.get_unit(session, unit_id=unit_id, for_update=True)
    if not principal.sees_corporation(unit.corporation_id):
        raise NotFound(f"Unit {unit_id} does not exist.")
    before = unit.status
    cancel_offers_for_withdrawn_unit(session, unit_id=unit_id, actor=principal.actor)
    unit = units.get_unit(session, unit_id=unit_id, for_update=True)
    unit = units.withdraw_unit(session, unit=unit)
    record_event(
        session,
        actor=principal.actor,
        action="unit.withdrawn",
        entity_type="unit",
        entity_id=unit.id,
        before={"status": before},
        after={"status": unit.status},
    )
    return unit


def clear_decline(session: Session, *, principal: Principal, offer_id: uuid.UUID) -> Offer:
    """An admin lets a declined pair be proposed again (the decline itself stays on record)."""
    offer = get_visible_offer(session, principal=principal, offer_id=offer_id, for_update=True)
    if offer.status != OfferStatus.DECLINED.value:
        raise Conflict(
            f"Offer {offer.id} is {offer.status}; only a declined pair can be cleared.",
            extensions={"offer_status": offer.status},
        )
    if offer.decline_cleared_at is None:
        offer.decline_cleared_at = utc_now()
        session.flush()
        record_event(
            session,
            actor=principal.actor,
            action="offer.decline_cleared",
            entity_type="offer",
            entity_id=offer.id,
            before={"decline_cleared_at": None},
            after={"decline_cleared_at": offer.decline_cleared_at},
        )
    return offer
