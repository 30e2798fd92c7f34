"""Fixtures for the web pages: a browser-like client that signs in through the form, and a real
headless Chromium against a real uvicorn for the end-to-end tests (see `browser.py`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.service.web.browser import (  # noqa: F401 (fixtures)
    LiveSite,
    browser,
    live_site,
    screenshots,
)

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


class PageClient(TestClient):
    """A TestClient that behaves like a signed-in browser: it keeps the session cookie and
    sends this page's CSRF token with every form it posts."""

    csrf_token: str | None = None

    def sign_in(self, api_key: str, *, language: str = "nl") -> None:
        response = self.post(
            "/app/sign-in",
            data={"api_key": api_key, "language": language, "next": "/app"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        self.refresh_csrf()

    def refresh_csrf(self, path: str = "/app") -> None:
        page = self.get(path)
        match = CSRF_PATTERN.search(page.text)
        assert match, f"no CSRF token on {path}"
        self.csrf_token = match.group(1)

    def submit(self, path: str, data: dict[str, str] | None = None, **kwargs: object) -> object:
        """POST a form with this session's CSRF token, as the page's own form would."""
        form = {"csrf_token": self.csrf_token or "", **(data or {})}
        return self.post(path, data=form, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


class PageClientFactory(Protocol):
    def __call__(self) -> PageClient: ...


@pytest.fixture
def page_client(app: FastAPI) -> Iterator[PageClientFactory]:
    """New browser-like clients (one per person in a test), not signed in."""
    clients: list[PageClient] = []

    def make() -> PageClient:
        client = PageClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
