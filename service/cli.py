"""The `onderdak` command: database, migrations, the API server, the demo, the spec."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from matching import cli as matching_cli
from service.auth.models import ApiKey, Role
from service.core import embedded_db
from service.core.config import PROJECT_ROOT, Settings, SettingsError, get_settings
from service.core.errors import DomainError
from service.core.postgis import PostgisMissingError
from service.core.time import AMSTERDAM

OPENAPI_PATH = PROJECT_ROOT / "openapi" / "openapi.json"

Handler = Callable[[argparse.Namespace], int]


def _settings() -> Settings:
    return get_settings()


def _db_up(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.database_url:
        print("DATABASE_URL is set: using that server, not starting an embedded one.")
        return 0
    embedded_db.start(settings)
    print(embedded_db.status(settings))
    return 0


def _db_down(args: argparse.Namespace) -> int:
    print(embedded_db.stop(_settings()))
    return 0


def _db_status(args: argparse.Namespace) -> int:
    print(embedded_db.status(_settings()))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from service.core.db import make_engine
    from service.core.migrations import upgrade_to_head

    engine = make_engine(embedded_db.database_url(_settings()), pool_size=1)
    try:
        postgis_version = upgrade_to_head(engine)
    finally:
        engine.dispose()
    print(f"Database migrated to head (PostGIS {postgis_version}).")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.core.logging import configure_logging

    settings = _settings()
    configure_logging(settings.log_level)
    embedded_db.database_url(settings)  # start the embedded cluster before the first request
    print(
        f"Onderdak API serving at http://{settings.host}:{settings.port} "
        f"(docs: http://{settings.host}:{settings.port}/docs)",
        flush=True,
    )
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from service.demo import run_demo

    return run_demo(_settings())


@contextmanager
def _session() -> Iterator[Session]:
    """A session that commits when the command succeeds (the CLI's single commit point)."""
    from service.core.db import make_engine, make_session_factory

    engine = make_engine(embedded_db.database_url(_settings()), pool_size=1)
    try:
        with make_session_factory(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _key_line(key: ApiKey) -> str:
    tenant = ",".join(key.municipalities) or str(key.corporation_id or "-")
    if key.revoked_at:
        state = "revoked"
    elif key.expires_at:
        state = f"expires {key.expires_at:%Y-%m-%d %H:%M}"
    else:
        state = "no expiry"
    return f"{key.id}  {key.role:<12} {key.person:<30} {tenant:<20} {state}"


def _keys_create(args: argparse.Namespace) -> int:
    from service.auth.keys import create_key

    with _session() as session:
        key, token = create_key(
            session,
            person=args.person,
            role=Role(args.role),
            municipalities=args.municipality,
            corporation_code=args.corporation,
            scopes=args.scope,
            expires_at=args.expires,
        )
        print(_key_line(key))
    print(f"token (shown once, store it now): {token}")
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    from service.auth.keys import list_keys

    with _session() as session:
        for key in list_keys(session):
            print(_key_line(key))
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    from service.auth.keys import revoke_key

    with _session() as session:
        print(_key_line(revoke_key(session, key_id=args.key_id)))
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    from service.auth.keys import rotate_key

    with _session() as session:
        key, token = rotate_key(
            session, key_id=args.key_id, grace=timedelta(hours=args.grace_hours)
        )
        print(_key_line(key))
    print(f"token (shown once, store it now): {token}")
    return 0


def _offers_expire(args: argparse.Namespace) -> int:
    from service.offers.service import expire_due_offers

    with _session() as session:
        expired = expire_due_offers(session, actor="onderdak-system (offers expire)")
    print(f"Expired {expired} offer(s); their units are available again.")
    return 0


def _expiry(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=AMSTERDAM)


def _stats_bench(args: argparse.Namespace) -> int:
    from service.stats.bench import run_bench

    return run_bench(
        _settings(), households=args.households, repeats=args.repeats, reuse=args.reuse
    )


def build_openapi() -> dict[str, object]:
    from service.app import create_app

    # The spec needs no database: an unbound session factory is never used.
    return create_app(_settings(), session_factory=sessionmaker()).openapi()


def render_openapi() -> str:
    return json.dumps(build_openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _openapi(args: argparse.Namespace) -> int:
    target = Path(args.output)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_openapi())
    print(f"Wrote {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onderdak", description="Temporary housing placement matching."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="the project-local embedded PostgreSQL + PostGIS")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("up", help="create or start it").set_defaults(handler=_db_up)
    db_commands.add_parser("down", help="stop it").set_defaults(handler=_db_down)
    db_commands.add_parser("status", help="where it is and how to connect").set_defaults(
        handler=_db_status
    )

    commands.add_parser("migrate", help="apply all migrations").set_defaults(handler=_migrate)
    commands.add_parser("serve", help="serve the HTTP API").set_defaults(handler=_serve)
    commands.add_parser("demo", help="load the demo region and run a match").set_defaults(
        handler=_demo
    )
    keys = commands.add_parser("keys", help="personal API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key (the token is shown once)")
    create.add_argument("--person", required=True, help="the named person who uses the key")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--municipality", action="append", default=[], help="e.g. GM0363")
    create.add_argument("--corporation", help="the corporation's code")
    create.add_argument("--scope", action="append", default=[], help="e.g. units:write")
    create.add_argument("--expires", type=_expiry, help="ISO date-time (Europe/Amsterdam)")
    create.set_defaults(handler=_keys_create)
    key_commands.add_parser("list", help="all keys").set_defaults(handler=_keys_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key now")
    revoke.add_argument("key_id", type=uuid.UUID)
    revoke.set_defaults(handler=_keys_revoke)
    rotate = key_commands.add_parser("rotate", help="a new key; the old one works a while")
    rotate.add_argument("key_id", type=uuid.UUID)
    rotate.add_argument("--grace-hours", type=int, default=168)
    rotate.set_defaults(handler=_keys_rotate)

    offers = commands.add_parser("offers", help="offers")
    offer_commands = offers.add_subparsers(dest="offers_command", required=True)
    offer_commands.add_parser(
        "expire", help="expire offers past their time and release their units (for cron)"
    ).set_defaults(handler=_offers_expire)

    bench = commands.add_parser(
        "stats-bench", help="time every stats call on a million generated records"
    )
    bench.add_argument("--households", type=int, default=1_000_000)
    bench.add_argument("--repeats", type=int, default=5)
    bench.add_argument(
        "--reuse", action="store_true", help="time the database an earlier run loaded, if any"
    )
    bench.set_defaults(handler=_stats_bench)

    # The engine's own commands: `match` (standalone use) and `bench` (the matching benchmark).
    matching_cli.register(commands)

    spec = commands.add_parser("openapi", help="write the OpenAPI spec from the app")
    spec.add_argument("--output", default=str(OPENAPI_PATH))
    spec.set_defaults(handler=_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (SettingsError, embedded_db.EmbeddedDatabaseError, PostgisMissingError) as exc:
        print(f"onderdak: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"onderdak: {exc.detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
