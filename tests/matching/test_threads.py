"""Work spread over threads gives exactly the single-threaded result."""

from __future__ import annotations

import numpy as np
import pytest

import matching.candidates as candidates
from matching import solve
from matching.bench import generate_instance
from matching.candidates import feasible_pairs, prepare
from matching.policies import DEFAULT_POLICY
from matching.threads import blocks, map_in_threads, thread_count


def test_map_in_threads_keeps_input_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONDERDAK_THREADS", "3")
    assert thread_count() == 3
    assert map_in_threads(lambda x: x * x, range(50)) == [x * x for x in range(50)]
    monkeypatch.setenv("ONDERDAK_THREADS", "1")
    assert map_in_threads(lambda x: -x, [3, 1, 2]) == [-3, -1, -2]


@pytest.mark.parametrize("threads", ["1", "2", "3"])
@pytest.mark.parametrize("length", [0, 1, 7, 1_000, 200_001])
@pytest.mark.parametrize("largest", [None, 2, 1_000, 1 << 16])
def test_blocks_cover_the_range_in_order(
    threads: str, length: int, largest: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONDERDAK_THREADS", threads)
    pieces = blocks(length, smallest=100, largest=largest)
    # One after another from 0 to `length`, none empty unless the range is.
    bounds = [0, *(piece.stop for piece in pieces)]
    assert [piece.start for piece in pieces] == bounds[:-1]
    assert bounds[-1] == length
    assert all(piece.stop > piece.start for piece in pieces) or length == 0
    assert len(pieces) <= max(1, int(threads), 0 if largest is None else -(-length // largest))
    if largest is not None:
        assert all(piece.stop - piece.start <= largest for piece in pieces)


def test_feasible_pairs_do_not_depend_on_the_thread_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = generate_instance(households=240, units=240, seed=5)
    prepared = prepare(instance=instance, policy=DEFAULT_POLICY)
    # Blocks of 7 households: many blocks, so the threads really share the work.
    monkeypatch.setattr(candidates, "_BLOCK_BYTES", 7 * prepared.n_units)
    results = {}
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("ONDERDAK_THREADS", threads)
        results[threads] = feasible_pairs(
            prepared=prepared, policy=DEFAULT_POLICY, with_trip_km=True
        )
    single = results["1"]
    assert len(single.household) > 1000
    for threads in ("2", "3"):
        spread = results[threads]
        for field in ("household", "unit", "school_trip_points", "school_trip_km_total"):
            assert np.array_equal(getattr(single, field), getattr(spread, field)), field


def test_solve_does_not_depend_on_the_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    instance = generate_instance(households=150, units=140, seed=9)
    monkeypatch.setenv("ONDERDAK_THREADS", "1")
    single = solve(instance)
    monkeypatch.setenv("ONDERDAK_THREADS", "2")
    spread = solve(instance)
    assert [(p.household_id, p.unit_id) for p in single.proposals] == [
        (p.household_id, p.unit_id) for p in spread.proposals
    ]
    assert [t.objective for t in single.solver.tiers] == [t.objective for t in spread.solver.tiers]
