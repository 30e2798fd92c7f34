"""Make sure PostGIS is there before migrating, with an actionable message when it is not."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError


class PostgisMissingError(RuntimeError):
    pass


def ensure_postgis(engine: Engine) -> str:
    """Create the extension when it is missing and we may; return its version."""
    with engine.connect() as conn:
        installed = conn.execute(
            text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        ).scalar()
        if installed:
            return str(installed)
        database = conn.execute(text("SELECT current_database()")).scalar()
        available = conn.execute(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        ).scalar()
        if not available:
            raise PostgisMissingError(
                "PostGIS is not installed on the database server. The server's administrator "
                "must install it (Debian: apt-get install postgresql-15-postgis-3) and then run, "
                f'as a superuser: CREATE EXTENSION postgis; in database "{database}".'
            )
        try:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            conn.commit()
        except DBAPIError as exc:
            raise PostgisMissingError(
                "PostGIS is available on the server but not enabled in database "
                f'"{database}", and this role may not enable it (that needs a superuser). '
                f'A database administrator must run: psql -d "{database}" -c '
                '"CREATE EXTENSION postgis;"'
            ) from exc
        return str(
            conn.execute(
                text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            ).scalar()
        )
