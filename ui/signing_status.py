"""The signing runner's reports, carried from its thread to the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from sync.signing import SigningReport


class SigningStatus(QObject):
    """Signals: ``changed(object)``, each round's SigningReport (signing, then sync); emitted
    from the runner's thread, so connections to widgets are queued to the GUI thread."""

    changed = Signal(object)

    def report(self, report: SigningReport) -> None:
        self.changed.emit(report)
