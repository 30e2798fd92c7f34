"""`onderdak stats-bench`: a million evictions and stays in a scratch database, every figure timed.

The generator is seeded (`setseed`) and runs inside PostgreSQL (`INSERT ... SELECT
generate_series`); `--reuse` keeps a database an earlier run loaded (migrated to head first).
Each figure is called through the HTTP API (auth, query, publishing rules, rendering),
published as an auditor and exact as a desk, twice over: with the pre-aggregated tables
(migrations 0005, 0007), and without them — the same code reading views, in a schema first on
the search path, that compute the same rows from the source tables on every call. Their
answers must be identical (the run fails otherwise); the first call and the median of the
repeats are printed side by side, with and without taking turns so load hits both alike.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import event, text
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


# Without pre-aggregation: views named like the summary tables, computing the same rows from
# the source tables (as the migrations' backfills do), in a schema put first on the search path.
RAW_SCHEMA = "stats_bench_raw"
RAW_VIEWS_SQL = f"""
DROP SCHEMA IF EXISTS {RAW_SCHEMA} CASCADE;
CREATE SCHEMA {RAW_SCHEMA};
CREATE VIEW {RAW_SCHEMA}.stats_eviction_months AS
SELECT date_trunc('month', e.eviction_date)::date AS month, e.state, e.reason, e.landlord_type,
       h.municipality_code, count(*)::int AS evictions,
       (count(*) FILTER (WHERE e.children_involved > 0))::int AS evictions_with_children,
       sum(e.children_involved)::int AS children_involved
FROM evictions e JOIN households h ON h.id = e.household_id
GROUP BY 1, 2, 3, 4, 5;
CREATE VIEW {RAW_SCHEMA}.stats_episodes AS
SELECT h.id AS household_id, h.municipality_code, h.homeless_since, h.closed_on,
       (SELECT count(*) FROM children c WHERE c.household_id = h.id)::int AS children
FROM households h;
CREATE VIEW {RAW_SCHEMA}.stats_placements AS
SELECT s.id AS stay_id, s.household_id, s.start_date, s.end_date
FROM stays s WHERE s.place_kind = 'onderdak_unit';
CREATE VIEW {RAW_SCHEMA}.stats_placement_trips AS
SELECT s.id AS stay_id, c.id AS child_id, s.household_id, h.municipality_code, s.start_date,
       s.end_date, sc.level AS school_level,
       ST_Distance(u.location, sc.location) / 1000.0 AS trip_km,
       c.school_trip_limit_km AS personal_limit_km
FROM stays s
JOIN households h ON h.id = s.household_id
JOIN units u ON u.id = s.unit_id
JOIN children c ON c.household_id = s.household_id
JOIN schools sc ON sc.id = c.school_id
WHERE s.place_kind = 'onderdak_unit'
"""


@dataclass(frozen=True)
class Call:
    name: str
    path: str
    published: dict[str, str]
    exact: dict[str, str]


@dataclass
class Timings:
    """Milliseconds: the first call, then the repeats."""

    first: float = 0.0
    repeats: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.repeats)


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


def _existing(settings: Settings) -> str | None:
    """The scratch database's URL if an earlier run loaded it, else None."""
    url = make_url(database_url(settings)).set(database=SCRATCH_DATABASE)
    try:
        with psycopg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            dbname=SCRATCH_DATABASE,
        ) as conn:
            row = conn.execute("SELECT count(*) FROM households").fetchone()
    except psycopg.Error:
        return None
    return url.render_as_string(hide_password=False) if row and row[0] else None


def _load(engine: Engine, *, households: int, today: date) -> None:
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


def _prepare(engine: Engine) -> dict[str, int]:
    """Statistics and visibility map current, the views without pre-aggregation in place."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        for statement in RAW_VIEWS_SQL.split(";\n"):
            conn.execute(text(statement))
        return {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in (
                "households",
                "children",
                "evictions",
                "stays",
                "units",
                "schools",
                "stats_eviction_months",
                "stats_episodes",
                "stats_placements",
                "stats_placement_trips",
            )
        }


@contextmanager
def _raw_engine(url: str) -> Iterator[Engine]:
    """An engine whose connections see the views first: the same code, no pre-aggregation."""
    engine = make_engine(url, pool_size=2)

    @event.listens_for(engine, "connect")
    def _search_path(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET search_path = {RAW_SCHEMA}, public")
        dbapi_connection.commit()

    try:
        yield engine
    finally:
        engine.dispose()


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


def _timed(get: Callable[[], tuple[int, bytes]]) -> tuple[float, bytes]:
    started = time.perf_counter()
    status, body = get()
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"stats call answered {status}: {body[:300]!r}")
    return elapsed, body


def _load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def run_bench(settings: Settings, *, households: int, repeats: int, reuse: bool = False) -> int:
    from service.app import create_app

    today = today_amsterdam()
    url = _existing(settings) if reuse else None
    if url is None:
        url = _recreate(settings)
        engine = make_engine(url, pool_size=2)
        upgrade_to_head(engine)
        started = time.perf_counter()
        _load(engine, households=households, today=today)
        print(f"Loaded in {time.perf_counter() - started:.1f} s (seeded, so the same rows).")
    else:
        engine = make_engine(url, pool_size=2)
        upgrade_to_head(engine)
        print(f"Reusing {SCRATCH_DATABASE}, migrated to head.")
    try:
        counts = _prepare(engine)
        print(", ".join(f"{n:,} {t}" for t, n in counts.items()))
        factory = make_session_factory(engine)
        with factory() as session, session.begin():
            tokens = _tokens(session)
        with _raw_engine(url) as raw_engine:
            clients = {
                "with": TestClient(create_app(settings, session_factory=factory)),
                "without": TestClient(
                    create_app(settings, session_factory=make_session_factory(raw_engine))
                ),
            }
            # A running service has started and answered its readiness probe: "first" is the
            # first call of each figure, not the process's first request.
            for client in clients.values():
                client.get("/readyz").raise_for_status()
            differences = _run_calls(clients, tokens, today=today, repeats=repeats)
    finally:
        engine.dispose()
    print(
        f"\nFirst call, then the median of {repeats} repeats; with and without pre-aggregation "
        "take turns; through the HTTP API.\n"
        f"Load average (1/5/15 min) at the end: {_load_average()}."
    )
    print(f"Scratch database {SCRATCH_DATABASE} kept (`--reuse` runs on it again).")
    if differences:
        print("ANSWERS DIFFER with and without pre-aggregation: " + "; ".join(differences))
        return 1
    print("Every answer was identical with and without pre-aggregation.")
    return 0


def _run_calls(
    clients: dict[str, TestClient], tokens: dict[str, str], *, today: date, repeats: int
) -> list[str]:
    print(f"\nLoad average (1/5/15 min) at the start: {_load_average()}.")
    role_header = f"{'auditor (published)':^34}  {'desk, 40 municipalities (exact)':^34}"
    mode_header = f"{'with pre-agg.':^16} {'without':^16}  " * 2
    print(f"{'':<52} {role_header}")
    print(f"{'':<52} {mode_header}")
    print(f"{'call':<52} " + f"{'first':>7} {'median':>8} " * 4)
    differences: list[str] = []
    for call in _calls(today=today):
        cells: list[str] = []
        for role, params in (("auditor", call.published), ("desk", call.exact)):
            headers = {"Authorization": f"Bearer {tokens[role]}", "Accept": _accept(call.name)}
            timings = {mode: Timings() for mode in clients}
            answers: dict[str, bytes] = {}
            for repeat in range(repeats + 1):
                for mode, client in clients.items():

                    def get(
                        path: str = f"/v1/stats/{call.path}",
                        client: TestClient = client,
                        params: dict[str, str] = params,
                        headers: dict[str, str] = headers,
                    ) -> tuple[int, bytes]:
                        response = client.get(path, params=params, headers=headers)
                        return response.status_code, response.content

                    elapsed, answers[mode] = _timed(get)
                    if repeat == 0:
                        timings[mode].first = elapsed
                    else:
                        timings[mode].repeats.append(elapsed)
            if answers["with"] != answers["without"]:
                differences.append(f"{call.name} ({role})")
            for mode in ("with", "without"):
                cells.append(f"{timings[mode].first:>7.0f} {timings[mode].median:>8.0f}")
        print(f"{call.name:<52} " + " ".join(cells) + "   (ms)")
    return differences


def _tokens(session: Session) -> dict[str, str]:
    municipalities = [f"GM{1000 + m:04d}" for m in range(MUNICIPALITIES)]
    _, auditor = create_key(session, person="Bench auditor", role=Role.AUDITOR)
    _, desk = create_key(
        session, person="Bench desk", role=Role.DESK, municipalities=municipalities
    )
    return {"auditor": auditor, "desk": desk}
