"""The tray: start/stop, open and quit from its menu; closing the window keeps tracking there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.store import Store
from ui.engine_worker import EngineWorker
from ui.main_window import MainWindow
from ui.tray import Tray
from ui.wiring import connect_window


@pytest.fixture
def tray() -> Iterator[Tray]:
    tray = Tray()
    yield tray
    tray.icon.hide()


@pytest.fixture
def window_with_tray(
    qtbot: QtBot,
    store: Store,
    fake_clock: FakeClock,
    data_dir: Path,
    worker: EngineWorker,
    contract_id: int,
    tray: Tray,
) -> MainWindow:
    window = MainWindow(store, fake_clock, data_dir, tray)
    connect_window(window, worker)
    qtbot.addWidget(window)
    window.show()
    return window


def test_start_and_stop_from_the_tray(
    qtbot: QtBot, window_with_tray: MainWindow, tray: Tray, engine: Engine
) -> None:
    assert tray.contract_action.text() == "Website — Acme"  # the one picked, before a start
    qtbot.keyClicks(window_with_tray.memo, "Checkout page")
    tray.toggle_action.trigger()
    assert engine.tracking
    assert tray.toggle_action.text() == "Stop tracking"
    assert tray.icon.toolTip() == "Workdiary: tracking Website — Acme"
    assert tray.contract_action.text() == "Website — Acme"
    tray.toggle_action.trigger()
    assert not engine.tracking
    assert tray.icon.toolTip() == "Workdiary: stopped"


def test_starting_from_the_tray_without_a_memo_opens_the_window(
    qtbot: QtBot, window_with_tray: MainWindow, tray: Tray, engine: Engine
) -> None:
    window_with_tray.hide()
    tray.toggle_action.trigger()
    assert not engine.tracking
    assert window_with_tray.isVisible()
    assert "Write a memo first" in window_with_tray.message.text()


def test_closing_the_window_keeps_tracking_in_the_tray(
    qtbot: QtBot, window_with_tray: MainWindow, tray: Tray, engine: Engine
) -> None:
    qtbot.keyClicks(window_with_tray.memo, "Checkout page")
    tray.toggle_action.trigger()
    with qtbot.assertNotEmitted(window_with_tray.quit_requested):
        window_with_tray.close()
    assert not window_with_tray.isVisible() and engine.tracking
    tray.open_action.trigger()
    assert window_with_tray.isVisible()
    with qtbot.waitSignal(window_with_tray.quit_requested, timeout=1000):
        tray.quit_action.trigger()


def test_without_a_tray_closing_quits(qtbot: QtBot, main_window: MainWindow) -> None:
    with qtbot.waitSignal(main_window.quit_requested, timeout=1000):
        main_window.close()


def test_window_geometry_is_remembered(
    qtbot: QtBot, main_window: MainWindow, store: Store, fake_clock: FakeClock, data_dir: Path
) -> None:
    main_window.resize(640, 520)
    main_window.close()
    again = MainWindow(store, fake_clock, data_dir)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (640, 520)
