"""The screenshot notice: shown after a real screenshot, without focus; Delete after confirming."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from diary.records import SegmentState
from tests.tracker.helpers import all_views, at
from tests.xvfb import Xvfb
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.events import EngineEvent
from tracker.platform.x11 import platform
from tracker.screenshots import ScreenshotTaker
from tracker.settings import Settings
from tracker.store import Store
from ui.engine_worker import EngineWorker
from ui.main_window import MainWindow

pytestmark = pytest.mark.x11


@pytest.fixture
def engine(
    xserver: Xvfb,
    monkeypatch: pytest.MonkeyPatch,
    fake_clock: FakeClock,
    store: Store,
    counter: ActivityCounter,
    data_dir: Path,
    events: list[EngineEvent],
) -> Iterator[Engine]:
    """The real engine taking real screenshots of the test X server."""
    monkeypatch.setenv("DISPLAY", xserver.display)
    screen = platform(xserver.display).screen
    engine = Engine(
        fake_clock,
        store,
        Settings(idle_policy="keep"),
        counter,
        screenshots=ScreenshotTaker(data_dir, screen),
        rng=random.Random(7),
    )
    engine.subscribe(events.append)
    yield engine
    screen.close()


def _start_until_first_screenshot(
    qtbot: QtBot, window: MainWindow, worker: EngineWorker, clock: FakeClock
) -> None:
    qtbot.keyClicks(window.memo, "Checkout page")
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    clock.advance(5)  # the first screenshot comes 1 to 4 s after starting
    worker.tick()


def test_the_notice_shows_the_screenshot_without_taking_focus(
    qtbot: QtBot, main_window: MainWindow, worker: EngineWorker, fake_clock: FakeClock
) -> None:
    _start_until_first_screenshot(qtbot, main_window, worker, fake_clock)
    notice = main_window.notice
    assert notice.isVisible() and not notice.isActiveWindow()
    assert notice.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert notice.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus
    assert not notice.thumbnail.pixmap().isNull()
    assert "Screenshot taken at" in notice.caption.text()
    qtbot.mouseClick(notice.dismiss_button, Qt.MouseButton.LeftButton)
    assert not notice.isVisible()


def test_delete_after_confirming_removes_the_file_and_the_segments_time(
    qtbot: QtBot,
    main_window: MainWindow,
    worker: EngineWorker,
    fake_clock: FakeClock,
    store: Store,
    data_dir: Path,
    engine: Engine,
) -> None:
    _start_until_first_screenshot(qtbot, main_window, worker, fake_clock)
    shot = main_window.notice.shot()
    assert shot is not None and shot.path is not None
    assert (data_dir / shot.path).exists()
    qtbot.mouseClick(main_window.notice.delete_button, Qt.MouseButton.LeftButton)
    box = main_window.confirm_delete
    assert box.isVisible() and "will then not count" in box.text()
    yes = box.button(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    assert not main_window.notice.isVisible()
    assert not (data_dir / shot.path).exists()
    fake_clock.advance(60)
    worker.tick()
    main_window.refresh_times()
    assert main_window.today.text() == "0:00:00"  # the segment no longer counts
    engine.stop()
    (view,) = all_views(store)
    assert view.state is SegmentState.DELETED and view.billable_seconds == 0
    assert view.segment.start == at(10, 3, 27)


def test_cancel_keeps_the_screenshot(
    qtbot: QtBot,
    main_window: MainWindow,
    worker: EngineWorker,
    fake_clock: FakeClock,
    data_dir: Path,
    engine: Engine,
    store: Store,
) -> None:
    _start_until_first_screenshot(qtbot, main_window, worker, fake_clock)
    shot = main_window.notice.shot()
    assert shot is not None and shot.path is not None
    qtbot.mouseClick(main_window.notice.delete_button, Qt.MouseButton.LeftButton)
    cancel = main_window.confirm_delete.button(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert (data_dir / shot.path).exists()
    engine.stop()
    (view,) = all_views(store)
    assert view.state is SegmentState.TRACKED and view.billable_seconds == 5
