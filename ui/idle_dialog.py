"""The question after idle time: "You were idle from 10:40 to 11:05 (25 min): Keep / Discard"."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


def idle_text(start: datetime, end: datetime) -> str:
    minutes = int((end - start).total_seconds() // 60)
    local_start, local_end = start.astimezone(), end.astimezone()
    return (
        f"You were idle from {local_start:%H:%M} to {local_end:%H:%M} ({minutes} min). "
        "Keep that time, or discard it? Discarded minutes are not billed."
    )


class IdleDialog(QDialog):
    """Asks about one idle period at a time; later questions wait their turn.

    Signals: ``answered(int, bool)``, the idle period's id and whether to keep the time.
    """

    answered = Signal(int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Dialog | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle("Idle time")
        self._queue: list[tuple[int, datetime, datetime]] = []
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.keep_button = QPushButton("Keep")
        self.discard_button = QPushButton("Discard")
        self.keep_button.setAutoDefault(False)
        self.discard_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.discard_button)
        self.text.setMinimumWidth(28 * self.fontMetrics().averageCharWidth() * 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.keep_button.clicked.connect(self.on_keep_clicked)
        self.discard_button.clicked.connect(self.on_discard_clicked)

    def ask(self, period_id: int, start: datetime, end: datetime) -> None:
        self._queue.append((period_id, start, end))
        if len(self._queue) == 1:
            self._show_first()

    def _show_first(self) -> None:
        _, start, end = self._queue[0]
        self.text.setText(idle_text(start, end))
        self.adjustSize()
        self.show()
        self.raise_()

    @Slot()
    def on_keep_clicked(self) -> None:
        self._answer(True)

    @Slot()
    def on_discard_clicked(self) -> None:
        self._answer(False)

    def reject(self) -> None:
        """Closing the window is no answer: the question stays until it is answered."""

    def _answer(self, keep: bool) -> None:
        period_id, _, _ = self._queue.pop(0)
        self.answered.emit(period_id, keep)
        if self._queue:
            self._show_first()
        else:
            self.hide()
