"""A bug in one of the app's slots: logged with its traceback, shown in the window, and the app
goes on (the excepthook of ui/crash_reporter.py)."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from ui.crash_reporter import CrashReporter
from ui.main_window import MainWindow


class _Emitter(QObject):
    poked = Signal()


@pytest.mark.qt_no_exception_capture  # the reporter under test is what catches it here
def test_an_exception_in_a_slot_is_logged_and_shown(
    qtbot: QtBot, main_window: MainWindow, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_slot() -> None:
        raise ValueError("a bug in a slot")

    emitter = _Emitter()
    emitter.poked.connect(broken_slot)
    reporter = CrashReporter(main_window.show_message)
    reporter.install()
    try:
        emitter.poked.emit()  # Qt calls the slot, and hands its exception to the excepthook
        qtbot.waitUntil(main_window.message.isVisible)
    finally:
        reporter.uninstall()
    assert "Something went wrong inside Workdiary (ValueError: a bug in a slot)" in (
        main_window.message.text()
    )
    assert "workdiary.log" in main_window.message.text()
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None and "a bug in a slot" in str(record.exc_info[1])
    assert "broken_slot" in caplog.text  # the traceback, for the report
    assert main_window.start_button.isEnabled()  # the window still works


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_thread_is_shown_in_the_window(
    qtbot: QtBot, main_window: MainWindow, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("a bug on another thread")

    reporter = CrashReporter(main_window.show_message)
    reporter.install()
    try:
        thread = threading.Thread(target=broken)
        thread.start()
        thread.join()
        qtbot.waitUntil(main_window.message.isVisible)
    finally:
        reporter.uninstall()
    assert "RuntimeError: a bug on another thread" in main_window.message.text()
    assert "a bug on another thread" in caplog.text
