"""Calendar time as the desks mean it: dates in Europe/Amsterdam, instants in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utc_now() -> datetime:
    """The current instant, timezone-aware in UTC (how timestamps are stored)."""
    return datetime.now(UTC)


def today_amsterdam(now: datetime | None = None) -> date:
    """Today's calendar date in the Netherlands, which is what "days" count in."""
    return (now or utc_now()).astimezone(AMSTERDAM).date()
