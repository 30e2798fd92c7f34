"""`onderdak stats-bench`: a million evictions and stays in a scratch database, every figure timed.

The generator is seeded (`setseed`) and runs inside PostgreSQL (`INSERT ... SELECT
generate_series`), so loading takes seconds to a minute, not hours. Each figure is then called
through the HTTP API (auth, query, rendering), published as an auditor and exact as a desk, and
the median of several warm calls is printed side by side with the first (cold) one.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from service.auth.keys import create_key
from service.auth.models import Role
from service.core.config import Settings
from service.core.db import make_engine, make_session_factory
from service.core.embedded_db import database_url
from service.core.migrations import upgrade_to_head
from service.core.time import today_amsterdam

SCRATCH_DATABASE = "onderdak_stats_bench"
MUNICIPALITIES = 40
SCHOOLS = 2_000
UNITS = 20_000
FIRST_EPISODE = date(2016, 1, 1)

# Everything below runs in one session after `setseed`, so the same rows come out every time.
LOAD_SQL = """
SELECT setseed(0.20261124);

INSERT INTO municipalities (code, name, region)
SELECT 'GM' || lpad((1000 + m)::text, 4, '0'), 'Bench ' || m, 'Bench region'
FROM generate_series(0, :municipalities - 1) AS m;

INSERT INTO corporations (id, code, name) VALUES (gen_random_uuid(), 'bench', 'Bench Wonen');
INSERT INTO corporation_municipalities (corporation_id, municipality_code)
SELECT c.id, m.code FROM corporations c, municipalities m WHERE c.code = 'bench';

INSERT INTO schools (id, brin_code, name, level, municipality_code, location, version)
SELECT gen_random_uuid(),
       lpad((s / 676)::text, 2, '0') || chr(65 + (s / 26) % 26) || chr(65 + s % 26) || '01',
       'School ' || s,
       (ARRAY['primary', 'primary', 'primary', 'secondary', 'special'])[1 + s % 5],
       'GM' || lpad((1000 + s % :municipalities)::text, 4, '0'),
       ST_SetSRID(ST_MakePoint(4.3 + random() * 2.0, 51.8 + random() * 1.2), 4326)::geography,
       1
FROM generate_series(0, :schools - 1) AS s;

CREATE TEMP TABLE bench_schools AS
SELECT row_number() OVER (ORDER BY brin_code) - 1 AS n, id FROM schools;

INSERT INTO units (id, corporation_id, reference, kind, street, house_number, postcode, city,
                   municipality_code, location, bedrooms, max_occupants, wheelchair_accessible,
                   ground_floor, pets_allowed, available_from, rent_cents, status, version)
SELECT gen_random_uuid(), c.id, 'U-' || u, (ARRAY['emergency', 'transitional'])[1 + u % 2],
       'Benchstraat', u::text, '1012 AB', 'Bench',
       'GM' || lpad((1000 + u % :municipalities)::text, 4, '0'),
       ST_SetSRID(ST_MakePoint(4.3 + random() * 2.0, 51.8 + random() * 1.2), 4326)::geography,
       1 + u % 4, 2 + u % 5, false, false, false, DATE '2015-01-01', 60000, 'occupied', 1
FROM generate_series(0, :units - 1) AS u, corporations c WHERE c.code = 'bench';

CREATE TEMP TABLE bench_units AS
SELECT row_number() OVER (ORDER BY reference) - 1 AS n, id FROM units;

-- Episodes start evenly from 2016 to last month and last about 300 days on average
-- (exponential); those that have ended are closed.
CREATE TEMP TABLE bench_households AS
SELECT h AS n,
       gen_random_uuid() AS id,
       'GM' || lpad((1000 + (h::bigint * 7919) % :municipalities)::text, 4, '0')
           AS municipality_code,
       CAST(:first_episode AS date)
           + floor(random() * (CAST(:last_day AS date) - CAST(:first_episode AS date)))::int
           AS since,
       (-ln(1 - random()) * 300)::int AS length_days,
       floor(random() * 10)::int AS dice
FROM generate_series(0, :households - 1) AS h;

INSERT INTO households (id, municipality_code, case_reference, adults, needs_wheelchair,
                       needs_ground_floor, has_pets, needs_medical, homeless_since, needed_from,
                       expected_stay_days, status, closed_reason, closed_on, version)
SELECT id, municipality_code, 'B-' || n, 1 + n % 2, false, false, false, false, since, since, 180,
       CASE WHEN since + length_days <= :today THEN 'closed'
            WHEN dice < 2 THEN 'placed'
            ELSE 'homeless' END,
       CASE WHEN since + length_days <= :today THEN 'permanent_home' END,
       CASE WHEN since + length_days <= :today THEN since + length_days END,
       1
FROM bench_households;

-- Every other household has children: one to three.
INSERT INTO children (id, household_id, birth_year, school_id, needs_wheelchair, needs_medical,
                      school_trip_limit_km)
SELECT gen_random_uuid(), h.id, 2008 + (h.n + k) % 16,
       s.id, false, false, CASE WHEN (h.n + k) % 50 = 0 THEN 10 END
FROM bench_households h
CROSS JOIN LATERAL generate_series(1, 1 + h.n % 3) AS k
JOIN bench_schools s ON s.n = (h.n * 31 + k * 17) % :schools
WHERE h.n % 2 = 0;

INSERT INTO evictions (id, household_id, eviction_date, state, reason, landlord_type,
                       children_involved, version)
SELECT gen_random_uuid(), h.id, h.since,
       CASE WHEN h.n % 33 = 0 THEN 'planned' ELSE 'executed' END,
       (ARRAY['rent_arrears', 'rent_arrears', 'rent_arrears', 'nuisance', 'drugs_crime',
              'other'])[1 + h.n % 6],
       (ARRAY['social', 'social', 'private'])[1 + h.n % 3],
       CASE WHEN h.n % 2 = 0 THEN 1 + h.n % 3 ELSE 0 END,
       1
FROM bench_households h;

-- One stay per episode; a fifth of them in an Onderdak unit.
INSERT INTO stays (id, household_id, start_date, end_date, place_kind, unit_id, version)
SELECT gen_random_uuid(), h.id, h.since,
       CASE WHEN h.since + h.length_days <= :today THEN h.since + h.length_days END,
       CASE WHEN h.dice < 2 THEN 'onderdak_unit'
            ELSE (ARRAY['shelter', 'hotel', 'family_or_friends', 'holiday_park'])[1 + h.n % 4]
       END,
       u.id,
       1
FROM bench_households h
LEFT JOIN bench_units u ON h.dice < 2 AND u.n = h.n % :units;
"""


@dataclass(frozen=True)
class Call:
    name: str
    path: str
    published: dict[str, str]
    exact: dict[str, str]


def _recreate(settings: Settings) -> str:
    url = make_url(database_url(settings))
    with psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH_DATABASE}"')
    return url.set(database=SCRATCH_DATABASE).render_as_string(hide_password=False)


def _load(engine: Engine, *, households: int, today: date) -> dict[str, int]:
    parameters = {
        "municipalities": MUNICIPALITIES,
        "schools": SCHOOLS,
        "units": UNITS,
        "households": households,
        "first_episode": FIRST_EPISODE,
        "last_day": today.replace(day=1) - timedelta(days=1),
        "today": today,
    }
    with engine.begin() as conn:
        for statement in LOAD_SQL.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), parameters)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        counts = {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("households", "children", "evictions", "stays", "units", "schools")
        }
    return counts


def _calls(*, today: date) -> list[Call]:
    last_year = str(today.year - 1)
    previous = today.replace(day=1) - timedelta(days=1)
    last_month = f"{previous.year}-{previous.month:02d}"
    everything = {"from": FIRST_EPISODE.isoformat(), "to": today.isoformat()}
    return [
        Call("evictions, total", "evictions", {"period": last_year}, everything),
        Call(
            "evictions by month, reason, landlord, municipality",
            "evictions",
            {"period": last_year, "group_by": "month,reason,landlord_type,municipality"},
            {**everything, "group_by": "month,reason,landlord_type,municipality"},
        ),
        Call(
            "evictions by quarter (CSV)",
            "evictions",
            {"period": last_year, "group_by": "quarter"},
            {**everything, "group_by": "quarter"},
        ),
        Call(
            "temporary housing by municipality",
            "temporary-housing",
            {"period": last_month, "group_by": "municipality"},
            {"group_by": "municipality"},
        ),
        Call(
            "temporary housing, total (SVG)",
            "temporary-housing",
            {"period": last_month},
            {},
        ),
        Call(
            "school trips by municipality and level",
            "school-trips",
            {"period": last_month, "group_by": "municipality,school_level"},
            {"group_by": "municipality,school_level"},
        ),
        Call(
            "unplaced by municipality and time waited",
            "unplaced",
            {"period": last_month, "group_by": "municipality"},
            {"group_by": "municipality"},
        ),
    ]


def _accept(name: str) -> str:
    if "(CSV)" in name:
        return "text/csv"
    if "(SVG)" in name:
        return "image/svg+xml"
    return "application/json"


def _time(call: Callable[[], int], *, repeats: int) -> tuple[float, float]:
    """The first call's and the median warm call's time, in ms."""
    samples: list[float] = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        status = call()
        samples.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"stats call answered {status}")
    return samples[0], statistics.median(samples[1:])


def run_bench(settings: Settings, *, households: int, repeats: int) -> int:
    from service.app import create_app

    today = today_amsterdam()
    url = _recreate(settings)
    engine = make_engine(url, pool_size=2)
    try:
        upgrade_to_head(engine)
        started = time.perf_counter()
        counts = _load(engine, households=households, today=today)
        load_seconds = time.perf_counter() - started
        print(
            f"Loaded in {load_seconds:.1f} s: " + ", ".join(f"{n:,} {t}" for t, n in counts.items())
        )
        factory = make_session_factory(engine)
        with factory() as session, session.begin():
            tokens = _tokens(session)
        app = create_app(settings, session_factory=factory)
        client = TestClient(app)
        header = f"{'call':<52} {'auditor (published)':>21} {'desk, 40 municipalities':>25}"
        print()
        print(header)
        print(f"{'':<52} {'cold':>9} {'median':>11} {'cold':>11} {'median':>13}")
        for call in _calls(today=today):
            timings: list[float] = []
            for role, params in (("auditor", call.published), ("desk", call.exact)):
                headers = {"Authorization": f"Bearer {tokens[role]}", "Accept": _accept(call.name)}

                def get(
                    path: str = f"/v1/stats/{call.path}",
                    params: dict[str, str] = params,
                    headers: dict[str, str] = headers,
                ) -> int:
                    status: int = client.get(path, params=params, headers=headers).status_code
                    return status

                timings.extend(_time(get, repeats=repeats))
            print(
                f"{call.name:<52} {timings[0]:>6.0f} ms {timings[1]:>8.0f} ms "
                f"{timings[2]:>8.0f} ms {timings[3]:>10.0f} ms"
            )
    finally:
        engine.dispose()
    print(f"\nMedian of {repeats} warm calls after one cold call; through the HTTP API.")
    print(f"Scratch database {SCRATCH_DATABASE} kept for inspection (dropped by the next run).")
    return 0


def _tokens(session: Session) -> dict[str, str]:
    municipalities = [f"GM{1000 + m:04d}" for m in range(MUNICIPALITIES)]
    _, auditor = create_key(session, person="Bench auditor", role=Role.AUDITOR)
    _, desk = create_key(
        session, person="Bench desk", role=Role.DESK, municipalities=municipalities
    )
    return {"auditor": auditor, "desk": desk}
