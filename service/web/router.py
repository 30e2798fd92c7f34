"""Signing in and out, the language switch and the start page; the feature pages live in
`service/web/pages/`."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from service.core.db import SessionDep
from service.web.dependencies import (
    SESSION_COOKIE,
    AnySignedIn,
    check_form_origin,
    public_page,
)
from service.web.errors import WEB_PREFIX
from service.web.forms import FormErrors, attempt
from service.web.i18n import DEFAULT_LANGUAGE, Language
from service.web.sessions import set_language, sign_in, sign_out
from service.web.templating import render

router = APIRouter(prefix=WEB_PREFIX, include_in_schema=False)
root_router = APIRouter(include_in_schema=False)

LANGUAGE_COOKIE = "onderdak_language"


def _safe_next(target: str | None) -> str:
    # Only our own pages: never an open redirect to another site.
    if target and target.startswith(WEB_PREFIX) and not target.startswith("//"):
        return target
    return WEB_PREFIX


def _language_of(value: str | None) -> Language:
    try:
        return Language(value) if value else DEFAULT_LANGUAGE
    except ValueError:
        return DEFAULT_LANGUAGE


@root_router.get("/", dependencies=[Depends(public_page())])
def root() -> RedirectResponse:
    return RedirectResponse(WEB_PREFIX, status_code=303)


@router.get("/sign-in", dependencies=[Depends(public_page())])
def sign_in_form(
    request: Request, next: str | None = None, lang: str | None = None, ended: bool = False
) -> Response:
    language = _language_of(lang or request.cookies.get(LANGUAGE_COOKIE))
    return render(
        request,
        "sign_in.html",
        language=language.value,
        next=_safe_next(next),
        notice="You have been signed out." if ended else None,
        errors=FormErrors(),
    )


@router.post("/sign-in", dependencies=[Depends(public_page()), Depends(check_form_origin)])
async def sign_in_submit(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    api_key = str(form.get("api_key") or "").strip()
    language = _language_of(str(form.get("language") or ""))
    target = _safe_next(str(form.get("next") or ""))
    errors = FormErrors()
    if not api_key:
        errors.fields["api_key"] = "Fill in your key."
    else:
        settings = request.app.state.settings
        lifetime = timedelta(hours=settings.web_session_hours)
        signed_in, errors = attempt(
            session,
            lambda: sign_in(session, api_key=api_key, language=language, lifetime=lifetime),
        )
        if signed_in is not None:
            _, cookie = signed_in
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                SESSION_COOKIE,
                cookie,
                max_age=int(lifetime.total_seconds()),
                path="/",
                httponly=True,
                samesite="lax",
                secure=settings.web_cookie_secure,
            )
            _remember_language(response, language)
            return response
        if errors.summary and not errors.fields:
            errors.fields["api_key"] = errors.summary
    return render(
        request,
        "sign_in.html",
        status_code=401 if api_key else 422,
        language=language.value,
        next=target,
        notice=None,
        errors=errors,
    )


def _remember_language(response: Response, language: Language) -> None:
    # The sign-in page of the next visit speaks the language chosen last.
    response.set_cookie(
        LANGUAGE_COOKIE, language.value, max_age=365 * 86400, path="/", samesite="lax"
    )


@router.post("/sign-out")
def sign_out_submit(session: SessionDep, user: AnySignedIn) -> Response:
    sign_out(session, web_session_id=user.session_id, actor=user.principal.actor)
    response = RedirectResponse(f"{WEB_PREFIX}/sign-in?ended=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.post("/language")
async def change_language(
    request: Request, session: SessionDep, user: AnySignedIn
) -> RedirectResponse:
    form = await request.form()
    language = _language_of(str(form.get("language") or ""))
    set_language(session, web_session_id=user.session_id, language=language)
    response = RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)
    _remember_language(response, language)
    return response


@router.get("")
def home(request: Request, user: AnySignedIn) -> Response:
    return render(request, "home.html")
