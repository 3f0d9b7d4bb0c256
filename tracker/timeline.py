"""The engine's rules of time: epoch seconds in the database, and the idle range of a return.

The diary's own rules of time (slots, minutes, billing weeks) are the protocol's: diary.times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from diary.times import MINUTE, minute_floor, slot_end

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_epoch(when: datetime) -> int:
    """Whole epoch seconds of an aware datetime (rounded down)."""
    return int((when - EPOCH) // timedelta(seconds=1))


def from_epoch(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def ceil_minute(when: datetime) -> datetime:
    floor = minute_floor(when)
    return floor if floor == when else floor + MINUTE


def idle_range(last_input: datetime, resumed: datetime) -> tuple[datetime, datetime] | None:
    """The whole minutes with no input between the last input and the return.

    The minute of the last input and the minute of the return both had input, so they stay.
    """
    start = ceil_minute(last_input)
    end = minute_floor(resumed)
    return (start, end) if end > start else None


def recovered_end(
    start: datetime, saved_minutes: list[datetime], screenshots: list[datetime]
) -> datetime:
    """Where a segment that an unexpected stop left open ends: after its last saved minute, and
    never before its last screenshot, so that everything its record lists lies inside it."""
    end = start
    if saved_minutes:
        end = max(end, max(saved_minutes) + MINUTE)
    if screenshots:
        end = max(end, max(screenshots))
    return min(end, slot_end(start))
