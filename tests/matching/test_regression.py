"""Saved instances replayed: the optimum per tier must hold, whichever assignment reaches it.

The expected optima were confirmed when the files were saved by an independent solver (HiGHS's
MIP over all pairs, tier by tier; see `about` in each file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matching import Instance, get_builtin_policy, solve

INSTANCES = sorted((Path(__file__).parent / "instances").glob("*.json"))


def _load(path: Path) -> tuple[Instance, dict[str, Any]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return Instance.model_validate(document["instance"]), document["expected"]


@pytest.mark.parametrize("path", INSTANCES, ids=[p.stem for p in INSTANCES])
def test_saved_instance_reaches_the_recorded_optimum(path: Path) -> None:
    instance, expected = _load(path)
    for policy_name, figures in expected.items():
        result = solve(instance, get_builtin_policy(policy_name))
        for tier in result.solver.tiers:
            optimum = figures["tier_optimum"][tier.tier]
            # Lower is better: never worse than the recorded optimum, and never "better" than it
            # either — that would break a hard rule or mis-score a pair.
            assert tier.objective == optimum, (policy_name, tier.tier)
            assert tier.bound == tier.objective
        assert result.summary.households_placed == figures["households_placed"]
        assert (
            result.summary.families_with_children_placed == figures["families_with_children_placed"]
        )
        for proposal in result.proposals:
            for trip in proposal.figures.child_trips:
                assert trip.school_trip_km is not None
                assert trip.school_trip_km <= trip.school_trip_limit_km


def test_there_are_saved_instances() -> None:
    assert len(INSTANCES) >= 2
