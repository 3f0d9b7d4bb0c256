"""Exceptions nobody caught in the app (in a slot, say): logged with their traceback in
workdiary.log and shown in the window, while the app goes on."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("workdiary")


def crash_message(error: BaseException) -> str:
    return (
        f"Something went wrong inside Workdiary ({type(error).__name__}: {error}). Nothing "
        "recorded so far is lost; the details are in workdiary.log in the data folder. Please "
        "report this with that file."
    )


class CrashReporter(QObject):
    """Signals: ``crashed(str)``, what to show the user (emitted from whichever thread raised,
    so connections to widgets are queued to the GUI thread)."""

    crashed = Signal(str)

    def __init__(self, show: Callable[[str], None]) -> None:
        super().__init__()
        self.crashed.connect(show)
        self._previous = sys.excepthook
        self._previous_thread_hook = threading.excepthook

    def install(self) -> None:
        """Qt hands exceptions raised in slots to sys.excepthook; threads have their own hook."""
        sys.excepthook = self.report
        threading.excepthook = lambda args: self.report(
            args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback
        )

    def uninstall(self) -> None:
        sys.excepthook = self._previous
        threading.excepthook = self._previous_thread_hook

    def report(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, error, trace)
            return
        log.error("unexpected error in the app", exc_info=(kind, error, trace))
        self.crashed.emit(crash_message(error))
