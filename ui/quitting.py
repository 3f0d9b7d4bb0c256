"""The ways a person or the system asks the app to quit: Ctrl+Q in any of its windows, and
SIGTERM or SIGINT, each turned into one signal on the GUI thread."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from types import FrameType

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

QUIT_KEYS = QKeySequence("Ctrl+Q")
#: The signals that quit the app cleanly: the session ending, ``kill``, Ctrl+C in a terminal.
QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class QuitKeys(QObject):
    """Signals: ``pressed()`` when Ctrl+Q is pressed in any window of the app.

    An event filter on the application, not a shortcut: a shortcut belongs to one window (Ctrl+Q
    did nothing in the diary), and even an application-wide one is blocked while a modal dialog
    is open. Only key presses reach Python: the filter returns at once for every other event."""

    pressed = Signal()

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() is QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            if pressed.matches(QUIT_KEYS) is QKeySequence.SequenceMatch.ExactMatch:
                if not event.isAutoRepeat():
                    self.pressed.emit()
                return True
        return False


class QuitSignals(QObject):
    """Signals: ``received(int)`` (the signal's number) for SIGTERM and SIGINT.

    Python runs its signal handlers only between bytecodes, and Qt's event loop is C++: the
    C-level handler writes the signal's number to a socket (signal.set_wakeup_fd), whose
    notifier wakes the event loop at once. Nothing polls."""

    received = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self.on_readable)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        # A Python handler must be installed for the wakeup fd to be written; it does nothing,
        # the notifier does the work.
        self._previous = {signum: signal.signal(signum, _wake_only) for signum in QUIT_SIGNALS}

    @Slot()
    def on_readable(self) -> None:
        try:
            data = self._reader.recv(64)
        except BlockingIOError:
            return
        for signum in data:
            if signum in QUIT_SIGNALS:
                log.info("quitting on signal %s", signal.Signals(signum).name)
                self.received.emit(signum)

    def close(self) -> None:
        """Hand the signals back as they were (a second SIGINT then interrupts as usual)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for signum, handler in self._previous.items():
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(signum, handler)
        self._reader.close()
        self._writer.close()


def _wake_only(signum: int, frame: FrameType | None) -> None:
    """The notifier acts on the signal; this only lets CPython write it to the wakeup fd."""
