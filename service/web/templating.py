"""Jinja2 templates with the page's language, dates and numbers in Dutch format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from service.web.i18n import DEFAULT_LANGUAGE, dutch_date, dutch_number, translator

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters["date"] = dutch_date
templates.env.filters["number"] = dutch_number
templates.env.globals["languages"] = {"nl": "Nederlands", "en": "English"}

# Pages are served only by this app: no inline script, no third-party origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    language: str | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """One page: the template with `_` in the page's language and the user (if signed in)."""
    user = getattr(request.state, "web_user", None)
    language = language or (user.language if user else DEFAULT_LANGUAGE.value)
    response = templates.TemplateResponse(
        request,
        template,
        {"_": translator(language), "language": language, "user": user, **context},
        status_code=status_code,
        headers={**SECURITY_HEADERS, **(headers or {})},
    )
    return response
