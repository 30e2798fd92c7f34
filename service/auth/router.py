"""Personal API keys, managed by admins."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter

from service.auth import keys
from service.auth.dependencies import AdminOnly
from service.auth.models import Role
from service.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, ApiKeyRotate
from service.core.db import SessionDep
from service.core.errors import problem_responses

router = APIRouter(prefix="/v1/keys", tags=["keys"])


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=problem_responses(401, 403, 404, 422),
)
def create_api_key(data: ApiKeyCreate, session: SessionDep, _: AdminOnly) -> ApiKeyCreated:
    """Create a personal key; the token in the answer is shown this once."""
    key, token = keys.create_key(
        session,
        person=data.person,
        role=Role(data.role),
        municipalities=data.municipalities,
        corporation_code=data.corporation,
        scopes=data.scopes,
        expires_at=data.expires_at,
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), token=token)


@router.get("", response_model=list[ApiKeyRead], responses=problem_responses(401, 403))
def list_api_keys(session: SessionDep, _: AdminOnly) -> list[ApiKeyRead]:
    return [ApiKeyRead.model_validate(key) for key in keys.list_keys(session)]


@router.post(
    "/{key_id}/revoke", response_model=ApiKeyRead, responses=problem_responses(401, 403, 404)
)
def revoke_api_key(key_id: uuid.UUID, session: SessionDep, _: AdminOnly) -> ApiKeyRead:
    return ApiKeyRead.model_validate(keys.revoke_key(session, key_id=key_id))


@router.post(
    "/{key_id}/rotate",
    response_model=ApiKeyCreated,
    responses=problem_responses(401, 403, 404, 422),
)
def rotate_api_key(
    key_id: uuid.UUID, data: ApiKeyRotate, session: SessionDep, _: AdminOnly
) -> ApiKeyCreated:
    """A new key with the same rights; the old one keeps working for `grace_hours`."""
    key, token = keys.rotate_key(session, key_id=key_id, grace=timedelta(hours=data.grace_hours))
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), token=token)
