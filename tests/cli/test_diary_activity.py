"""The command line's diary writes activity as the app does: active out of tracked minutes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cli.diary_text import diary_text, segment_json
from diary.records import AmendmentKind, MinuteActivity, SegmentKind
from tests.tracker.helpers import at
from tracker.records import Amendment, Contract, Segment
from tracker.views import view_segment

CONTRACT = Contract(1, "Website", "Acme", 4500, 0, False, at(9, 0))


def test_a_two_minute_segment_reads_out_of_its_two_minutes(tmp_path: Path) -> None:
    segment = Segment(
        "b" * 32, 1, SegmentKind.TRACKED, at(10, 20), at(10, 21, 10), "Tax", at(10, 20)
    )
    minutes = [MinuteActivity(at(10, 20), keys=9), MinuteActivity(at(10, 21))]
    view = view_segment(segment, minutes)
    text = diary_text([view], {1: CONTRACT}, at(0, 0))
    line = next(x for x in text.splitlines() if x.startswith("10:20:00-10:21:10"))
    assert "1 of 2 min active" in line and "/10" not in line
    data = segment_json(view, tmp_path)
    assert (data["active_minutes"], data["tracked_minutes"]) == (1, 2)


def test_discarded_minutes_are_neither_active_nor_tracked(tmp_path: Path) -> None:
    segment = Segment("c" * 32, 1, SegmentKind.TRACKED, at(10, 0), at(10, 10), "Tax", at(10, 0))
    minutes = [MinuteActivity(at(10, 0) + timedelta(minutes=i), keys=1) for i in range(10)]
    discard = Amendment(
        1, segment.id, at(10, 30), AmendmentKind.IDLE_DISCARD, start=at(10, 4), end=at(10, 10)
    )
    view = view_segment(segment, minutes, amendments=[discard])
    assert "4 of 4 min active" in diary_text([view], {1: CONTRACT}, at(0, 0))
    data = segment_json(view, tmp_path)
    assert (data["active_minutes"], data["tracked_minutes"]) == (4, 4)
    manual = Segment("d" * 32, 1, SegmentKind.MANUAL, at(11, 0), at(11, 10), "Call", at(11, 0))
    assert "manual, no activity" in diary_text([view_segment(manual)], {1: CONTRACT}, at(0, 0))
