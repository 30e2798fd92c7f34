"""The match pages (being built)."""

from fastapi import APIRouter

from service.web.errors import WEB_PREFIX

router = APIRouter(prefix=WEB_PREFIX, include_in_schema=False)
