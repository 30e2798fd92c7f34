"""A real uvicorn server on loopback, on its own migrated scratch database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from service.auth.keys import create_key
from service.auth.models import Role
from service.core.config import PROJECT_ROOT
from service.core.db import make_session_factory
from service.core.time import today_amsterdam
from tests.factories import make_household, make_municipality, make_school, make_unit

AMSTERDAM, AMSTELVEEN = "GM0363", "GM0362"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    def __init__(self, *, database_url: str, log_path: Path, env: dict[str, str]) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.env = env
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process; the app's imports take a while, so callers overlap other work."""
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DB_POOL_SIZE": "30",
            "LOG_LEVEL": "WARNING",
            **self.env,
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "service.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout_s: float = 90) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not come up in {timeout_s} s")

    def wait_for_exit(self, timeout_s: float = 15) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout_s)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def launched(*servers: LiveServer) -> Iterator[None]:
    """The servers' processes, started at once and stopped at the end, whatever happens."""
    try:
        for server in servers:
            server.launch()
        yield
    finally:
        for server in servers:
            server.stop()


def seed_region(
    engine: Engine, *, households: int, units: int, desks: int, corporations: int
) -> dict[str, Any]:
    """Two municipalities side by side: households with children at nearby schools, units from
    two corporations in both; keys for the desks (both municipalities) and the corporations."""
    factory = make_session_factory(engine)
    tokens: dict[str, Any] = {"desks": [], "corporations": []}
    with factory() as session, session.begin():
        _seed(session, households=households, units=units)
        for n in range(desks):
            _, token = create_key(
                session, person=f"Desk {n}", role=Role.DESK, municipalities=[AMSTERDAM, AMSTELVEEN]
            )
            tokens["desks"].append(token)
        for code in ("ymere", "eigen-haard")[:corporations]:
            _, token = create_key(
                session, person=f"Corporation {code}", role=Role.CORPORATION, corporation_code=code
            )
            tokens["corporations"].append(token)
    return tokens


def _seed(session: Session, *, households: int, units: int) -> None:
    make_municipality(session, code=AMSTERDAM, name="Amsterdam")
    make_municipality(session, code=AMSTELVEEN, name="Amstelveen")
    from tests.factories import make_corporation

    make_corporation(session, code="ymere", name="Ymere", municipalities=[AMSTERDAM, AMSTELVEEN])
    make_corporation(
        session, code="eigen-haard", name="Eigen Haard", municipalities=[AMSTERDAM, AMSTELVEEN]
    )
    make_school(session, brin_code="00AB01", lon=4.89, lat=52.37)
    make_school(session, brin_code="00AC01", lon=4.86, lat=52.30, municipality=AMSTELVEEN)
    today = today_amsterdam()
    for n in range(households):
        municipality = AMSTERDAM if n % 2 else AMSTELVEEN
        school = "00AB01" if n % 2 else "00AC01"
        make_household(
            session,
            case_reference=f"C-{n:04d}",
            municipality=municipality,
            adults=1 + n % 2,
            children=[{"birth_year": 2014 + (n + k) % 8, "school": school} for k in range(n % 3)],
            homeless_since=today - timedelta(days=5 + 17 * n % 700),
            needed_from=date(2026, 1, 1),
        )
    for n in range(units):
        make_unit(
            session,
            corporation="ymere" if n % 2 else "eigen-haard",
            reference=f"U-{n:04d}",
            kind="transitional" if n % 3 == 0 else "emergency",
            municipality=AMSTERDAM if n % 2 else AMSTELVEEN,
            lon=4.85 + 0.004 * (n % 15),
            lat=52.29 + 0.006 * (n % 14),
            bedrooms=1 + n % 3,
            max_occupants=3 + n % 3,
            available_from=date(2025, 1, 1),
        )
