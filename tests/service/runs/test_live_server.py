"""Against a real uvicorn on loopback: concurrent desks and corporations never double-book,
and a server killed in the middle of a commit leaves no trace of it."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from service.core.db import make_engine
from service.core.migrations import upgrade_to_head
from tests.service.conftest import ScratchDatabases
from tests.service.runs.live import AMSTELVEEN, AMSTERDAM, LiveServer, launched, seed_region

DESKS = 20
ROUNDS = 2
SCOPES = ([AMSTERDAM], [AMSTELVEEN], [AMSTERDAM, AMSTELVEEN])


@pytest.fixture
def scratch_engine(
    scratch_databases: ScratchDatabases, request: pytest.FixtureRequest
) -> Iterator[tuple[str, Engine]]:
    url = scratch_databases.create(request.node.name[:40].lower())
    engine = make_engine(url, pool_size=2)
    upgrade_to_head(engine)
    yield url, engine
    engine.dispose()


def _invariants(engine: Engine) -> dict[str, int]:
    """Counts that must all be zero after any interleaving of requests."""
    queries = {
        "units_held_twice": """
            SELECT count(*) FROM (
                SELECT unit_id FROM (
                    SELECT unit_id FROM offers WHERE status = 'open'
                    UNION ALL SELECT unit_id FROM placements WHERE status = 'active'
                ) held GROUP BY unit_id HAVING count(*) > 1) twice""",
        "households_with_two_open_offers": """
            SELECT count(*) FROM (SELECT household_id FROM offers WHERE status = 'open'
                GROUP BY household_id HAVING count(*) > 1) twice""",
        "households_with_two_placements": """
            SELECT count(*) FROM (SELECT household_id FROM placements WHERE status = 'active'
                GROUP BY household_id HAVING count(*) > 1) twice""",
        "accepted_offers_without_placement": """
            SELECT count(*) FROM offers o WHERE o.status = 'accepted'
                AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.offer_id = o.id)""",
        "reserved_units_without_open_offer": """
            SELECT count(*) FROM units u WHERE u.status = 'reserved' AND NOT EXISTS
                (SELECT 1 FROM offers o WHERE o.unit_id = u.id AND o.status = 'open')""",
        "open_offers_on_units_not_reserved": """
            SELECT count(*) FROM offers o JOIN units u ON u.id = o.unit_id
                WHERE o.status = 'open' AND u.status <> 'reserved'""",
        "occupied_units_without_placement": """
            SELECT count(*) FROM units u WHERE u.status = 'occupied' AND NOT EXISTS
                (SELECT 1 FROM placements p WHERE p.unit_id = u.id AND p.status = 'active')""",
        "offered_households_without_open_offer": """
            SELECT count(*) FROM households h WHERE h.status = 'offered' AND NOT EXISTS
                (SELECT 1 FROM offers o WHERE o.household_id = h.id AND o.status = 'open')""",
    }
    with engine.connect() as connection:
        return {name: connection.execute(text(sql)).scalar_one() for name, sql in queries.items()}


ALL_RULES = [
    "occupants",
    "bedrooms",
    "needs",
    "availability",
    "safety_exclusion",
    "school_trip",
    "declined_before",
]


def _desk_rounds(
    base_url: str,
    token: str,
    unit_ids: list[str],
    seed: int,
    statuses: Counter[str],
    lock: threading.Lock,
) -> None:
    chooser = random.Random(seed)
    seen: list[int] = []
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        for _ in range(ROUNDS):
            run = client.post("/v1/match-runs", json={"municipalities": chooser.choice(SCOPES)})
            seen.append(run.status_code)
            if run.status_code != 201:
                continue
            commit = client.post(f"/v1/match-runs/{run.json()['id']}/commit", json={})
            seen.append(commit.status_code)
            if commit.status_code != 200:
                continue
            unmatched = client.get(f"/v1/match-runs/{run.json()['id']}/unmatched").json()
            if unmatched["items"]:
                # A desk overriding every rule by hand, racing the runs for the same units.
                hand = client.post(
                    "/v1/offers",
                    json={
                        "household_id": unmatched["items"][0]["household_id"],
                        "unit_id": chooser.choice(unit_ids),
                        "reason": "urgent",
                        "override_rules": ALL_RULES,
                        "override_reason": "test",
                    },
                )
                seen.append(hand.status_code)
            for offer_id in commit.json()["offers"]:
                roll = chooser.random()
                if roll < 0.5:
                    answer = client.post(f"/v1/offers/{offer_id}/accept", json={})
                    if answer.status_code == 200 and chooser.random() < 0.3:
                        seen.append(answer.status_code)
                        answer = client.post(
                            f"/v1/placements/{answer.json()['id']}/end",
                            json={"end_date": date.today().isoformat(), "reason": "evicted"},
                        )
                elif roll < 0.8:
                    answer = client.post(
                        f"/v1/offers/{offer_id}/decline", json={"reason": "household_refused"}
                    )
                else:
                    continue
                seen.append(answer.status_code)
    with lock:
        statuses.update(f"desk {code}" for code in seen)


def _corporation_rounds(
    base_url: str,
    token: str,
    unit_ids: list[str],
    seed: int,
    statuses: Counter[str],
    lock: threading.Lock,
) -> None:
    chooser = random.Random(seed)
    seen: list[int] = []
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        for _ in range(ROUNDS * 8):
            unit_id = chooser.choice(unit_ids)
            roll = chooser.random()
            if roll < 0.4:
                response = client.patch(
                    f"/v1/units/{unit_id}", json={"bedrooms": chooser.choice([1, 2, 3])}
                )
            elif roll < 0.7:
                response = client.post(f"/v1/units/{unit_id}/withdraw")
            else:
                response = client.post(f"/v1/units/{unit_id}/reinstate")
            seen.append(response.status_code)
    with lock:
        statuses.update(f"corporation {code}" for code in seen)


def test_concurrent_desks_and_corporations_never_double_book(
    scratch_engine: tuple[str, Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, engine = scratch_engine
    server = LiveServer(database_url=url, log_path=tmp_path / "server.log", env={})
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    failures: list[BaseException] = []
    monkeypatch.setattr(
        threading, "excepthook", lambda hook: failures.append(hook.exc_value or RuntimeError())
    )

    with launched(server):
        tokens = seed_region(engine, households=80, units=50, desks=DESKS, corporations=2)
        with engine.connect() as connection:
            unit_ids = [str(u) for u in connection.execute(text("SELECT id FROM units")).scalars()]
        server.wait_ready()
        threads = [
            threading.Thread(
                target=_desk_rounds,
                args=(server.base_url, token, unit_ids, n, statuses, lock),
            )
            for n, token in enumerate(tokens["desks"])
        ] + [
            threading.Thread(
                target=_corporation_rounds,
                args=(server.base_url, token, unit_ids, 100 + n, statuses, lock),
            )
            for n, token in enumerate(tokens["corporations"])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
    assert failures == [], failures

    print("status codes:", dict(statuses))
    server_errors = {k: v for k, v in statuses.items() if int(k.split()[-1]) >= 500}
    assert server_errors == {}, (statuses, (tmp_path / "server.log").read_text()[-3000:])
    assert statuses["desk 200"] > 0, statuses  # some commits and answers went through
    assert _invariants(engine) == dict.fromkeys(_invariants(engine), 0)


def test_a_crash_right_after_a_commits_first_flush_leaves_no_trace(
    scratch_engine: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = scratch_engine
    crashing = LiveServer(
        database_url=url,
        log_path=tmp_path / "crashing.log",
        env={"ONDERDAK_TEST_CRASH_AFTER_COMMIT_FLUSH": "true"},
    )
    # The replacement a supervisor would start; launched alongside to overlap the slow imports.
    restarted = LiveServer(database_url=url, log_path=tmp_path / "restarted.log", env={})

    with launched(crashing, restarted):
        tokens = seed_region(engine, households=6, units=6, desks=1, corporations=0)
        headers = {"Authorization": f"Bearer {tokens['desks'][0]}"}
        crashing.wait_ready()
        run: dict[str, Any] = httpx.post(
            f"{crashing.base_url}/v1/match-runs",
            json={"municipalities": [AMSTERDAM, AMSTELVEEN]},
            headers=headers,
            timeout=30,
        ).json()
        assert run["summary"]["proposals"] > 0
        with pytest.raises(httpx.HTTPError):
            httpx.post(
                f"{crashing.base_url}/v1/match-runs/{run['id']}/commit",
                json={},
                headers=headers,
                timeout=30,
            )
        assert crashing.wait_for_exit() != 0  # killed, not shut down
        _assert_no_trace(engine, run_id=run["id"])

        restarted.wait_ready()
        commit = httpx.post(
            f"{restarted.base_url}/v1/match-runs/{run['id']}/commit",
            json={},
            headers=headers,
            timeout=30,
        )
        assert commit.status_code == 200, commit.text
        assert len(commit.json()["offers"]) == run["summary"]["proposals"]
    assert _invariants(engine) == dict.fromkeys(_invariants(engine), 0)


def _assert_no_trace(engine: Engine, *, run_id: str) -> None:
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM offers")).scalar_one() == 0
        assert (
            connection.execute(
                text("SELECT count(*) FROM units WHERE status <> 'available'")
            ).scalar_one()
            == 0
        )
        assert (
            connection.execute(
                text("SELECT count(*) FROM households WHERE status = 'offered'")
            ).scalar_one()
            == 0
        )
        assert (
            connection.execute(
                text("SELECT count(*) FROM audit_events WHERE action = 'offer.made'")
            ).scalar_one()
            == 0
        )
        committed = connection.execute(
            text("SELECT committed_at FROM match_runs WHERE id = :id"), {"id": run_id}
        ).scalar_one()
        assert committed is None
