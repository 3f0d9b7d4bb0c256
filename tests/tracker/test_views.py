"""Activity counted one way: active minutes out of tracked minutes, idle-discarded ones left out."""

from __future__ import annotations

from datetime import timedelta

from diary.records import AmendmentKind, MinuteActivity, SegmentKind
from tests.tracker.helpers import at
from tracker.records import Amendment, Segment
from tracker.views import activity_text, segment_activity, view_segment


def _segment(kind: SegmentKind = SegmentKind.TRACKED) -> Segment:
    return Segment("a" * 32, 1, kind, at(10, 0), at(10, 6), "Work", at(10, 0))


def _minutes(*active: bool) -> list[MinuteActivity]:
    return [
        MinuteActivity(at(10, 0) + timedelta(minutes=i), keys=5 if busy else 0)
        for i, busy in enumerate(active)
    ]


def test_active_minutes_out_of_tracked_minutes() -> None:
    view = view_segment(_segment(), _minutes(True, False, True, True, False, True))
    assert (view.active_minutes, view.tracked_minutes) == (4, 6)
    assert segment_activity(view) == "4 of 6 min active"
    assert activity_text(1, 2) == "1 of 2 min active"


def test_minutes_discarded_as_idle_are_not_tracked_time() -> None:
    discard = Amendment(
        1, "a" * 32, at(10, 7), AmendmentKind.IDLE_DISCARD, start=at(10, 2), end=at(10, 5)
    )
    view = view_segment(
        _segment(), _minutes(True, False, True, True, False, True), amendments=[discard]
    )
    # 10:02, 10:03 and 10:04 were discarded (not billed): 3 minutes tracked, 2 of them active.
    assert (view.active_minutes, view.tracked_minutes) == (2, 3)
    assert segment_activity(view) == "2 of 3 min active"


def test_manual_time_has_no_activity() -> None:
    view = view_segment(_segment(SegmentKind.MANUAL))
    assert segment_activity(view) == "manual, no activity"


def test_an_open_segment_with_a_discarded_minute_is_still_tracked() -> None:
    """Its state is that of the minutes recorded so far; it bills nothing until it closes."""
    from dataclasses import replace

    from diary.records import SegmentState

    open_segment = replace(_segment(), end=None)
    discard = Amendment(
        1, "a" * 32, at(10, 5), AmendmentKind.IDLE_DISCARD, start=at(10, 1), end=at(10, 2)
    )
    view = view_segment(open_segment, _minutes(True, False, True, True), amendments=[discard])
    assert view.state is SegmentState.TRACKED and view.billable_seconds == 0
    everything = replace(discard, start=at(10, 0), end=at(10, 4))
    view = view_segment(open_segment, _minutes(True, False, True, True), amendments=[everything])
    assert view.state is SegmentState.IDLE_DISCARDED
