"""The timesheet: hours per contract per day of the billing week, totals, limits, other weeks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from diary.records import AmendmentKind, SegmentKind
from tests.tracker.helpers import at
from tracker.clock import FakeClock
from tracker.records import Segment
from tracker.store import Store
from ui.timesheet_view import TimesheetView


def _work(store: Store, contract_id: int, day: int, hour: int, minutes: int, n: int) -> Segment:
    """``minutes`` of closed segments from ``hour``:00 on November ``day``."""
    last = None
    for k in range(0, minutes, 10):
        start = at(hour, 0, day=day) + timedelta(minutes=k)
        segment = Segment(
            f"{n:016x}{k:016x}", contract_id, SegmentKind.TRACKED, start, None, "Work", start
        )
        store.open_segment(segment)
        store.close_segment(
            segment.id, start + timedelta(minutes=min(10, minutes - k)), "segment ended"
        )
        last = segment
    assert last is not None
    return last


@pytest.fixture
def week(store: Store, contract_id: int) -> tuple[int, int]:
    limited = store.add_contract("Support", "Globex", 4000, 60, False).id
    _work(store, contract_id, 23, 9, 90, 1)  # Monday 1:30
    _work(store, contract_id, 25, 9, 30, 2)  # Wednesday 0:30
    deleted = _work(store, contract_id, 25, 14, 10, 3)
    store.add_amendment(deleted.id, AmendmentKind.DELETE_SEGMENT)
    _work(store, limited, 24, 8, 60, 4)  # Tuesday 1:00, the whole limit
    _work(store, contract_id, 30, 9, 20, 5)  # next Monday: another week
    return contract_id, limited


def test_hours_per_contract_per_day_and_totals(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, week: tuple[int, int]
) -> None:
    view = TimesheetView(store, fake_clock)
    qtbot.addWidget(view)
    assert "Week 2026-W48: Mon 23 Nov to Sun 29 Nov 2026" in view.title.text()
    website, support = 0, 1
    assert [view.seconds(website, d) for d in range(8)] == [5400, 0, 1800, 0, 0, 0, 0, 7200]
    assert [view.seconds(support, d) for d in range(8)] == [0, 3600, 0, 0, 0, 0, 0, 3600]
    assert [view.seconds(2, d) for d in range(8)] == [5400, 3600, 1800, 0, 0, 0, 0, 10800]
    assert view.text(website, 0) == "1:30:00"
    assert view.text(website, 1) == "—"
    assert "Support: the weekly limit of 1 h is reached" in view.warnings.text()
    qtbot.mouseClick(view.next_week, Qt.MouseButton.LeftButton)
    assert "Week 2026-W49" in view.title.text()
    assert view.seconds(website, 0) == 1200 and view.seconds(2, 7) == 1200
    assert view.warnings.text() == ""
    qtbot.mouseClick(view.previous_week, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.previous_week, Qt.MouseButton.LeftButton)
    assert "Week 2026-W47" in view.title.text() and view.seconds(2, 7) == 0


def test_local_time_moves_segments_between_days(
    qtbot: QtBot,
    store: Store,
    fake_clock: FakeClock,
    contract_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    monkeypatch.setenv("TZ", "Pacific/Auckland")  # UTC+13 in November
    time.tzset()
    try:
        _work(store, contract_id, 25, 12, 30, 1)  # Wednesday 12:00 UTC is Thursday 01:00 there
        view = TimesheetView(store, fake_clock)
        qtbot.addWidget(view)
        assert view.seconds(0, 2) == 1800
        view.local_time.setChecked(True)
        assert view.seconds(0, 2) == 0 and view.seconds(0, 3) == 1800
        assert view.seconds(0, 7) == 1800
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
