"""The README's main job: load the demo region and show Onderdak working on it."""

from __future__ import annotations

import time

from sqlalchemy import func, select, text

from service.core.config import Settings
from service.core.db import make_engine, make_session_factory
from service.core.embedded_db import database_url
from service.core.time import today_amsterdam
from service.demo_data import load_demo_region
from service.households.models import Household
from service.units.models import Unit


def run_demo(settings: Settings) -> int:
    engine = make_engine(database_url(settings), pool_size=2)
    factory = make_session_factory(engine)
    try:
        with factory() as session, session.begin():
            version = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
            print(f"Database ready (PostGIS {version}).")
            started = time.perf_counter()
            loaded = load_demo_region(session, today=today_amsterdam())
            households = session.scalar(select(func.count()).select_from(Household))
            units = session.scalar(select(func.count()).select_from(Unit))
            print(
                f"Demo region loaded in {time.perf_counter() - started:.1f} s: "
                f"{households} households ({loaded['households_created']} new), "
                f"{units} units ({loaded['units_created']} new), {loaded['schools']} schools."
            )
    finally:
        engine.dispose()
    return 0
