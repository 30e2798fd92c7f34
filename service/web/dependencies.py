"""Who is looking at a page, and the checks every page and form goes through.

Pages declare their access rule like API routes do (`page_for(...)`), so the test that walks every
route covers them too. A request without a valid session is sent to the sign-in page; a form
without this session's CSRF token, or posted from another origin, is refused.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy import select

from service.auth.dependencies import ACCESS_RULE_ATTRIBUTE
from service.auth.models import Role
from service.core.db import SessionDep
from service.core.errors import Forbidden
from service.reference.models import Municipality
from service.web.sessions import WebUser, resume

SESSION_COOKIE = "onderdak_session"
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""


class CsrfRejected(Forbidden):
    pass


def current_web_user(request: Request, session: SessionDep) -> WebUser:
    cookie = request.cookies.get(SESSION_COOKIE)
    resumed = resume(session, cookie=cookie) if cookie else None
    if resumed is None:
        raise SignInRequired()
    web_session, principal = resumed
    names: tuple[str, ...] = ()
    if principal.municipalities:
        names = tuple(
            session.scalars(
                select(Municipality.name)
                .where(Municipality.code.in_(principal.municipalities))
                .order_by(Municipality.name)
            )
        )
    user = WebUser(
        principal=principal,
        session_id=str(web_session.id),
        csrf_token=web_session.csrf_token,
        language=web_session.language,
        municipality_names=names,
    )
    request.state.web_user = user
    request.state.principal = principal
    return user


def _same_origin(request: Request) -> bool:
    # Browsers send Origin on every POST; an absent one (very old clients) falls back to Referer.
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return True
    parts = urlsplit(source)
    return parts.netloc == request.url.netloc


async def check_form_origin(request: Request) -> None:
    """Refuse a form posted from another site (also used by the sign-in form)."""
    if request.method != "GET" and not _same_origin(request):
        raise CsrfRejected(
            "This form has expired or did not come from this site; reload the page and try again."
        )


def page_for(*roles: Role) -> Callable[..., Awaitable[WebUser]]:
    """The access rule of a page: these roles (and admins) may open it; forms need the token."""

    async def rule(
        request: Request, user: Annotated[WebUser, Depends(current_web_user)]
    ) -> WebUser:
        if user.principal.role not in roles and user.principal.role is not Role.ADMIN:
            raise Forbidden("This page is not for your role.")
        if request.method != "GET":
            await check_form_origin(request)
            form = await request.form()
            sent = form.get(CSRF_FIELD)
            if not isinstance(sent, str) or not hmac.compare_digest(sent, user.csrf_token):
                raise CsrfRejected(
                    "This form has expired or did not come from this site; reload the page "
                    "and try again."
                )
        return user

    setattr(
        rule, ACCESS_RULE_ATTRIBUTE, {"roles": [r.value for r in roles], "scope": "web-session"}
    )
    return rule


def public_page() -> Callable[..., None]:
    """The access rule of a page anyone may open (the sign-in form)."""

    def rule() -> None:
        return None

    setattr(rule, ACCESS_RULE_ATTRIBUTE, {"roles": ["public"], "scope": None})
    return rule


# The rules the pages use.
AnySignedIn = Annotated[WebUser, Depends(page_for(Role.DESK, Role.CORPORATION, Role.AUDITOR))]
DeskPage = Annotated[WebUser, Depends(page_for(Role.DESK))]
CorporationPage = Annotated[WebUser, Depends(page_for(Role.CORPORATION))]
DeskOrCorporationPage = Annotated[WebUser, Depends(page_for(Role.DESK, Role.CORPORATION))]
