"""Match runs: preview (201 at once, or 202 and a run to poll), read, commit."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from fastapi.responses import JSONResponse

from service.auth.dependencies import allow
from service.auth.models import Role
from service.auth.principal import Principal
from service.core.db import SessionDep
from service.core.errors import problem_responses
from service.core.idempotency import IdempotencyKey, idempotent
from service.core.pagination import Cursor, Limit, Page
from service.offers.service import conflicts_as_409
from service.runs import service
from service.runs.schemas import (
    CommitResult,
    ProposalPage,
    RunCommit,
    RunCreate,
    RunRead,
    UnmatchedPage,
)
from service.runs.settings import RunSettings, get_run_settings

router = APIRouter(prefix="/v1", tags=["match runs"])

RunWriter = Annotated[Principal, Depends(allow(Role.DESK, scope="runs:write"))]
RunReader = Annotated[Principal, Depends(allow(Role.DESK, scope="runs:read"))]


def _settings(request: Request) -> RunSettings:
    # Tests put their own on the app (a small threshold, the crash hook); otherwise from env.
    configured: RunSettings | None = getattr(request.app.state, "run_settings", None)
    return configured or get_run_settings()


@router.post(
    "/match-runs",
    status_code=201,
    response_model=RunRead,
    responses={
        202: {"model": RunRead, "description": "Accepted: a big run, solving; poll `Location`."},
        **problem_responses(401, 403, 409, 422),
    },
)
def create_match_run(
    data: RunCreate,
    session: SessionDep,
    principal: RunWriter,
    request: Request,
    background: BackgroundTasks,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A preview: proposals with explanations, changing nothing else. A run over more households
    than the configured threshold answers 202 and solves in the background; poll its Location."""

    def create() -> tuple[int, RunRead, dict[str, str]]:
        with conflicts_as_409():
            run, queued = service.start_run(
                session,
                principal=principal,
                municipalities=data.municipalities,
                policy_reference=data.policy,
                settings=_settings(request),
            )
        headers = {"Location": f"/v1/match-runs/{run.id}"}
        if queued:
            # Runs after the response, so after this request's commit made the run visible.
            background.add_task(
                service.execute_in_background, request.app.state.session_factory, run.id
            )
            headers["Retry-After"] = "1"
        return (202 if queued else 201), service.to_read(run), headers

    return idempotent(
        session,
        caller=principal,
        scope="POST /v1/match-runs",
        key=idempotency_key,
        payload=data,
        create=create,
    )


@router.get("/match-runs", response_model=Page[RunRead], responses=problem_responses(401, 403, 422))
def list_match_runs(
    session: SessionDep, principal: RunReader, cursor: Cursor = None, limit: Limit = 20
) -> Page[RunRead]:
    """Runs within your municipalities, newest first."""
    rows, next_page = service.list_runs(session, principal=principal, cursor=cursor, limit=limit)
    return Page[RunRead](items=[service.to_read(r) for r in rows], next_cursor=next_page)


@router.get(
    "/match-runs/{run_id}", response_model=RunRead, responses=problem_responses(401, 403, 404, 422)
)
def get_match_run(
    run_id: uuid.UUID, session: SessionDep, principal: RunReader, response: Response
) -> RunRead:
    """Status and progress, then the summary (with the children's-rights check) and statistics."""
    run = service.get_visible_run(session, principal=principal, run_id=run_id)
    if run.status in ("queued", "running"):
        response.headers["Retry-After"] = "1"
    return service.to_read(run)


@router.get(
    "/match-runs/{run_id}/proposals",
    response_model=ProposalPage,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def list_match_run_proposals(
    run_id: uuid.UUID,
    session: SessionDep,
    principal: RunReader,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> ProposalPage:
    """Each proposed pair with its explanation (which tier decided it, the figures behind it)."""
    run = service.get_visible_run(session, principal=principal, run_id=run_id)
    return service.proposals_page(run, cursor=cursor, limit=limit)


@router.get(
    "/match-runs/{run_id}/unmatched",
    response_model=UnmatchedPage,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def list_match_run_unmatched(
    run_id: uuid.UUID,
    session: SessionDep,
    principal: RunReader,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> UnmatchedPage:
    """Each household left without a unit, with the reason (rules, or who outranked it)."""
    run = service.get_visible_run(session, principal=principal, run_id=run_id)
    return service.unmatched_page(run, cursor=cursor, limit=limit)


@router.post(
    "/match-runs/{run_id}/commit",
    response_model=CommitResult,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def commit_match_run(
    run_id: uuid.UUID,
    data: RunCommit,
    session: SessionDep,
    principal: RunWriter,
    request: Request,
) -> CommitResult:
    """Turn the preview's proposals into offers (all, or all but those left out with a reason).
    409 when the households or units changed since the preview: run a new preview."""
    with conflicts_as_409():
        committed = service.commit_run(
            session,
            principal=principal,
            run_id=run_id,
            exclusions=data.exclusions,
            crash_after_first_flush=_settings(request).onderdak_test_crash_after_commit_flush,
        )
    return CommitResult(
        run_id=committed.run.id,
        committed_by=principal.actor,
        offers=[o.id for o in committed.offers],
        left_out=committed.left_out,
    )
