"""The `onderdak` command: database, migrations, the API server, the demo, the spec."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from service.core import embedded_db
from service.core.config import PROJECT_ROOT, Settings, SettingsError, get_settings
from service.core.postgis import PostgisMissingError

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


if __name__ == "__main__":
    sys.exit(main())
