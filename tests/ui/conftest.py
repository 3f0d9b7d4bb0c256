"""Fixtures for the desktop app: the real engine on a fake clock, in a worker on the test's thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.store import Store
from ui.engine_worker import EngineWorker
from ui.main_window import MainWindow
from ui.wiring import connect_window


@pytest.fixture
def worker(engine: Engine, fake_clock: FakeClock) -> EngineWorker:
    worker = EngineWorker(lambda: engine, fake_clock)
    worker.setup()
    return worker


@pytest.fixture
def main_window(
    qtbot: QtBot,
    store: Store,
    fake_clock: FakeClock,
    data_dir: Path,
    worker: EngineWorker,
    contract_id: int,
) -> MainWindow:
    window = MainWindow(store, fake_clock, data_dir)
    connect_window(window, worker)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window
