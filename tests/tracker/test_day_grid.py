"""A diary day on local time or UTC: its bounds, its hours (23 or 25 when the clocks change),
and offsets that are not whole hours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from diary.records import SegmentKind
from tests.local_zone import local_zone
from tracker.day_grid import day_rows, day_slots
from tracker.records import Segment
from tracker.views import SegmentView, view_segment
from tracker.zones import LOCAL, UTC_ZONE, offset_text


@pytest.fixture(autouse=True)
def new_york() -> Iterator[None]:
    with local_zone("America/New_York"):
        yield


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _view(start: datetime) -> SegmentView:
    segment = Segment(
        f"{int(start.timestamp()):032x}",
        1,
        SegmentKind.TRACKED,
        start,
        start + timedelta(minutes=10),
        "Work",
        start,
    )
    return view_segment(segment)


def test_a_local_day_in_utc() -> None:
    assert LOCAL.day_range(date(2026, 11, 25)) == (utc(11, 25, 5), utc(11, 26, 5))
    assert UTC_ZONE.day_range(date(2026, 11, 25)) == (utc(11, 25, 0), utc(11, 26, 0))
    assert LOCAL.day_range(date(2026, 11, 1)) == (utc(11, 1, 4), utc(11, 2, 5))  # 25 hours
    assert LOCAL.day_range(date(2026, 3, 8)) == (utc(3, 8, 5), utc(3, 9, 4))  # 23 hours
    assert LOCAL.moment(date(2026, 11, 25), time(14, 30)) == utc(11, 25, 19, 30)
    assert LOCAL.name(utc(11, 25, 12)) == "EST, UTC−05:00"
    assert LOCAL.name(utc(7, 1, 12)) == "EDT, UTC−04:00"
    assert UTC_ZONE.name(utc(7, 1, 12)) == "UTC"
    assert offset_text(timedelta(hours=5, minutes=45)) == "UTC+05:45"


def test_rows_are_local_hours_and_a_repeated_hour_is_two_rows() -> None:
    views = [_view(utc(11, 1, 4)), _view(utc(11, 1, 5, 10)), _view(utc(11, 1, 6, 10))]
    rows = day_rows(LOCAL, date(2026, 11, 1), views)
    assert [r.label for r in rows] == ["00:00 EDT", "01:00 EDT", "01:00 EST"]
    assert [s.start for s in rows[1].slots] == [utc(11, 1, 5, m) for m in range(0, 60, 10)]
    assert [len(s.views) for s in rows[2].slots] == [0, 1, 0, 0, 0, 0]
    # Whole days of slots: 25 hours on this day, each slot in exactly one row.
    first, end = day_slots(LOCAL, date(2026, 11, 1))
    assert (end - first) / timedelta(minutes=10) == 150


def test_an_offset_of_minutes_puts_each_slot_on_one_day() -> None:
    with local_zone("Asia/Kathmandu"):  # UTC+05:45: local days begin inside a UTC slot
        first, end = day_slots(LOCAL, date(2026, 11, 25))
        assert (first, end) == (utc(11, 24, 18, 20), utc(11, 25, 18, 20))
        rows = day_rows(LOCAL, date(2026, 11, 25), [_view(utc(11, 24, 18, 20))])
        (row,) = rows
        assert row.label == "00:00"
        assert [LOCAL.wall(s.start).strftime("%H:%M") for s in row.slots] == [
            "00:05",
            "00:15",
            "00:25",
            "00:35",
            "00:45",
            "00:55",
        ]
