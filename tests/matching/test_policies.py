from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from matching import BUILTIN_POLICIES, DEFAULT_POLICY, Policy, get_builtin_policy


def test_builtin_policies_are_named_versioned_and_round_trip_as_json() -> None:
    assert set(BUILTIN_POLICIES) == {"default", "school-first", "waiting-first"}
    for name, policy in BUILTIN_POLICIES.items():
        assert policy.name == name and policy.version >= 1
        assert Policy.model_validate(json.loads(policy.model_dump_json())) == policy


def test_default_policy_parameters_follow_domain() -> None:
    p = DEFAULT_POLICY
    assert p.tiers == ["placement", "school_and_waiting", "fit"]
    limits = p.school_trip_limits
    assert (limits.primary_km, limits.secondary_km, limits.special_km) == (15, 25, 40)
    assert (p.trip_scale_km, p.trip_power, p.days_per_waiting_point) == (5, 2, 30)
    assert p.transitional_waiting_factor == 1.5
    assert get_builtin_policy("school-first").tiers == [
        "placement",
        "school_trips",
        "waiting",
        "fit",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unknown_knob": 1}, "Extra inputs are not permitted"),
        ({"tiers": ["school_and_waiting", "placement"]}, "'placement' must come first"),
        ({"tiers": ["placement", "school_and_waiting", "waiting"]}, "cannot be combined"),
        ({"tiers": ["placement", "school_trips"]}, "must both count"),
        ({"tiers": ["placement", "waiting", "waiting", "school_trips"]}, "listed twice"),
        ({"trip_power": 0.5}, "greater than or equal to 1"),
        ({"trip_scale_km": 0}, "greater than 0"),
        ({"school_trip_limits": {"primary_km": -1}}, "greater than 0"),
        ({"tiers": ["placement", "school_and_waiting", "speed"]}, "Input should be"),
    ],
)
def test_unknown_or_contradictory_parameters_are_rejected(
    change: dict[str, object], message: str
) -> None:
    data = DEFAULT_POLICY.model_dump() | {"name": "custom"} | change
    with pytest.raises(ValidationError, match=message):
        Policy.model_validate(data)


def test_unknown_builtin_policy_name() -> None:
    with pytest.raises(ValueError, match="unknown policy 'fastest'"):
        get_builtin_policy("fastest")
