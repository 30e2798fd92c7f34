"""What the offers and placements pages show besides the services' records: which open offers
expire soon. Pure, so it is tested without a database."""

from __future__ import annotations

from datetime import datetime, timedelta

PAGE_SIZE = 50
OPEN_OFFERS_SHOWN = 200
# An open offer that expires within this time is marked "expires soon" (in words, not colour).
EXPIRES_SOON = timedelta(hours=24)


def expires_soon(expires_at: datetime, *, status: str, now: datetime) -> bool:
    """An open offer that has not expired yet but will within a day."""
    return status == "open" and now < expires_at <= now + EXPIRES_SOON


def hours_left(expires_at: datetime, *, now: datetime) -> int:
    """Whole hours until the offer expires (0 in its last hour)."""
    return max(0, int((expires_at - now).total_seconds() // 3600))
