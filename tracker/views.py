"""A segment as the diary shows it: its record, minutes and screenshots, with every amendment
folded in by the protocol's rule (diary.rules.count_segment)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from diary.records import MinuteActivity, SegmentKind, SegmentState
from diary.rules import count_segment
from diary.times import MINUTE, slot_end

from .records import Amendment, Screenshot, Segment


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
    def tracked_minutes(self) -> int:
        """The minutes that hold any of the segment's time, less those discarded as idle (they
        are not billed, so they are not tracked time either). Manual time has none."""
        return sum(1 for m in self.minutes if not self.is_discarded(m.start))

    @property
    def active_minutes(self) -> int:
        """Of the tracked minutes, those with any input (``MinuteActivity.active``)."""
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
    """Fold a segment's amendments, in the order they were made, into its current state.

    An open segment bills nothing yet (callers give it an end to count it so far); its state
    is that of its recorded minutes, so that an idle minute discarded inside it does not make
    the whole of it look discarded.
    """
    ordered = tuple(sorted(amendments, key=lambda a: (a.made_at, a.id)))
    in_order = tuple(sorted(minutes, key=lambda m: m.start))
    end = segment.end
    if end is None:
        recorded = in_order[-1].start + MINUTE if in_order else segment.start
        end = max(segment.start, min(recorded, slot_end(segment.start)))
    counted = count_segment(
        segment.kind, segment.start, end, segment.memo, [a.change() for a in ordered]
    )
    return SegmentView(
        segment=segment,
        minutes=in_order,
        screenshots=tuple(sorted(screenshots, key=lambda s: (s.taken_at, s.id))),
        amendments=ordered,
        state=counted.state,
        memo=counted.memo,
        discarded=counted.discarded,
        billable_seconds=counted.billable_seconds if segment.end is not None else 0,
    )


def billable_seconds(views: Sequence[SegmentView]) -> int:
    return sum(v.billable_seconds for v in views)


def activity_text(active: int, tracked: int) -> str:
    """Activity, written the same way everywhere: active minutes out of tracked minutes."""
    return f"{active} of {tracked} min active"


def segment_activity(view: SegmentView) -> str:
    """A segment's activity in words; manual time has none to show."""
    if view.segment.kind is SegmentKind.MANUAL:
        return "manual, no activity"
    return activity_text(view.active_minutes, view.tracked_minutes)
