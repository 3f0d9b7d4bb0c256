"""When to try the marketplace again after a failure: exponential backoff with jitter, and a
server's Retry-After honoured (a pure rule; the outbox stores the moment it gives)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

#: The first wait after a failure, and the longest.
FIRST_WAIT = 5.0
LONGEST_WAIT = 3600.0


def next_attempt(
    failures: int, now: datetime, rng: random.Random, retry_after: float | None = None
) -> datetime:
    """The moment to try again after ``failures`` failures in a row (1 for the first): a wait
    that doubles with each failure up to an hour, between half of it and all of it at random (so
    that devices that failed together do not all come back together), and never sooner than
    the server's Retry-After."""
    ceiling = min(LONGEST_WAIT, FIRST_WAIT * 2 ** max(0, failures - 1))
    wait = rng.uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        wait = max(wait, min(retry_after, LONGEST_WAIT * 24))
    return now + timedelta(seconds=wait)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header in seconds from ``now``: delta-seconds or an HTTP date; None when
    there is none or it cannot be read."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
