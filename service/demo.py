"""The README's main job: prepare the database and show Onderdak working on a demo region."""

from __future__ import annotations

from sqlalchemy import text

from service.core.config import Settings
from service.core.db import make_engine
from service.core.embedded_db import database_url


def run_demo(settings: Settings) -> int:
    engine = make_engine(database_url(settings), pool_size=1)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT postgis_full_version()")).scalar_one()
    engine.dispose()
    print(f"Database ready: {version}")
    return 0
