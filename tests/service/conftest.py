"""Service test fixtures on a real PostgreSQL + PostGIS (the matching tests need none).

The test database is built by running the migrations once per session; every test then runs
inside one transaction on one connection that is rolled back afterwards. The app's own session
dependency still commits and rolls back as in production: it does so on a SAVEPOINT.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Protocol

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.app import create_app
from service.auth.keys import create_key
from service.auth.models import Role
from service.core.config import Settings, get_settings
from service.core.db import make_engine
from service.core.embedded_db import database_url
from service.core.migrations import upgrade_to_head


def _server_url() -> str:
    """The server the tests use: TEST_DATABASE_URL, DATABASE_URL, or the embedded cluster."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return Settings(database_url=explicit).database_url or explicit
    return database_url(get_settings())


def _admin_connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
        autocommit=True,
    )


class ScratchDatabases:
    """Creates empty databases on the test server and drops them at the end of the session."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.created: list[str] = []

    def create(self, suffix: str) -> str:
        name = f"onderdak_test_{os.getpid()}_{suffix}"
        with _admin_connect(self.server_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with _admin_connect(self.server_url) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def scratch_databases() -> Iterator[ScratchDatabases]:
    databases = ScratchDatabases(_server_url())
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def engine(scratch_databases: ScratchDatabases) -> Iterator[Engine]:
    engine = make_engine(scratch_databases.create("main"), pool_size=5)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
def db_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def settings() -> Settings:
    return get_settings()


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, session_factory=session_factory)


class TokenFactory(Protocol):
    def __call__(
        self,
        role: Role = ...,
        *,
        municipalities: Sequence[str] = ...,
        corporation_code: str | None = ...,
        scopes: Sequence[str] = ...,
        person: str = ...,
    ) -> str: ...


@pytest.fixture
def make_token(db_session: Session) -> TokenFactory:
    """A Bearer token for a new personal key (the tenant it names must exist)."""

    def make(
        role: Role = Role.ADMIN,
        *,
        municipalities: Sequence[str] = (),
        corporation_code: str | None = None,
        scopes: Sequence[str] = (),
        person: str = "Test Persoon",
    ) -> str:
        _, token = create_key(
            db_session,
            person=person,
            role=role,
            municipalities=municipalities,
            corporation_code=corporation_code,
            scopes=scopes,
        )
        db_session.flush()
        return token

    return make


@pytest.fixture
def admin_headers(make_token: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(Role.ADMIN, person='Beheerder')}"}


@pytest.fixture
def client(app: FastAPI, admin_headers: dict[str, str]) -> Iterator[TestClient]:
    """An httpx client against the app, signed in as an admin unless a test sends other headers.

    Server errors come back as responses (problem+json), as a real client sees them.
    """
    with TestClient(app, raise_server_exceptions=False, headers=admin_headers) as test_client:
        yield test_client


@pytest.fixture
def anonymous_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
