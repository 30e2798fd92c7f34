"""Policies: everyone who matches or audits reads them; admins add versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from service.auth.dependencies import AdminOnly, allow
from service.auth.models import Role
from service.auth.principal import Principal
from service.core.db import SessionDep
from service.core.errors import problem_responses
from service.policies import service
from service.policies.schemas import PolicyCreate, PolicyName, PolicyRead

router = APIRouter(prefix="/v1", tags=["policies"])

PolicyReader = Annotated[
    Principal,
    Depends(allow(Role.DESK, Role.CORPORATION, Role.AUDITOR, scope="policies:read")),
]
NameInPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]


@router.get(
    "/policies", response_model=list[PolicyRead], responses=problem_responses(401, 403, 422)
)
def list_policies(
    session: SessionDep,
    _: PolicyReader,
    name: Annotated[PolicyName | None, Query(description="Only this policy's versions.")] = None,
) -> list[PolicyRead]:
    """Every version of every policy, by name then version."""
    return [service.to_read(p) for p in service.list_policies(session, name=name)]


@router.post(
    "/policies",
    status_code=201,
    response_model=PolicyRead,
    responses=problem_responses(401, 403, 422),
)
def create_policy_version(
    data: PolicyCreate, session: SessionDep, principal: AdminOnly, response: Response
) -> PolicyRead:
    """Add the next version of a policy (versions are never edited: runs must stay replayable)."""
    policy = service.create_policy_version(session, data=data, actor=principal.actor)
    response.headers["Location"] = f"/v1/policies/{policy.name}/versions/{policy.version}"
    return service.to_read(policy)


@router.get(
    "/policies/{name}", response_model=PolicyRead, responses=problem_responses(401, 403, 404, 422)
)
def get_latest_policy(name: NameInPath, session: SessionDep, _: PolicyReader) -> PolicyRead:
    """The latest version of a policy."""
    return service.to_read(service.get_policy(session, name=name))


@router.get(
    "/policies/{name}/versions/{version}",
    response_model=PolicyRead,
    responses=problem_responses(401, 403, 404, 422),
)
def get_policy_version(
    name: NameInPath,
    version: Annotated[int, Path(ge=1, le=999_999_999)],
    session: SessionDep,
    _: PolicyReader,
) -> PolicyRead:
    return service.to_read(service.get_policy(session, name=name, version=version))
