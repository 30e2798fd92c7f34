"""Policy versions: resolved by `name@version`, turned into the engine's `Policy`, created
as new versions only (a version never changes, so every run that used it can be replayed)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.orm import Session

from matching import Policy
from service.audit.service import record_event
from service.core.errors import FieldError, Invalid, NotFound
from service.policies import repository
from service.policies.models import PolicyVersion
from service.policies.schemas import PolicyCreate, PolicyRead

DEFAULT_POLICY_NAME = "default"
_REFERENCE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9-]*)(@(?P<version>[1-9][0-9]*))?$")


def to_read(policy: PolicyVersion) -> PolicyRead:
    return PolicyRead(
        id=policy.id,
        name=policy.name,
        version=policy.version,
        reference=policy.reference,
        description=policy.description,
        parameters=policy.parameters,
        offer_valid_hours=policy.offer_valid_hours,
        created_by=policy.created_by,
        created_at=policy.created_at,
    )


def engine_policy(policy: PolicyVersion) -> Policy:
    """The matching engine's policy for a stored version."""
    return Policy.model_validate(
        {
            **policy.parameters,
            "name": policy.name,
            "version": policy.version,
            "description": policy.description,
        }
    )


def resolve_policy(
    session: Session, *, reference: str | None, field: str = "policy"
) -> PolicyVersion:
    """`name@version`, `name` (its latest version) or None (the latest default): Invalid when
    it names nothing, pointing at `field`."""
    reference = reference or DEFAULT_POLICY_NAME
    match = _REFERENCE.match(reference)
    policy = None
    if match is not None:
        name, version = match["name"], match["version"]
        policy = (
            repository.get_version(session, name=name, version=int(version))
            if version
            else repository.get_latest(session, name=name)
        )
    if policy is None:
        raise Invalid(
            f"Policy {reference!r} does not exist.",
            errors=[FieldError(field=field, message=f"unknown policy {reference!r}")],
        )
    return policy


def get_policy(session: Session, *, name: str, version: int | None = None) -> PolicyVersion:
    policy = (
        repository.get_version(session, name=name, version=version)
        if version is not None
        else repository.get_latest(session, name=name)
    )
    if policy is None:
        shown = f"{name}@{version}" if version is not None else name
        raise NotFound(f"Policy {shown} does not exist.")
    return policy


def list_policies(session: Session, *, name: str | None = None) -> Sequence[PolicyVersion]:
    return repository.list_versions(session, name=name)


def create_policy_version(session: Session, *, data: PolicyCreate, actor: str) -> PolicyVersion:
    """The next version of `data.name`, validated by the engine's own policy model."""
    repository.lock_name(session, name=data.name)
    version = repository.next_version(session, name=data.name)
    reserved = {"name", "version", "description"} & set(data.parameters)
    if reserved:
        raise Invalid(
            "Name, version and description are not parameters.",
            errors=[
                FieldError(field=f"parameters.{key}", message="set it outside `parameters`")
                for key in sorted(reserved)
            ],
        )
    try:
        validated = Policy.model_validate(
            {**data.parameters, "name": data.name, "version": version}
        )
    except ValidationError as exc:
        raise Invalid(
            "The policy parameters are not valid.",
            errors=[
                FieldError(
                    field=".".join(["parameters", *(str(p) for p in err["loc"])]),
                    message=err["msg"],
                    type=err["type"],
                )
                for err in exc.errors()
            ],
        ) from None
    parameters = validated.model_dump(mode="json", exclude={"name", "version", "description"})
    policy = PolicyVersion(
        name=data.name,
        version=version,
        description=data.description,
        parameters=parameters,
        offer_valid_hours=data.offer_valid_hours,
        created_by=actor,
    )
    session.add(policy)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="policy.version_created",
        entity_type="policy",
        entity_id=policy.id,
        before=None,
        after=to_read(policy).model_dump(mode="json"),
    )
    return policy
