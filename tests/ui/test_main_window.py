"""The main window driving the real engine: memo required, start/stop, activity, totals, limits."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from diary.records import AmendmentKind, SegmentKind
from tests.tracker.helpers import all_views, at
from tests.ui.diary_seed import add_segment
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.records import Segment
from tracker.store import Store
from ui.activity_meter import ACTIVE, QUIET, UNTRACKED
from ui.engine_worker import EngineWorker
from ui.main_window import MainWindow


def test_a_memo_is_required_before_starting(
    qtbot: QtBot, main_window: MainWindow, engine: Engine
) -> None:
    qtbot.mouseClick(main_window.start_button, Qt.MouseButton.LeftButton)
    assert not engine.tracking
    assert main_window.message.isVisible()
    assert "Write a memo first" in main_window.message.text()
    assert main_window.start_button.text() == "Start"


def test_start_count_and_stop(
    qtbot: QtBot,
    main_window: MainWindow,
    engine: Engine,
    worker: EngineWorker,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    store: Store,
) -> None:
    qtbot.keyClicks(main_window.memo, "Checkout page")
    qtbot.mouseClick(main_window.start_button, Qt.MouseButton.LeftButton)
    assert engine.tracking and main_window.start_button.text() == "Stop"
    assert not main_window.contract_picker.isEnabled()
    assert main_window.elapsed.text() == "Tracking for 0:00:00"
    # Minute 10:03 (the first, partly tracked) has input; 10:04 has none.
    counter.key_pressed()
    fake_clock.advance(40)  # 10:04:07
    worker.tick()
    fake_clock.advance(60)  # 10:05:07
    worker.tick()
    assert main_window.activity.minutes() == [UNTRACKED] * 3 + [ACTIVE, QUIET] + [UNTRACKED] * 5
    assert main_window.elapsed.text() == "Tracking for 0:01:40"
    qtbot.keyClick(main_window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not engine.tracking and main_window.start_button.text() == "Start"
    assert main_window.today.text() == "0:01:40"
    assert main_window.week.text() == "0:01:40"
    (view,) = all_views(store)
    assert (view.segment.start, view.segment.end) == (at(10, 3, 27), at(10, 5, 7))


def test_editing_the_memo_while_tracking_changes_the_segment(
    qtbot: QtBot,
    main_window: MainWindow,
    engine: Engine,
    worker: EngineWorker,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    store: Store,
) -> None:
    qtbot.keyClicks(main_window.memo, "First memo")
    qtbot.mouseClick(main_window.start_button, Qt.MouseButton.LeftButton)
    counter.key_pressed()
    fake_clock.advance(60)
    worker.tick()
    main_window.memo.selectAll()
    qtbot.keyClicks(main_window.memo, "Better memo")
    qtbot.keyClick(main_window.memo, Qt.Key.Key_Return)
    main_window.stop_requested.emit()
    (view,) = all_views(store)
    assert view.memo == "Better memo"


def test_a_refused_start_is_shown(
    qtbot: QtBot, main_window: MainWindow, engine: Engine, store: Store
) -> None:
    limited = store.add_contract("Small", "Initech", 3000, 60, False).id
    for n in range(6):  # an hour this morning
        start = at(8, 10 * n)
        store.open_segment(
            Segment(f"{n:032x}", limited, SegmentKind.TRACKED, start, None, "Earlier", start)
        )
        store.close_segment(f"{n:032x}", start + timedelta(minutes=10), "segment ended")
    main_window.refresh_contracts()
    main_window.contract_picker.setCurrentIndex(main_window.contract_picker.findData(limited))
    assert main_window.week.text() == "1:00:00 of 1 h limit"
    qtbot.keyClicks(main_window.memo, "Anything")
    qtbot.mouseClick(main_window.start_button, Qt.MouseButton.LeftButton)
    assert not engine.tracking
    assert "weekly limit of 1 h" in main_window.message.text()
    assert main_window.message.isVisible()


def test_long_messages_make_room_instead_of_overlapping(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    main_window.show()
    qtbot.waitExposed(main_window)
    main_window.resize(380, main_window.minimumSizeHint().height())
    long = "The system clock reads a time before time already recorded. " * 3
    main_window.show_message(long)
    main_window.on_sync_status("Sync: not connected. 1029 record(s) wait to be signed: " + long)

    def span(widget: QWidget) -> tuple[int, int]:
        """Top and bottom of a widget in the window's coordinates."""
        top = widget.mapTo(main_window, QPoint(0, 0)).y()
        return top, top + widget.height()

    window = main_window
    rows = [window.screenshot_time, window.diary_button, window.message, window.sync_status]
    spans = [span(widget) for widget in rows]
    assert all(above[1] <= below[0] for above, below in pairwise(spans))
    status = main_window.sync_status
    assert status.height() >= status.heightForWidth(status.width())
    assert spans[-1][1] <= main_window.height()


def test_a_start_shows_todays_last_screenshot_still_kept(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path, contract_id: int
) -> None:
    """The app quit and started again: the window shows the screenshot it showed before, not
    "No screenshot yet"; a deleted segment's is not shown again."""
    add_segment(store, data_dir, contract_id, 1, at(8, 0))
    deleted = add_segment(store, data_dir, contract_id, 2, at(9, 0))
    store.add_amendment(deleted.id, AmendmentKind.DELETE_SEGMENT, reason="private")
    window = MainWindow(store, fake_clock, data_dir)
    qtbot.addWidget(window)
    taken = at(8, 3).astimezone().strftime("%H:%M:%S")
    assert window.screenshot_time.text() == f"Taken at {taken}"
    pixmap = window.thumbnail.pixmap()
    assert not pixmap.isNull() and abs(pixmap.toImage().pixelColor(5, 5).red() - 30) <= 6
    fresh = MainWindow(Store(data_dir / "other.sqlite3", fake_clock), fake_clock, data_dir)
    qtbot.addWidget(fresh)
    assert fresh.thumbnail.text() == "No screenshot yet"
