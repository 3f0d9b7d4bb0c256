"""Deleting segments from the diary: how many, what it means, and the reason the client sees."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tracker.edits import REASON_MAX


def segments_text(count: int) -> str:
    return f"{count} segment" if count == 1 else f"{count} segments"


class DeleteDialog(QDialog):
    """Asks "Delete 3 segments?" and why; Delete stays off until a reason is written.

    Signals: ``confirmed(str)`` (the reason, trimmed) when the user chose Delete."""

    confirmed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = QLabel()
        font = self.question.font()
        font.setBold(True)
        self.question.setFont(font)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setMaxLength(REASON_MAX)
        self.reason.setPlaceholderText("For example: a private call, tracked by mistake")
        reason_label = QLabel("&Reason (your client sees it):")
        reason_label.setBuddy(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = self.buttons.addButton(
            "Delete", QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.explanation)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.reason.textChanged.connect(self.on_reason_changed)
        self.buttons.accepted.connect(self.on_delete_clicked)
        self.buttons.rejected.connect(self.reject)

    def ask(self, count: int) -> None:
        """Open for ``count`` segments, with the reason empty."""
        title = f"Delete {segments_text(count)}?"
        self.setWindowTitle(title)
        self.question.setText(title)
        self.explanation.setText(
            f"{'Its' if count == 1 else 'Their'} time and activity will no longer count. The "
            "deletion is recorded and signed with your reason: your client sees that the time "
            "was deleted, and why."
        )
        self.reason.clear()
        self.on_reason_changed("")
        self.reason.setFocus()
        self.adjustSize()  # room for wrapped notes, at the width they now need
        self.open()

    @Slot(str)
    def on_reason_changed(self, text: str) -> None:
        self.delete_button.setEnabled(bool(text.strip()))

    @Slot()
    def on_delete_clicked(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            return  # Enter in an empty field: Delete is off, and so is this
        self.accept()
        self.confirmed.emit(reason)
