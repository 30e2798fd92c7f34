"""Which hard rules a hand offer breaks, decided by the engine's own rule code.

The engine reports, per household, the first rule each unit fails. For one household and one
unit, lifting each failed rule in turn and asking again lists every rule the pair breaks. Then
the policy's placement caps: `placement_cap` when one more household would put a capped group
of the unit over its cap (the engine's own cap groups, counting the households already there).
"""

from __future__ import annotations

from datetime import date

from matching import Instance, Policy
from matching.candidates import prepare, rule_failures
from matching.caps import cap_groups
from matching.instance import NEEDS

# Rules the engine checks that a hand offer can break (the fixed-pair rule is the database's).
_LIFTABLE = (
    "occupants",
    "bedrooms",
    "needs",
    "availability",
    "safety_exclusion",
    "school_trip",
    "declined_before",
)


def _lift(instance: Instance, rule: str) -> Instance:
    """The same pair with one rule made to pass."""
    household, unit = instance.households[0], instance.units[0]
    if rule == "occupants":
        unit = unit.model_copy(update={"max_occupants": 100})
    elif rule == "bedrooms":
        unit = unit.model_copy(update={"bedrooms": 50})
    elif rule == "needs":
        unit = unit.model_copy(update={"features": list(NEEDS)})
    elif rule == "availability":
        unit = unit.model_copy(
            update={"available_from": date.min, "available_until": None, "max_stay_days": None}
        )
    elif rule == "safety_exclusion":
        household = household.model_copy(update={"safety_exclusions": []})
    elif rule == "school_trip":
        trips = {child.id: {unit.id: 0.0} for child in household.children}
        return instance.model_copy(update={"school_trip_km": trips})
    elif rule == "declined_before":
        return instance.model_copy(update={"excluded_pairs": []})
    return instance.model_copy(update={"households": [household], "units": [unit]})


def broken_rules(*, instance: Instance, policy: Policy) -> list[str]:
    """Every hard rule the instance's one pair breaks, in the engine's rule order, then
    `placement_cap` when the unit sits in a group already at its cap."""
    prepared = prepare(instance=instance, policy=policy)
    groups = cap_groups(instance=instance, prepared=prepared, policy=policy)
    over_a_cap = ["placement_cap"] if any(group.room == 0 for group in groups) else []
    broken: list[str] = []
    for _ in _LIFTABLE:
        failures = rule_failures(prepared=prepared, household=0)
        failing = [rule for rule, units in failures if units and rule in _LIFTABLE]
        if not failing:
            break
        broken.append(failing[0])
        instance = _lift(instance, failing[0])
        prepared = prepare(instance=instance, policy=policy)
    return broken + over_a_cap
