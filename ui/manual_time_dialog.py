"""Add manual time: a contract that allows it, a day, from and to, and a memo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from PySide6.QtCore import QDate, QTime, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QWidget,
)

from tracker.clock import Clock
from tracker.edits import add_manual_time
from tracker.errors import TrackerError
from tracker.store import Store

from .messages import explain


class ManualTimeDialog(QDialog):
    """Signals: ``added()`` once manual segments were added."""

    added = Signal()

    def __init__(self, store: Store, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._clock = clock
        self.setWindowTitle("Add manual time")
        self.contract = QComboBox()
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.start = QTimeEdit()
        self.start.setDisplayFormat("HH:mm")
        self.end = QTimeEdit()
        self.end.setDisplayFormat("HH:mm")
        self.memo = QLineEdit()
        self.memo.setPlaceholderText("What did you work on?")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        form = QFormLayout(self)
        form.addRow(
            QLabel(
                "Manual time is shown as manual everywhere and is not covered by "
                "payment protection. Times are UTC."
            )
        )
        form.addRow("Contract", self.contract)
        form.addRow("Day", self.day)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        form.addRow("Memo", self.memo)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.on_add_clicked)
        self.buttons.rejected.connect(self.reject)

    def ask(self, day: date) -> None:
        """Open for a day, with the contracts as they are now."""
        self.contract.clear()
        for contract in self._store.contracts():
            if contract.manual_allowed:
                self.contract.addItem(f"{contract.title} — {contract.client}", contract.id)
        none = self.contract.count() == 0
        self.error.setText(
            "No contract allows manual time: the client decides that." if none else ""
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not none)
        self.day.setDate(QDate(day.year, day.month, day.day))
        self.open()

    def _moment(self, edit: QTimeEdit) -> datetime:
        qdate, qtime = self.day.date(), edit.time()
        return datetime.combine(
            date(qdate.year(), qdate.month(), qdate.day()),
            time(qtime.hour(), qtime.minute()),
            UTC,
        )

    @Slot()
    def on_add_clicked(self) -> None:
        try:
            add_manual_time(
                self._store,
                int(self.contract.currentData()),
                self._moment(self.start),
                self._moment(self.end),
                self.memo.text(),
                self._clock.now(),
            )
        except TrackerError as error:
            self.error.setText(explain(error))
            return
        self.accept()
        self.added.emit()

    def set_times(self, start: QTime, end: QTime) -> None:
        self.start.setTime(start)
        self.end.setTime(end)
