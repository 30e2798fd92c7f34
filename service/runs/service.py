"""Match runs: build the instance from the database, solve, store; commit into offers.

A preview changes nothing but its own run record. A commit turns the preview's proposals into
offers only if the inputs are still what the preview saw (else 409: run a new preview), all of
them or none.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from matching import Instance, MatchingResult, Policy, solve
from service.audit.service import record_event
from service.auth.principal import Principal
from service.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from service.core.pagination import next_cursor
from service.core.time import today_amsterdam, utc_now
from service.offers import service as offers
from service.offers.models import Offer
from service.policies import service as policies
from service.reference.service import resolve_municipality
from service.runs import repository
from service.runs.baseline import first_come_first_served
from service.runs.instance import NO_SCHOOL_ID, BuiltInstance, build_instance, lock_cap_groups
from service.runs.models import MatchRun, RunStatus
from service.runs.schemas import (
    ChildOverLimit,
    ChildrensRightsCheck,
    CommitExclusion,
    FamilyWithoutOffer,
    Outcome,
    ProposalPage,
    ProposalRead,
    RemainingStay,
    RunRead,
    RunSummary,
    UnmatchedPage,
    UnmatchedRead,
)
from service.runs.settings import RunSettings

log = logging.getLogger("onderdak.runs")

LONGEST_STAYS_SHOWN = 10


# --- access -----------------------------------------------------------------------------------


def resolve_scope(
    session: Session, *, principal: Principal, municipalities: Sequence[str]
) -> list[str]:
    """Current codes of the scope (aliases followed); 403 outside the caller's municipalities."""
    resolved = sorted(
        {
            resolve_municipality(session, code, field=f"municipalities.{index}")
            for index, code in enumerate(municipalities)
        }
    )
    outside = [code for code in resolved if not principal.sees_municipality(code)]
    if outside:
        raise Forbidden(
            f"You may only match within your own municipalities; not in {', '.join(outside)}."
        )
    return resolved


# A queued run waits for its worker to start (the request's background task) for at most this
# long; after that, a queued run with no worker was lost with its process.
QUEUED_RUN_GRACE = timedelta(minutes=5)
INTERRUPTED = "The server stopped while this run was queued or running; start a new preview."


def get_visible_run(
    session: Session, *, principal: Principal, run_id: uuid.UUID, for_update: bool = False
) -> MatchRun:
    run = repository.get_run(session, run_id, for_update=for_update)
    if run is None or not all(principal.sees_municipality(m) for m in run.municipalities):
        raise NotFound(f"Match run {run_id} does not exist.")
    _fail_if_abandoned(session, run)
    return run


def _fail_if_abandoned(session: Session, run: MatchRun) -> None:
    """A run left queued or running by a server that stopped is marked failed when read, so
    pollers are not told "running" for ever."""
    if run.status == RunStatus.RUNNING.value:
        abandoned = True
    elif run.status == RunStatus.QUEUED.value:
        abandoned = run.created_at < utc_now() - QUEUED_RUN_GRACE
    else:
        return
    if not abandoned or not repository.worker_lock_is_free(session, run.id):
        return
    before = run.status
    run.status = RunStatus.FAILED.value
    run.error = INTERRUPTED
    run.finished_at = utc_now()
    session.flush()
    record_event(
        session,
        actor=run.requested_by,
        action="run.interrupted",
        entity_type="match_run",
        entity_id=run.id,
        before={"status": before},
        after={"status": run.status},
    )


def list_runs(
    session: Session,
    *,
    principal: Principal,
    cursor: str | None,
    limit: int,
    without_documents: bool = False,
) -> tuple[Sequence[MatchRun], str | None]:
    """Runs within the caller's municipalities, newest first (`without_documents`: see the
    repository; for lists that show no result)."""
    within = None if principal.is_admin else sorted(principal.municipalities)
    rows = repository.list_runs(
        session, within=within, cursor=cursor, limit=limit, without_documents=without_documents
    )
    return next_cursor(rows, sort_attribute="created_at", limit=limit)


# --- preview ----------------------------------------------------------------------------------


def start_run(
    session: Session,
    *,
    principal: Principal,
    municipalities: Sequence[str],
    policy_reference: str | None,
    settings: RunSettings,
) -> tuple[MatchRun, bool]:
    """Record a run; solve it now, or leave it queued for the background (returns True then)."""
    scope = resolve_scope(session, principal=principal, municipalities=municipalities)
    policy = policies.resolve_policy(session, reference=policy_reference)
    run = MatchRun(
        municipalities=scope,
        policy_id=policy.id,
        policy=policy,
        status=RunStatus.QUEUED.value,
        progress_percent=0,
        progress_stage="queued",
        requested_by=principal.actor,
    )
    session.add(run)
    session.flush()
    record_event(
        session,
        actor=principal.actor,
        action="run.requested",
        entity_type="match_run",
        entity_id=run.id,
        before=None,
        after={"municipalities": scope, "policy": policy.reference},
    )
    households = repository.count_households_in_scope(session, municipalities=scope)
    if households > settings.match_run_sync_max_households:
        return run, True
    execute_run(session, run=run)
    return run, False


def preview_run(
    session: Session,
    *,
    principal: Principal,
    municipalities: Sequence[str],
    policy_reference: str | None = None,
) -> MatchRun:
    """A preview solved at once, whatever its size (the CLI and the demo wait for it)."""
    run, _ = start_run(
        session,
        principal=principal,
        municipalities=municipalities,
        policy_reference=policy_reference,
        settings=RunSettings(match_run_sync_max_households=10**9),
    )
    return run


def run_summary(run: MatchRun) -> RunSummary | None:
    """The run's summary: outcome, first-come-first-served comparison, children's rights."""
    return RunSummary.model_validate(run.summary) if run.summary else None


def _progress(session: Session, run: MatchRun, *, stage: str, percent: int) -> None:
    run.progress_stage = stage
    run.progress_percent = percent
    session.flush()


def execute_run(
    session: Session,
    *,
    run: MatchRun,
    on_progress: Callable[[], None] | None = None,
) -> MatchRun:
    """Build the instance, solve it and store everything the run used and found."""
    run.status = RunStatus.RUNNING.value
    run.started_at = utc_now()
    _progress(session, run, stage="building_instance", percent=10)
    if on_progress:
        on_progress()
    offers.expire_due_offers(session, actor=offers.EXPIRY_ACTOR)
    engine_policy = policies.engine_policy(run.policy)
    started = time.perf_counter()
    built = build_instance(
        session,
        municipalities=run.municipalities,
        policy=engine_policy,
        today=today_amsterdam(),
    )
    built_at = time.perf_counter()
    _progress(session, run, stage="solving", percent=40)
    if on_progress:
        on_progress()
    result = solve(built.instance, engine_policy)
    solved_at = time.perf_counter()
    _progress(session, run, stage="summarising", percent=80)
    if on_progress:
        on_progress()
    summary = summarise(
        session, built=built, result=result, policy=engine_policy, municipalities=run.municipalities
    )
    run.households_count = len(built.instance.households)
    run.units_count = len(built.instance.units)
    run.input_hash = built.input_hash
    run.instance = built.instance.model_dump(mode="json")
    run.result = result.model_dump(mode="json")
    run.summary = summary.model_dump(mode="json")
    run.build_seconds = round(built_at - started, 4)
    run.solve_seconds = round(solved_at - built_at, 4)
    run.status = RunStatus.COMPLETED.value
    run.finished_at = utc_now()
    _progress(session, run, stage="completed", percent=100)
    record_event(
        session,
        actor=run.requested_by,
        action="run.completed",
        entity_type="match_run",
        entity_id=run.id,
        before=None,
        after={
            "input_hash": run.input_hash,
            "policy": run.policy.reference,
            "households": run.households_count,
            "units": run.units_count,
            "proposals": summary.proposals,
            "unmatched": summary.unmatched,
        },
    )
    return run


def execute_in_background(factory: sessionmaker[Session], run_id: uuid.UUID) -> None:
    """A queued run, solved by a worker with its own session; progress is committed as it goes
    so pollers see it. A failure is recorded on the run, never lost."""
    bind = factory.kw.get("bind")
    # (Tests bind their factory to one shared connection: no separate lock connection there.)
    # The lock lives on a connection of its own, held until the end: the work session below
    # commits its progress and may change connections. If the process dies, the connection and
    # the lock go with it, and readers see the run is abandoned.
    with bind.connect() if isinstance(bind, Engine) else nullcontext(None) as lock_connection:
        if lock_connection is not None:
            repository.hold_worker_lock(lock_connection, run_id)
        try:
            _work_on(factory, run_id)
        finally:
            if lock_connection is not None:
                repository.release_worker_lock(lock_connection, run_id)


def _work_on(factory: sessionmaker[Session], run_id: uuid.UUID) -> None:
    with factory() as session:
        run = repository.get_run(session, run_id, for_update=True)
        if run is None or run.status != RunStatus.QUEUED.value:
            return
        try:
            execute_run(session, run=run, on_progress=session.commit)
            session.commit()
        except Exception as exc:
            log.exception("match run %s failed", run_id)
            session.rollback()
            failed = repository.get_run(session, run_id, for_update=True)
            if failed is not None:
                failed.status = RunStatus.FAILED.value
                failed.error = f"{type(exc).__name__}: the run could not be completed."
                failed.finished_at = utc_now()
                session.commit()


# --- summary ----------------------------------------------------------------------------------


def _outcome(
    *, instance: Instance, placed: dict[str, str], trips: dict[str, dict[str, float]]
) -> Outcome:
    households = {h.id: h for h in instance.households}
    chosen = [households[h] for h in placed]
    trips_km = [
        trips.get(child.id, {}).get(placed[household.id])
        for household in chosen
        for child in household.children
        if child.school_id != NO_SCHOOL_ID
    ]
    measured = [km for km in trips_km if km is not None]
    days = [h.days_in_temporary_housing for h in chosen]
    return Outcome(
        households_placed=len(chosen),
        families_with_children_placed=sum(1 for h in chosen if h.children),
        children_placed=sum(len(h.children) for h in chosen),
        mean_school_trip_km=round(statistics.fmean(measured), 2) if measured else None,
        max_school_trip_km=round(max(measured), 2) if measured else None,
        mean_days_in_temporary_housing_placed=round(statistics.fmean(days), 1) if days else None,
    )


def summarise(
    session: Session,
    *,
    built: BuiltInstance,
    result: MatchingResult,
    policy: Policy,
    municipalities: Sequence[str],
) -> RunSummary:
    instance = built.instance
    trips = instance.school_trip_km or {}
    households = {h.id: h for h in instance.households}
    new = {p.household_id: p.unit_id for p in result.proposals if not p.fixed}
    fixed = [p for p in result.proposals if p.fixed]
    baseline = first_come_first_served(
        instance=instance, policy=policy, arrival_order=built.arrival_order
    )
    over_limit = [
        ChildOverLimit(
            household_id=proposal.household_id,
            child_id=trip.child_id,
            unit_id=proposal.unit_id,
            school_trip_km=trip.school_trip_km,
            school_trip_limit_km=trip.school_trip_limit_km,
        )
        for proposal in result.proposals
        for trip in proposal.figures.child_trips
        if trip.child_id in _children_with_school(instance)
        and (trip.school_trip_km is None or trip.school_trip_km > trip.school_trip_limit_km)
    ]
    if over_limit:
        measured = offers.measure_school_trips_km(
            session, pairs=[(uuid.UUID(c.child_id), uuid.UUID(c.unit_id)) for c in over_limit]
        )
        over_limit = [
            c.model_copy(
                update={
                    "school_trip_km": measured.get((uuid.UUID(c.child_id), uuid.UUID(c.unit_id)))
                }
            )
            for c in over_limit
        ]
    families_without = [
        FamilyWithoutOffer(
            household_id=u.household_id,
            children=len(households[u.household_id].children),
            days_in_temporary_housing=households[u.household_id].days_in_temporary_housing,
            reason=u.reason,
            explanation=u.explanation,
        )
        for u in result.unmatched
        if households[u.household_id].children
    ]
    remaining = sorted(
        (households[u.household_id] for u in result.unmatched),
        key=lambda h: (-h.days_in_temporary_housing, h.id),
    )[:LONGEST_STAYS_SHOWN]
    return RunSummary(
        households=len(instance.households),
        units=len(instance.units),
        fixed_pairs=len(fixed),
        proposals=len(new),
        unmatched=len(result.unmatched),
        outcome=_outcome(instance=instance, placed=new, trips=trips),
        first_come_first_served=_outcome(instance=instance, placed=baseline, trips=trips),
        childrens_rights=ChildrensRightsCheck(
            children_placed=sum(len(households[h].children) for h in new),
            children_over_trip_limit=len(over_limit),
            children_over_trip_limit_detail=over_limit,
            families_with_children_without_offer=len(families_without),
            families_with_children_without_offer_detail=families_without,
            longest_remaining_stays=[
                RemainingStay(
                    household_id=h.id,
                    children=len(h.children),
                    days_in_temporary_housing=h.days_in_temporary_housing,
                )
                for h in remaining
            ],
        ),
    )


def _children_with_school(instance: Instance) -> set[str]:
    return {c.id for h in instance.households for c in h.children if c.school_id != NO_SCHOOL_ID}


# --- reading ----------------------------------------------------------------------------------


def to_read(run: MatchRun) -> RunRead:
    result = run.result or {}
    return RunRead(
        id=run.id,
        status=RunStatus(run.status),
        progress_percent=run.progress_percent,
        progress_stage=run.progress_stage,
        municipalities=list(run.municipalities),
        policy=run.policy.reference,
        requested_by=run.requested_by,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        households=run.households_count,
        units=run.units_count,
        input_hash=run.input_hash,
        summary=RunSummary.model_validate(run.summary) if run.summary else None,
        statistics=(
            {
                "solver": result.get("solver"),
                "timings": result.get("timings"),
                "build_seconds": run.build_seconds,
                "solve_seconds": run.solve_seconds,
            }
            if run.result
            else None
        ),
        error=run.error,
        committed_at=run.committed_at,
        committed_by=run.committed_by,
    )


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["offset"]
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError("not an offset")
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise Invalid("The cursor is not valid; start again without one.") from exc
    return int(offset)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def _require_result(run: MatchRun) -> dict[str, Any]:
    if run.status != RunStatus.COMPLETED.value or run.result is None:
        raise Conflict(
            f"Match run {run.id} is {run.status}; its results exist once it is completed.",
            extensions={"run_status": run.status},
        )
    return run.result


def proposals_page(run: MatchRun, *, cursor: str | None, limit: int) -> ProposalPage:
    items = _require_result(run)["proposals"]
    start = _offset(cursor)
    page = items[start : start + limit]
    more = start + limit < len(items)
    return ProposalPage(
        items=[ProposalRead.model_validate(p) for p in page],
        next_cursor=_cursor(start + limit) if more else None,
    )


def unmatched_page(run: MatchRun, *, cursor: str | None, limit: int) -> UnmatchedPage:
    items = _require_result(run)["unmatched"]
    start = _offset(cursor)
    page = items[start : start + limit]
    more = start + limit < len(items)
    return UnmatchedPage(
        items=[UnmatchedRead.model_validate(u) for u in page],
        next_cursor=_cursor(start + limit) if more else None,
    )


def replay(run: MatchRun) -> MatchingResult:
    """Solve the stored instance again with the stored policy version."""
    if run.instance is None:
        raise Conflict(f"Match run {run.id} has no stored instance yet.")
    return solve(Instance.model_validate(run.instance), policies.engine_policy(run.policy))


# --- commit -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Committed:
    run: MatchRun
    offers: list[Offer]
    left_out: list[CommitExclusion]


def commit_run(
    session: Session,
    *,
    principal: Principal,
    run_id: uuid.UUID,
    exclusions: Sequence[CommitExclusion],
    crash_after_first_flush: bool = False,
) -> Committed:
    """Turn the preview's proposals into offers, all but those left out; a person decides.

    All or nothing: any conflict raises and the request's transaction rolls back.
    """
    run = get_visible_run(session, principal=principal, run_id=run_id, for_update=True)
    if run.committed_at is not None:
        raise Conflict(
            f"Match run {run.id} was already committed by {run.committed_by} "
            f"at {run.committed_at.isoformat()}."
        )
    result = MatchingResult.model_validate(_require_result(run))
    new = [p for p in result.proposals if not p.fixed]
    proposed = {p.household_id for p in new}
    left_out: dict[str, CommitExclusion] = {}
    errors = []
    for index, exclusion in enumerate(exclusions):
        key = str(exclusion.household_id)
        if key not in proposed:
            errors.append(
                FieldError(
                    field=f"body.exclusions.{index}.household_id",
                    message="this run proposes nothing for this household",
                )
            )
        left_out[key] = exclusion
    if errors:
        raise Invalid("Only the run's own proposals can be left out.", errors=errors)
    chosen = [p for p in new if p.household_id not in left_out]

    # Lock what the offers will change (capped groups, then units, then households, each in
    # order, as every other workflow path does), then check the inputs are still what the
    # preview saw.
    engine_policy = policies.engine_policy(run.policy)
    if engine_policy.placement_caps:
        lock_cap_groups(
            session,
            units=repository.units_by_id(session, [uuid.UUID(p.unit_id) for p in chosen]),
            policy=engine_policy,
        )
    offers.lock_pairs(
        session,
        unit_ids=[uuid.UUID(p.unit_id) for p in chosen],
        household_ids=[uuid.UUID(p.household_id) for p in chosen],
    )
    offers.expire_due_offers(session, actor=offers.EXPIRY_ACTOR)
    current = build_instance(
        session,
        municipalities=run.municipalities,
        policy=engine_policy,
        today=today_amsterdam(),
    )
    if current.input_hash != run.input_hash:
        raise Conflict(
            "The households or units of this run changed since the preview; "
            "run a new preview and commit that one.",
            extensions={
                "preview_input_hash": run.input_hash,
                "current_input_hash": current.input_hash,
            },
        )

    made = offers.make_run_offers(
        session,
        run=run,
        proposals=chosen,
        actor=principal.actor,
        crash_after_first_flush=crash_after_first_flush,
    )
    committed_at: datetime = utc_now()
    run.committed_at = committed_at
    run.committed_by = principal.actor
    run.commit_exclusions = [e.model_dump(mode="json") for e in left_out.values()]
    session.flush()
    record_event(
        session,
        actor=principal.actor,
        action="run.committed",
        entity_type="match_run",
        entity_id=run.id,
        before={"committed_at": None},
        after={
            "committed_at": committed_at,
            "offers": [str(o.id) for o in made],
            "left_out": run.commit_exclusions,
        },
    )
    return Committed(run=run, offers=made, left_out=list(left_out.values()))
