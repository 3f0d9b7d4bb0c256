"""The timesheet: hours per contract per day of the billing week, totals, limits, earnings,
other weeks."""

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
from ui.timesheet_view import EARNINGS, TimesheetView


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


def test_earnings_are_billable_time_times_the_rate(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, contract_id: int
) -> None:
    _work(store, contract_id, 23, 9, 70, 1)  # Monday 1:10 at $45.00
    deleted = _work(store, contract_id, 24, 9, 10, 2)
    store.add_amendment(deleted.id, AmendmentKind.DELETE_SEGMENT)
    idle = _work(store, contract_id, 24, 14, 10, 3)
    store.add_amendment(idle.id, AmendmentKind.IDLE_DISCARD, start=idle.start, end=at(14, 10, 24))
    view = TimesheetView(store, fake_clock)
    qtbot.addWidget(view)
    assert view.heading(0) == "Website\n$45.00/h · no limit"
    assert view.seconds(0, 7) == 70 * 60
    assert view.earnings_cents(0) == 5250 and view.text(0, EARNINGS) == "$52.50"
    assert view.earnings_cents(1) == 5250 and view.text(1, EARNINGS) == "$52.50"
    qtbot.mouseClick(view.previous_week, Qt.MouseButton.LeftButton)
    assert view.earnings_cents(0) == 0 and view.text(0, EARNINGS) == "—"


def test_earnings_are_rounded_half_up_once_per_contract_week(
    qtbot: QtBot, store: Store, fake_clock: FakeClock
) -> None:
    # 10 minutes at $12.03 are 200.5 cents.
    once = store.add_contract("Once", "Acme", 1203, 0, False).id
    twice = store.add_contract("Twice", "Acme", 1203, 0, False).id
    _work(store, once, 23, 9, 10, 1)
    _work(store, twice, 23, 9, 10, 2)
    _work(store, twice, 24, 9, 10, 3)
    view = TimesheetView(store, fake_clock)
    qtbot.addWidget(view)
    assert view.text(0, EARNINGS) == "$2.01"  # half up; half to even or cut off: $2.00
    assert view.text(1, EARNINGS) == "$4.01"  # 401 cents; rounding each day: $4.02
    assert view.earnings_cents(2) == 201 + 401 and view.text(2, EARNINGS) == "$6.02"


def test_limits_are_shown_and_time_over_the_limit_earns_nothing(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, week: tuple[int, int]
) -> None:
    _, support = week
    over = _work(store, support, 25, 8, 10, 6)  # Wednesday, after the limit was reached
    store.add_amendment(over.id, AmendmentKind.OVER_LIMIT)
    store.add_contract("Design", "Initech", 5000, 7 * 60 + 30, False)
    view = TimesheetView(store, fake_clock)
    qtbot.addWidget(view)
    assert view.heading(0) == "Website\n$45.00/h · no limit"
    assert view.heading(1) == "Support\n$40.00/h · limit 1 h"
    assert view.heading(2) == "Design\n$50.00/h · limit 7 h 30 min"
    assert view.seconds(1, 2) == 0 and view.seconds(1, 7) == 3600
    assert view.earnings_cents(1) == 4000 and view.text(1, EARNINGS) == "$40.00"
    assert "Support: the weekly limit of 1 h is reached" in view.warnings.text()
    assert view.text(2, EARNINGS) == "—"


def test_total_earnings_add_up_contracts_at_their_own_rates(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, week: tuple[int, int]
) -> None:
    view = TimesheetView(store, fake_clock)
    qtbot.addWidget(view)
    website, support, total = 0, 1, 2
    assert view.text(website, EARNINGS) == "$90.00"  # 2:00 at $45.00
    assert view.text(support, EARNINGS) == "$40.00"  # 1:00 at $40.00
    assert view.earnings_cents(total) == 13000 and view.text(total, EARNINGS) == "$130.00"
    qtbot.mouseClick(view.next_week, Qt.MouseButton.LeftButton)
    assert view.text(total, EARNINGS) == "$15.00"  # 0:20 at $45.00


def test_an_archived_contract_shows_only_in_weeks_with_time(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, contract_id: int
) -> None:
    old = store.add_contract("Logo", "Initech", 3000, 0, False).id
    _work(store, old, 23, 9, 30, 1)  # this week (the fake clock's)
    store.set_archived(old, True)
    view = TimesheetView(store, fake_clock)
    qtbot.addWidget(view)
    assert [view.heading(row).split("\n")[0] for row in range(2)] == ["Website", "Logo"]
    view.next_week.click()
    assert view.table.rowCount() == 2  # Website and the totals: Logo has no time that week
    assert view.heading(0).startswith("Website")
