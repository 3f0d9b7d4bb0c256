"""Asks the client to confirm a dispute: which segments, the amount a dispute would hold in
escrow, which of them are protected (they stay payable unless a mediator rules otherwise),
and the reason the freelancer and the mediator will read."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from diary.rules import amount_cents
from tracker.durations import clock_text

from .review_source import ReviewedSegment
from .timesheet_view import money_text


def dispute_summary(chosen: list[ReviewedSegment], rate_cents: int) -> str:
    """What a dispute of ``chosen`` does to the money, in words: the client reads it before
    confirming."""
    held = [s for s in chosen if not s.protected]
    protected = [s for s in chosen if s.protected]
    seconds = sum(s.billable_seconds for s in held)
    lines = [
        f"Dispute {len(chosen)} segment(s), "
        f"{clock_text(sum(s.billable_seconds for s in chosen))} billable.",
        f"{money_text(amount_cents(seconds, rate_cents))} would be held in escrow until a "
        "mediator decides; the rest of the week is paid as usual.",
    ]
    if protected:
        times = ", ".join(f"{s.start:%a %H:%M}" for s in protected)
        one = len(protected) == 1
        lines.append(
            f"{len(protected)} of them {'is' if one else 'are'} protected (their evidence meets "
            "the rule: tracked, verified, on time, with a memo, a screenshot and activity), so "
            f"{'it stays' if one else 'they stay'} payable unless a mediator rules otherwise: "
            f"{times} UTC."
        )
    lines.append("The freelancer sees the dispute and your reason, and may answer.")
    return "\n\n".join(lines)


class DisputeDialog(QDialog):
    """Signals: ``confirmed(list, str)``: the segments' ids and the reason."""

    confirmed = Signal(list, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dispute segments")
        self.setMinimumWidth(460)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(
            "Why: what you expected and what the diary shows (the freelancer and the "
            "mediator read this)"
        )
        self.reason.setTabChangesFocus(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.dispute_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.dispute_button.setText("&Dispute")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        label = QLabel("&Reason:")
        label.setBuddy(self.reason)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.on_accepted)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(self._update)
        self._segments: list[str] = []

    def ask(self, chosen: list[ReviewedSegment], rate_cents: int) -> None:
        self._segments = [s.id for s in chosen]
        self.summary.setText(dispute_summary(chosen, rate_cents))
        self.reason.clear()
        self._update()
        self.open()
        self.reason.setFocus()

    def _update(self) -> None:
        self.dispute_button.setEnabled(bool(self.reason.toPlainText().strip()))

    @Slot()
    def on_accepted(self) -> None:
        reason = self.reason.toPlainText().strip()
        if not reason:
            return
        self.accept()
        self.confirmed.emit(list(self._segments), reason)
