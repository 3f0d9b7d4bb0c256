"""What a segment counts for: its amendments folded in order into a state, a memo and hours.

One rule for everyone: the engine's diary, the timesheet, the weekly limit, ``verify`` and the
marketplace all count a segment with ``count_segment`` (docs/protocol.md, "Hours").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .records import DELETING, AmendmentKind, SegmentKind, SegmentState
from .times import overlap_seconds

Range = tuple[datetime, datetime]


@dataclass(frozen=True)
class Change:
    """An amendment as the rule sees it. ``order`` breaks ties of ``made_at``: the amendment's
    seq in its chain (on the device, before signing, the order it was made in)."""

    kind: AmendmentKind
    made_at: datetime
    order: int
    memo: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Counted:
    """A segment as it counts now."""

    state: SegmentState
    memo: str
    #: The idle time discarded: the union of the discarded ranges, merged and in order.
    discarded: tuple[Range, ...]
    idle_seconds: int
    billable_seconds: int


def merge_ranges(ranges: Iterable[Range]) -> tuple[Range, ...]:
    """The union of [start, end) ranges as disjoint ranges in order; empty ranges vanish."""
    merged: list[Range] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def count_segment(
    kind: SegmentKind, start: datetime, end: datetime, memo: str, changes: Iterable[Change]
) -> Counted:
    """Fold a segment's amendments, in order of ``made_at`` then ``order``, into what it counts.

    A memo amendment sets the memo; deleting the segment or one of its screenshots makes it
    deleted; over-limit makes it over-limit unless deleted; idle discards remove the union of
    their ranges. A segment whose whole time is discarded is idle-discarded. Only tracked and
    manual segments bill, their duration less the discarded time.
    """
    state = SegmentState.MANUAL if kind is SegmentKind.MANUAL else SegmentState.TRACKED
    ranges: list[Range] = []
    for change in sorted(changes, key=lambda c: (c.made_at, c.order)):
        if change.kind is AmendmentKind.MEMO and change.memo is not None:
            memo = change.memo
        elif change.kind in DELETING:
            state = SegmentState.DELETED
        elif change.kind is AmendmentKind.OVER_LIMIT and state is not SegmentState.DELETED:
            state = SegmentState.OVER_LIMIT
        elif change.kind is AmendmentKind.IDLE_DISCARD and change.start and change.end:
            ranges.append((change.start, change.end))
    discarded = merge_ranges(ranges)
    duration = max(0, int((end - start).total_seconds()))
    idle = sum(overlap_seconds(start, end, s, e) for s, e in discarded)
    counting = state in (SegmentState.TRACKED, SegmentState.MANUAL)
    if discarded and idle >= duration and counting:
        state, counting = SegmentState.IDLE_DISCARDED, False
    return Counted(
        state=state,
        memo=memo,
        discarded=discarded,
        idle_seconds=idle,
        billable_seconds=duration - idle if counting else 0,
    )


def amount_cents(seconds: int, rate_cents: int) -> int:
    """What ``seconds`` of work cost at an hourly rate of ``rate_cents``, in whole cents,
    rounded half up: the one rounding every amount of a week goes through."""
    return (seconds * rate_cents * 2 + 3600) // 7200


def over_limit(billable: Iterable[tuple[str, int]], limit_seconds: int | None) -> set[str]:
    """The segments of a contract's billing week that lie past its weekly limit.

    ``billable`` is (segment id, billable seconds) in order of start. Segments count until
    one would take the week past the limit; it and every later one are over the limit (not
    billed). ``limit_seconds`` None: no limit.
    """
    if limit_seconds is None:
        return set()
    total, over, reached = 0, set(), False
    for segment, seconds in billable:
        if not reached and total + seconds > limit_seconds:
            reached = True
        if reached:
            over.add(segment)
        else:
            total += seconds
    return over
