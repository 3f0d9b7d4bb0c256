"""Time in the diary: UTC timestamps on the wire, whole minutes, 10-minute slots, billing weeks."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta

SEGMENT_SECONDS = 600
MINUTE = timedelta(minutes=1)
SEGMENT = timedelta(seconds=SEGMENT_SECONDS)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)

#: A timestamp whose fields are in range, in the years 2000 to 2999 (so that a week or a slot
#: after any of them is a date too); only days 29 to 31 need a calendar as well.
_TIMESTAMP = re.compile(
    r"2\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ"
)
#: The years a timestamp may name.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def timestamp(when: datetime) -> str:
    """RFC 3339 in UTC with whole seconds and a Z: 2026-11-25T10:03:27Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_timestamp(text: object) -> bool:
    """Whether ``text`` is a timestamp string, exactly, naming a real moment."""
    if not isinstance(text, str) or not _TIMESTAMP.fullmatch(text):
        return False
    return text[8:10] < "29" or _real_day(text[:10])


@functools.lru_cache(maxsize=256)
def _real_day(day: str) -> bool:
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def parse_timestamp(text: object) -> datetime:
    """The inverse of ``timestamp``; anything else is a ValueError."""
    if not is_timestamp(text):
        raise ValueError(f"not a timestamp like 2026-11-25T10:03:27Z: {text!r}")
    assert isinstance(text, str)
    return _parse_timestamp(text)


@functools.lru_cache(maxsize=4096)
def _parse_timestamp(text: str) -> datetime:
    # A verifier reads tens of thousands of these; strptime would be most of its time.
    return datetime(
        int(text[0:4]), int(text[5:7]), int(text[8:10]),
        int(text[11:13]), int(text[14:16]), int(text[17:19]), tzinfo=UTC,
    )  # fmt: skip


def whole_second(when: datetime) -> datetime:
    return when.replace(microsecond=0)


def minute_floor(when: datetime) -> datetime:
    return when.replace(second=0, microsecond=0)


def slot_start(when: datetime) -> datetime:
    """Start of the 10-minute slot (:00, :10, ... :50 UTC) that contains ``when``."""
    when = when.astimezone(UTC)
    return when.replace(minute=when.minute - when.minute % 10, second=0, microsecond=0)


def slot_end(when: datetime) -> datetime:
    return slot_start(when) + SEGMENT


def day_start(when: datetime) -> datetime:
    """00:00 UTC of the day that contains ``when``."""
    return when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def week_start(when: datetime) -> datetime:
    """Monday 00:00 UTC of the billing week that contains ``when``."""
    day = day_start(when)
    return day - timedelta(days=day.weekday())


#: A billing week's diary locks on the Monday after it at 12:00 UTC: it is invoiced then, and
#: the marketplace takes no more of its time.
LOCK_AFTER = WEEK + timedelta(hours=12)


def lock_at(when: datetime) -> datetime:
    """When the billing week that contains ``when`` locks."""
    return week_start(when) + LOCK_AFTER


_WEEK_NAME = re.compile(r"(\d{4})-W(\d{2})")


def parse_week_name(text: str) -> datetime:
    """Monday 00:00 UTC of the ISO week named like 2026-W48 (of the years a timestamp may
    name); ValueError for anything else."""
    match = _WEEK_NAME.fullmatch(text.strip())
    if match and FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        try:
            return datetime.fromisocalendar(int(match[1]), int(match[2]), 1).replace(tzinfo=UTC)
        except ValueError:
            raise ValueError(f"{match[1]} has no week {int(match[2])}") from None
    raise ValueError(f"a week is named like 2026-W48, of the years {FIRST_YEAR} to {LAST_YEAR}")


def overlap_seconds(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> int:
    """Whole seconds that [a_start, a_end) and [b_start, b_end) share."""
    latest_start = max(a_start, b_start)
    earliest_end = min(a_end, b_end)
    return max(0, int((earliest_end - latest_start).total_seconds()))
