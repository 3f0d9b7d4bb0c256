"""Notices changes to the diary's database made elsewhere (the engine's thread, a command in a
terminal, another window), so that open views follow without a restart."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from tracker.errors import TrackerError
from tracker.store import Store

log = logging.getLogger(__name__)

#: How often to look. One PRAGMA on an open connection: microseconds.
CHECK_EVERY_MS = 1000


class DatabaseWatcher(QObject):
    """Signals: ``changed()`` when another connection has committed since the last look.

    SQLite's data_version changes only for other connections' commits, so the window's own
    edits (which refresh what they change themselves) do not echo back."""

    changed = Signal()

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._seen = store.data_version()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def check(self) -> None:
        try:
            version = self._store.data_version()
        except TrackerError as error:  # a database gone bad is reported where it is used
            log.warning("cannot read the database's version: %s", error)
            return
        if version != self._seen:
            self._seen = version
            self.changed.emit()
