"""Every table, imported in one place so Alembic sees the whole schema."""

from service.audit.models import AuditEvent
from service.auth.models import ApiKey
from service.core.db import Base
from service.core.idempotency_models import IdempotencyRecord
from service.households.models import Child, Eviction, Household, SafetyExclusion, Stay
from service.offers.models import Offer, Placement
from service.policies.models import PolicyVersion
from service.reference.models import Corporation, Municipality, corporation_municipalities
from service.runs.models import MatchRun
from service.schools.models import School
from service.stats.models import Episode, EvictionMonth
from service.units.models import Unit
from service.web.models import WebSession

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "Child",
    "Corporation",
    "Episode",
    "Eviction",
    "EvictionMonth",
    "Household",
    "IdempotencyRecord",
    "MatchRun",
    "Municipality",
    "Offer",
    "Placement",
    "PolicyVersion",
    "SafetyExclusion",
    "School",
    "Stay",
    "Unit",
    "WebSession",
    "corporation_municipalities",
]
