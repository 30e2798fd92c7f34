"""The match pages: a desk previews a run over its municipalities with a policy, reads the
proposals (table, explanations, map) and the children's-rights check, and commits them into
offers, leaving out any it disagrees with. Same service calls as `POST /v1/match-runs` and
`POST /v1/match-runs/{id}/commit`."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response
from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from matching import Instance, MatchingResult
from service.auth.principal import Principal
from service.core.db import SessionDep
from service.core.errors import NotFound
from service.households import service as households
from service.offers import service as offers
from service.policies import service as policies
from service.reference import service as reference
from service.runs import service as runs
from service.runs.instance import NO_SCHOOL_ID
from service.runs.models import MatchRun, RunStatus
from service.runs.schemas import RunCommit, RunCreate
from service.runs.settings import RunSettings, get_run_settings
from service.schools import service as schools
from service.units import service as units
from service.web.dependencies import DeskPage
from service.web.errors import WEB_PREFIX
from service.web.forms import FormErrors, attempt, validate
from service.web.match_view import (
    ChildInfo,
    HouseholdInfo,
    ResultView,
    SchoolInfo,
    UnitInfo,
    result_view,
)
from service.web.templating import render

router = APIRouter(prefix=WEB_PREFIX, include_in_schema=False)

T = TypeVar("T")

# Seconds between reloads of the page of a run still solving.
POLL_SECONDS = 2
RECENT_RUNS = 10


def _run_settings(request: Request) -> RunSettings:
    # As the API: tests put their own on the app, otherwise from the environment.
    configured: RunSettings | None = getattr(request.app.state, "run_settings", None)
    return configured or get_run_settings()


def _scope_options(session: Session, principal: Principal) -> list[tuple[str, str]]:
    return [
        (m.code, m.name)
        for m in reference.list_municipalities(session)
        if principal.sees_municipality(m.code) and m.merged_into_code is None
    ]


def _policy_options(session: Session) -> list[tuple[str, str]]:
    return [
        (p.reference, f"{p.name} (v{p.version}) – {p.description}")
        for p in policies.list_policies(session)
    ]


def _form_page(
    request: Request,
    session: Session,
    user: DeskPage,
    *,
    chosen: list[str] | None = None,
    policy: str | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    scope = _scope_options(session, user.principal)
    recent, _ = runs.list_runs(
        session, principal=user.principal, cursor=None, limit=RECENT_RUNS, without_documents=True
    )
    return render(
        request,
        "match/new.html",
        nav="match",
        status_code=status_code,
        scope=scope,
        chosen=chosen if chosen is not None else [code for code, _ in scope],
        policies=_policy_options(session),
        policy=policy or policies.resolve_policy(session, reference=None).reference,
        recent=recent,
        errors=errors or FormErrors(),
    )


@router.get("/match")
def match_form(request: Request, session: SessionDep, user: DeskPage) -> Response:
    return _form_page(request, session, user)


@router.post("/match")
async def start_preview(
    request: Request, session: SessionDep, user: DeskPage, background: BackgroundTasks
) -> Response:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("municipalities")]
    policy = str(form.get("policy") or "").strip() or None
    data, errors = validate(RunCreate, {"municipalities": chosen, "policy": policy})
    if data is not None:
        settings = _run_settings(request)
        started, errors = attempt(
            session,
            lambda: runs.start_run(
                session,
                principal=user.principal,
                municipalities=data.municipalities,
                policy_reference=data.policy,
                settings=settings,
            ),
        )
        if started is not None:
            run, queued = started
            if queued:
                # After the response, so after this request's commit made the run visible.
                background.add_task(
                    runs.execute_in_background, request.app.state.session_factory, run.id
                )
            return RedirectResponse(f"{WEB_PREFIX}/match/{run.id}", status_code=303)
    if errors.summary and "municipalities" not in errors.fields and not errors.fields:
        errors.fields["municipalities"] = errors.summary
    return _form_page(
        request,
        session,
        user,
        chosen=chosen,
        policy=policy,
        errors=errors,
        status_code=errors.status,
    )


def _lookups(
    session: Session, principal: Principal, instance: Instance, result: MatchingResult
) -> tuple[dict[str, HouseholdInfo], dict[str, UnitInfo], dict[str, SchoolInfo]]:
    """Case references, units and schools of the run, through the services (tenancy checked)."""
    household_ids = {p.household_id for p in result.proposals} | {
        u.household_id for u in result.unmatched
    }
    offers.preload_households_and_units(
        session,
        household_ids=[uuid.UUID(h) for h in household_ids],
        unit_ids=[uuid.UUID(p.unit_id) for p in result.proposals],
    )
    found: dict[str, HouseholdInfo] = {}
    school_ids: set[str] = set()
    for household_id in sorted(household_ids):
        try:
            household = households.get_household(
                session, household_id=uuid.UUID(household_id), principal=principal
            )
        except NotFound:
            continue  # moved out of the desk's municipalities since: the page shows its id
        found[household_id] = HouseholdInfo(
            case_reference=household.case_reference,
            children={
                str(c.id): ChildInfo(
                    birth_year=c.birth_year, school_id=str(c.school_id) if c.school_id else None
                )
                for c in household.children
            },
        )
        school_ids |= {str(c.school_id) for c in household.children if c.school_id}
    proposed_units: dict[str, UnitInfo] = {}
    for unit_id in sorted({p.unit_id for p in result.proposals}):
        unit = units.get_visible_unit(session, principal=principal, unit_id=uuid.UUID(unit_id))
        proposed_units[unit_id] = UnitInfo(
            reference=unit.reference,
            corporation=unit.corporation.name,
            address=" ".join(part for part in (unit.street, unit.house_number, unit.city) if part),
            kind=unit.kind,
        )
    found_schools: dict[str, SchoolInfo] = {}
    for school_id in sorted(school_ids - {NO_SCHOOL_ID}):
        school = schools.get_school(session, school_id=uuid.UUID(school_id))
        point = to_shape(school.location) if school.location is not None else None
        found_schools[school_id] = SchoolInfo(
            name=school.name,
            brin_code=school.brin_code,
            lon=point.x if point is not None else None,
            lat=point.y if point is not None else None,
        )
    return found, proposed_units, found_schools


def _result_page(
    request: Request,
    session: Session,
    user: DeskPage,
    run: MatchRun,
    *,
    errors: FormErrors | None = None,
    submitted: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    read = runs.to_read(run)
    if run.status in (RunStatus.QUEUED.value, RunStatus.RUNNING.value):
        return render(
            request, "match/running.html", nav="match", run=read, poll_seconds=POLL_SECONDS
        )
    view: ResultView | None = None
    if run.status == RunStatus.COMPLETED.value and run.instance and run.result:
        instance = Instance.model_validate(run.instance)
        result = MatchingResult.model_validate(run.result)
        household_info, unit_info, school_info = _lookups(session, user.principal, instance, result)
        view = result_view(
            instance=instance,
            result=result,
            households=household_info,
            units=unit_info,
            schools=school_info,
        )
        case_references = {k: v.case_reference for k, v in household_info.items()}
    else:
        case_references = {}
    return render(
        request,
        "match/result.html",
        nav="match",
        status_code=status_code,
        run=read,
        view=view,
        case_references=case_references,
        left_out=run.commit_exclusions or [],
        errors=errors or FormErrors(),
        submitted=submitted or {},
    )


@router.get("/match/{run_id}")
def match_result(
    request: Request, run_id: uuid.UUID, session: SessionDep, user: DeskPage
) -> Response:
    run = runs.get_visible_run(session, principal=user.principal, run_id=run_id)
    return _result_page(request, session, user, run)


@router.post("/match/{run_id}/commit")
async def commit_preview(
    request: Request, run_id: uuid.UUID, session: SessionDep, user: DeskPage
) -> Response:
    run = runs.get_visible_run(session, principal=user.principal, run_id=run_id)
    form = await request.form()
    errors = FormErrors()
    exclusions: list[dict[str, str]] = []
    index_of: list[int] = []
    submitted: dict[str, Any] = {}
    index = 0
    while (household_id := form.get(f"proposal.{index}.household_id")) is not None:
        reason = str(form.get(f"proposal.{index}.reason") or "").strip()
        leave_out = form.get(f"proposal.{index}.leave_out") is not None
        submitted[str(household_id)] = {"leave_out": leave_out, "reason": reason}
        if leave_out:
            if not reason:
                errors.fields[f"proposal.{index}.reason"] = (
                    "Give the reason for leaving this proposal out."
                )
            exclusions.append({"household_id": str(household_id), "reason": reason})
            index_of.append(index)
        index += 1
    if not errors:
        data, errors = validate(RunCommit, {"exclusions": exclusions})
        # The model's errors name the exclusion; the page names the proposal's row.
        errors.fields = {
            _row_field(name, index_of): message for name, message in errors.fields.items()
        }
        if data is not None:
            committed, errors = attempt(
                session,
                lambda: runs.commit_run(
                    session, principal=user.principal, run_id=run_id, exclusions=data.exclusions
                ),
            )
            if committed is not None:
                return RedirectResponse(f"{WEB_PREFIX}/offers", status_code=303)
            errors.fields = {
                _row_field(name, index_of): message for name, message in errors.fields.items()
            }
    if errors.fields and not errors.summary:
        errors.summary = "Please correct the fields marked below."
    session.expire(run)
    return _result_page(
        request, session, user, run, errors=errors, submitted=submitted, status_code=errors.status
    )


def _row_field(name: str, index_of: list[int]) -> str:
    """`exclusions.1.reason` → `proposal.<row>.reason`, the field the person filled in."""
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] == "exclusions" and parts[1].isdigit():
        position = int(parts[1])
        if position < len(index_of):
            rest = parts[2:] or ["reason"]
            return ".".join(["proposal", str(index_of[position]), *rest])
    return name
