"""The README's main job: load the demo region, run a match preview, commit it, show the result."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service.auth.keys import create_key, revoke_key
from service.auth.models import ApiKey, Role
from service.auth.principal import SYSTEM
from service.core.config import Settings
from service.core.db import make_engine, make_session_factory
from service.core.embedded_db import database_url
from service.core.time import today_amsterdam, utc_now
from service.demo_data import CORPORATIONS, MUNICIPALITIES, load_demo_region
from service.households.models import Household
from service.runs import service as runs
from service.runs.schemas import Outcome, RunSummary
from service.units.models import Unit


def _figure(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:,.1f}{unit}"


def _comparison(engine: Outcome, first_come: Outcome) -> list[str]:
    rows: list[tuple[str, Any, Any]] = [
        ("households placed", engine.households_placed, first_come.households_placed),
        (
            "families with children placed",
            engine.families_with_children_placed,
            first_come.families_with_children_placed,
        ),
        ("children placed", engine.children_placed, first_come.children_placed),
        (
            "mean school trip",
            _figure(engine.mean_school_trip_km, " km"),
            _figure(first_come.mean_school_trip_km, " km"),
        ),
        (
            "longest school trip",
            _figure(engine.max_school_trip_km, " km"),
            _figure(first_come.max_school_trip_km, " km"),
        ),
        (
            "mean days in temporary housing (placed)",
            _figure(engine.mean_days_in_temporary_housing_placed),
            _figure(first_come.mean_days_in_temporary_housing_placed),
        ),
    ]
    lines = [f"  {'':42} {'Onderdak':>12} {'first come, first served':>26}"]
    lines += [f"  {label:42} {ours!s:>12} {theirs!s:>26}" for label, ours, theirs in rows]
    return lines


def _report(summary: RunSummary) -> list[str]:
    rights = summary.childrens_rights
    lines = [
        f"Match preview over {summary.households} households and {summary.units} units: "
        f"{summary.proposals} new proposals, {summary.fixed_pairs} offers already out, "
        f"{summary.unmatched} households without a proposal.",
        *_comparison(summary.outcome, summary.first_come_first_served),
        "Children's-rights check:",
        f"  children placed: {rights.children_placed}",
        f"  children whose school trip exceeds their limit: {rights.children_over_trip_limit}",
        "  families with children left without an offer: "
        f"{rights.families_with_children_without_offer}",
    ]
    for family in rights.families_with_children_without_offer_detail[:5]:
        lines.append(
            f"    - {family.children} children, {family.days_in_temporary_housing} days in "
            f"temporary housing: {family.explanation.split('. ')[0].rstrip('.')}."
        )
    if rights.longest_remaining_stays:
        longest = ", ".join(
            f"{s.days_in_temporary_housing} d" for s in rights.longest_remaining_stays[:5]
        )
        lines.append(f"  longest stays in temporary housing that remain: {longest}")
    return lines


DEMO_KEY_PEOPLE = ("Demo woonloket", "Demo corporatie")
DEMO_KEY_LIFETIME = timedelta(days=1)


def create_demo_keys(session: Session) -> tuple[str, str]:
    """Fresh keys to try the web pages with: a desk of the whole demo region and its first
    corporation. They expire in a day, and the next demo run revokes them."""
    earlier = session.scalars(
        select(ApiKey).where(ApiKey.person.in_(DEMO_KEY_PEOPLE), ApiKey.revoked_at.is_(None))
    ).all()
    for key in earlier:
        revoke_key(session, key_id=key.id)
    expires_at = utc_now() + DEMO_KEY_LIFETIME
    _, desk = create_key(
        session,
        person=DEMO_KEY_PEOPLE[0],
        role=Role.DESK,
        municipalities=[m.code for m in MUNICIPALITIES],
        expires_at=expires_at,
    )
    _, corporation = create_key(
        session,
        person=DEMO_KEY_PEOPLE[1],
        role=Role.CORPORATION,
        corporation_code=CORPORATIONS[0][0],
        expires_at=expires_at,
    )
    return desk, corporation


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
        with factory() as session, session.begin():
            started = time.perf_counter()
            run = runs.preview_run(
                session,
                principal=SYSTEM,
                municipalities=[m.code for m in MUNICIPALITIES],
            )
            summary = runs.run_summary(run)
            print(f"Preview {run.id} ({run.status}) in {time.perf_counter() - started:.1f} s.")
            if summary is None:
                print(f"The run produced no summary: {run.error}")
                return 1
            print("\n".join(_report(summary)))
            committed = runs.commit_run(session, principal=SYSTEM, run_id=run.id, exclusions=[])
            print(
                f"Committed by {SYSTEM.actor}: {len(committed.offers)} offers made; each "
                "reserves its unit until the household accepts or declines."
            )
        with factory() as session, session.begin():
            desk_key, corporation_key = create_demo_keys(session)
            print(
                f"\nWeb pages: http://{settings.host}:{settings.port}/app — demo keys, valid for "
                "one day (the next demo run replaces them):\n"
                f"  housing desk (all four municipalities): {desk_key}\n"
                f"  housing corporation ({CORPORATIONS[0][1]}):       {corporation_key}"
            )
    finally:
        engine.dispose()
    return 0
