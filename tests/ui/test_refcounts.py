"""What the app calls all day never releases references it does not own: PySide6 6.12.0
released a reference to None on each call returning nothing and on each read of item data that
is None, and an app doing either every second aborted within the hour ("deallocating None")."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tracker.clock import FakeClock
from tracker.store import Store
from ui.diary_view import DiaryView
from ui.main_window import MainWindow

READS = 2000


def test_calls_that_return_nothing_keep_none_alive(qtbot: QtBot) -> None:
    """PySide6 6.12.0 released a reference to None on every such call (pyproject.toml pins
    below it): the window's seconds, a label update each, would abort the app within the hour."""
    label = QLabel()
    before = sys.getrefcount(None)
    for n in range(READS):
        label.setText(str(n))
    assert sys.getrefcount(None) - before > -READS // 2


def test_reading_the_pickers_all_day_keeps_none_alive(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path
) -> None:
    empty = MainWindow(store, fake_clock, data_dir)  # no contracts: an empty picker
    qtbot.addWidget(empty)
    before = sys.getrefcount(None)
    for _ in range(READS):
        empty.selected_contract()
        empty.refresh_elapsed()
    assert sys.getrefcount(None) - before > -READS // 2

    store.add_contract("Website", "Acme", 4500, 0, False)
    diary = DiaryView(store, fake_clock, data_dir)  # "All contracts" chosen
    qtbot.addWidget(diary)
    diary.show()
    before = sys.getrefcount(None)
    for _ in range(READS // 10):
        diary.reload()
    assert sys.getrefcount(None) - before > -READS // 20
