"""The malloc setting is held only while solves run, and solves in parallel threads agree."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import matching.allocator as allocator
from matching import solve
from matching.bench import generate_instance


def test_heap_setting_is_counted_and_released() -> None:
    assert allocator._active_runs == 0
    with allocator.large_array_heap():
        assert allocator._active_runs == 1
        with allocator.large_array_heap():
            assert allocator._active_runs == 2
        assert allocator._active_runs == 1
    assert allocator._active_runs == 0


def test_released_after_a_failing_block() -> None:
    try:
        with allocator.large_array_heap():
            raise RuntimeError("inside")
    except RuntimeError:
        pass
    assert allocator._active_runs == 0


def test_solves_in_parallel_threads_agree_with_one_alone() -> None:
    instance = generate_instance(households=120, units=110, seed=4)
    alone = solve(instance)
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda _: solve(instance), range(3)))
    expected = [(p.household_id, p.unit_id) for p in alone.proposals]
    for result in together:
        assert [(p.household_id, p.unit_id) for p in result.proposals] == expected
    assert allocator._active_runs == 0
