"""The sync status line's text, from the signing runner's reports (which arrive on its thread)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from sync.signing import SigningReport

from .messages import advice

NOT_CONNECTED = "Sync: not connected to a marketplace."


class SigningStatus(QObject):
    """Signals: ``changed(str)``, the whole status line; emitted from the runner's thread, so
    connections to widgets are queued to the GUI thread."""

    changed = Signal(str)

    def report(self, report: SigningReport) -> None:
        self.changed.emit(status_text(report))


def status_text(report: SigningReport) -> str:
    if report.problem:
        waiting = f"{report.waiting} record(s)" if report.waiting >= 0 else "Records"
        more = advice(report.code)
        return f"{NOT_CONNECTED} {waiting} wait to be signed: {report.problem}" + (
            f" {more}" if more else ""
        )
    return f"{NOT_CONNECTED} Everything recorded is signed on this device."
