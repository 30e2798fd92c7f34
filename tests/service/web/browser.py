"""End-to-end fixtures: a real uvicorn on loopback, on its own migrated database, driven by
headless Chromium (Debian's, installed by `scripts/setup --dev`) through Playwright.

Screenshots of the key pages are written to `var/test-artifacts/screenshots/` (or
`$TEST_ARTIFACTS_DIR/screenshots`), so a reviewer can look at what the tests saw.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.orm import Session

from service.auth.keys import create_key
from service.auth.models import Role
from service.core.config import PROJECT_ROOT
from service.core.db import make_engine, make_session_factory
from service.core.migrations import upgrade_to_head
from tests.factories import make_corporation, make_municipality, make_school
from tests.service.conftest import ScratchDatabases
from tests.service.runs.live import LiveServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", PROJECT_ROOT / "var" / "test-artifacts"))

AMSTERDAM, AMSTELVEEN = "GM0363", "GM0362"


@dataclass
class LiveSite:
    """The running site, its database and a personal key per role."""

    base_url: str
    session_factory: object
    keys: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path


def _seed(session: Session) -> dict[str, str]:
    make_municipality(session, code=AMSTERDAM, name="Amsterdam")
    make_municipality(session, code=AMSTELVEEN, name="Amstelveen")
    make_corporation(session, code="ymere", name="Ymere", municipalities=[AMSTERDAM, AMSTELVEEN])
    make_corporation(session, code="eigen-haard", name="Eigen Haard", municipalities=[AMSTERDAM])
    make_school(session, brin_code="00AB01", name="De Regenboog", lon=4.89, lat=52.37)
    make_school(
        session, brin_code="00AC01", name="Het Baken", lon=4.86, lat=52.30, municipality=AMSTELVEEN
    )
    keys = {}
    for name, role, municipalities, corporation in (
        ("desk", Role.DESK, [AMSTERDAM, AMSTELVEEN], None),
        ("corporation", Role.CORPORATION, [], "ymere"),
        ("other_corporation", Role.CORPORATION, [], "eigen-haard"),
        ("integration", Role.INTEGRATION, [AMSTERDAM], None),
    ):
        _, keys[name] = create_key(
            session,
            person=f"{name.replace('_', ' ').title()} Medewerker",
            role=role,
            municipalities=municipalities,
            corporation_code=corporation,
            scopes=["units:read"] if role is Role.INTEGRATION else [],
        )
    return keys


@pytest.fixture(scope="session")
def live_site(scratch_databases: ScratchDatabases) -> Iterator[LiveSite]:
    """One site for all browser tests; each test uses its own records (case references, unit
    references), so they do not depend on one another's order."""
    url = scratch_databases.create("web")
    engine = make_engine(url, pool_size=2)
    upgrade_to_head(engine)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        keys = _seed(session)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = LiveServer(database_url=url, log_path=ARTIFACTS / "web-server.log", env={})
    server.start()
    try:
        yield LiveSite(base_url=server.base_url, session_factory=factory, keys=keys)
    finally:
        server.stop()
        engine.dispose()


# The machine is shared and CI may be loaded: wait for what a person would wait for, longer than
# Playwright's 5 s default, rather than fail on a slow page.
EXPECT_TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `scripts/setup --dev` (installs Debian's "
            "chromium) or set CHROMIUM_PATH."
        )
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


class Screenshots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def take(self, page: Page, name: str) -> Path:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def screenshots() -> Screenshots:
    folder = ARTIFACTS / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return Screenshots(folder)


def sign_in(page: Page, site: LiveSite, key: str, *, language: str = "nl") -> None:
    """Sign in through the form, as a person does."""
    page.goto(site.url("/app/sign-in"))
    page.get_by_label("Uw persoonlijke sleutel" if language == "nl" else "Your personal key").fill(
        key
    )
    page.locator("#field-language").select_option(language)
    page.locator("form[action='/app/sign-in'] button[type=submit]").click()
    page.wait_for_url(site.url("/app"))
