"""Onderdak's matching engine: exact, explainable placement of households in units.

Pure: OR-Tools, NumPy, SciPy, pyproj, pydantic and the standard library; no database, no HTTP.
"""

from matching.engine import solve
from matching.instance import (
    Child,
    Coordinates,
    Household,
    Instance,
    Pair,
    SafetyExclusion,
    School,
    Unit,
)
from matching.policies import BUILTIN_POLICIES, DEFAULT_POLICY, Policy, get_builtin_policy
from matching.result import MatchingResult

__all__ = [
    "BUILTIN_POLICIES",
    "DEFAULT_POLICY",
    "Child",
    "Coordinates",
    "Household",
    "Instance",
    "MatchingResult",
    "Pair",
    "Policy",
    "SafetyExclusion",
    "School",
    "Unit",
    "get_builtin_policy",
    "solve",
]
