"""Pure rules of time: segment slots, minutes, billing weeks, idle ranges and what a segment counts as."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .records import (
    Amendment,
    AmendmentKind,
    MinuteActivity,
    Screenshot,
    Segment,
    SegmentKind,
    SegmentState,
)

SEGMENT_SECONDS = 600
MINUTE = timedelta(minutes=1)
SEGMENT = timedelta(seconds=SEGMENT_SECONDS)
WEEK = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_epoch(when: datetime) -> int:
    """Whole epoch seconds of an aware datetime (rounded down)."""
    return int((when - EPOCH) // timedelta(seconds=1))


def from_epoch(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


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


def week_start(when: datetime) -> datetime:
    """Monday 00:00 UTC of the billing week that contains ``when``."""
    day = when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def day_start(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


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


def overlap_seconds(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> int:
    latest_start = max(a_start, b_start)
    earliest_end = min(a_end, b_end)
    return max(0, int((earliest_end - latest_start).total_seconds()))


@dataclass(frozen=True)
class SegmentView:
    """A segment as it counts now: its record with every amendment applied."""

    segment: Segment
    minutes: tuple[MinuteActivity, ...]
    screenshots: tuple[Screenshot, ...]
    amendments: tuple[Amendment, ...]
    state: SegmentState
    memo: str
    discarded: tuple[tuple[datetime, datetime], ...]
    billable_seconds: int

    @property
    def duration_seconds(self) -> int:
        end = self.segment.end
        return 0 if end is None else int((end - self.segment.start).total_seconds())

    @property
    def active_minutes(self) -> int:
        return sum(1 for m in self.minutes if m.active and not self.is_discarded(m.start))

    @property
    def activity_unavailable(self) -> str | None:
        return next((m.unavailable for m in self.minutes if m.unavailable), None)

    def is_discarded(self, minute: datetime) -> bool:
        return any(start <= minute < end for start, end in self.discarded)


def view_segment(
    segment: Segment,
    minutes: Iterable[MinuteActivity] = (),
    screenshots: Iterable[Screenshot] = (),
    amendments: Iterable[Amendment] = (),
) -> SegmentView:
    """Fold a segment's amendments, in the order they were made, into its current state."""
    ordered = tuple(sorted(amendments, key=lambda a: (a.made_at, a.id)))
    memo = segment.memo
    state = SegmentState.MANUAL if segment.kind is SegmentKind.MANUAL else SegmentState.TRACKED
    discarded: list[tuple[datetime, datetime]] = []
    for amendment in ordered:
        if amendment.kind is AmendmentKind.MEMO and amendment.memo is not None:
            memo = amendment.memo
        elif amendment.kind in (AmendmentKind.DELETE_SEGMENT, AmendmentKind.DELETE_SCREENSHOT):
            state = SegmentState.DELETED
        elif amendment.kind is AmendmentKind.OVER_LIMIT and state is not SegmentState.DELETED:
            state = SegmentState.OVER_LIMIT
        elif amendment.kind is AmendmentKind.IDLE_DISCARD and amendment.start and amendment.end:
            discarded.append((amendment.start, amendment.end))
    end = segment.end if segment.end is not None else segment.start
    tracked = int((end - segment.start).total_seconds())
    idle = sum(overlap_seconds(segment.start, end, s, e) for s, e in discarded)
    if discarded and idle >= tracked and state in (SegmentState.TRACKED, SegmentState.MANUAL):
        state = SegmentState.IDLE_DISCARDED
    billable = tracked - idle if state in (SegmentState.TRACKED, SegmentState.MANUAL) else 0
    return SegmentView(
        segment=segment,
        minutes=tuple(sorted(minutes, key=lambda m: m.start)),
        screenshots=tuple(sorted(screenshots, key=lambda s: (s.taken_at, s.id))),
        amendments=ordered,
        state=state,
        memo=memo,
        discarded=tuple(discarded),
        billable_seconds=max(0, billable),
    )


def billable_seconds(views: Sequence[SegmentView]) -> int:
    return sum(v.billable_seconds for v in views)
