"""Ctrl+Q quits from any window or dialog of the app; SIGTERM and SIGINT reach the event loop."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.quitting import QuitKeys, QuitSignals


@pytest.fixture
def keys(qapp: QApplication) -> Iterator[QuitKeys]:
    keys = QuitKeys(qapp)
    yield keys
    qapp.removeEventFilter(keys)
    keys.deleteLater()


def test_ctrl_q_in_the_main_window(qtbot: QtBot, main_window: MainWindow, keys: QuitKeys) -> None:
    with qtbot.waitSignal(keys.pressed, timeout=1000):
        qtbot.keyClick(main_window.memo, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert main_window.memo.text() == ""


def test_ctrl_q_in_the_diary(qtbot: QtBot, main_window: MainWindow, keys: QuitKeys) -> None:
    main_window.on_diary_clicked()
    assert main_window.diary is not None
    qtbot.waitExposed(main_window.diary)
    with qtbot.waitSignal(keys.pressed, timeout=1000):
        qtbot.keyClick(main_window.diary, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_q_in_a_modal_dialog(qtbot: QtBot, main_window: MainWindow, keys: QuitKeys) -> None:
    dialog = QDialog(main_window)
    field = QLineEdit()
    QVBoxLayout(dialog).addWidget(field)
    dialog.setModal(True)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(keys.pressed, timeout=1000):
        qtbot.keyClick(field, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    dialog.close()


def test_other_keys_pass(qtbot: QtBot, main_window: MainWindow, keys: QuitKeys) -> None:
    with qtbot.assertNotEmitted(keys.pressed):
        qtbot.keyClicks(main_window.memo, "quiet")
        qtbot.keyClick(main_window.memo, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert main_window.memo.text() == "quiet"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_wakes_the_event_loop(qtbot: QtBot, qapp: QApplication, signum: int) -> None:
    before = signal.getsignal(signum)
    watcher = QuitSignals()
    try:
        with qtbot.waitSignal(watcher.received, timeout=2000) as received:
            os.kill(os.getpid(), signum)
        assert received.args == [signum]
    finally:
        watcher.close()
    assert signal.getsignal(signum) is before
