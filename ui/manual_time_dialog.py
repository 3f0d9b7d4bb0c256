"""Add manual time: a contract that allows it, a day, from and to, and a memo."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, QTime, Signal, Slot
from PySide6.QtGui import QKeyEvent
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
from tracker.zones import LOCAL, Zone

from .combo import chosen_id
from .dates import day_format
from .messages import explain
from .refusal_label import RefusalLabel

#: Why no contract is offered. Contracts are the freelancer's own so far, so the freelancer
#: decides; a marketplace contract's client decides for it.
NO_MANUAL_TIME = (
    "No contract allows manual time. For your own contracts you decide: tick “Manual time "
    "allowed” in Edit contract, in the main window. On a marketplace, the client decides."
)


class TimeField(QTimeEdit):
    """A time that takes typed digits wherever the cursor is: "1430" or "14:30" is 14:30.

    A QTimeEdit types into a section only while that section is selected; with the cursor
    merely placed in it (after a click), digits are refused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("HH:mm")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text().isdigit():
            field = self.lineEdit()
            if field.hasSelectedText() and field.selectedText() == field.text():
                # Everything selected (Ctrl+A, or tabbing in): a new time, from its hour.
                self.setSelectedSection(QTimeEdit.Section.HourSection)
            else:
                section = self.currentSection()
                # A section already full (not one being typed into, "1" of "14") is typed over.
                if len(self.sectionText(section)) >= 2 and not field.hasSelectedText():
                    self.setSelectedSection(section)
        super().keyPressEvent(event)


def last_ten_minutes(now: datetime, zone: Zone) -> tuple[datetime, datetime]:
    """The last whole ten minutes before ``now`` on ``zone``'s clock: 14:37 gives 14:20-14:30."""
    wall = zone.wall(now)
    end = wall.replace(minute=wall.minute - wall.minute % 10, second=0, microsecond=0)
    return end - timedelta(minutes=10), end


class ManualTimeDialog(QDialog):
    """Signals: ``added()`` once manual segments were added."""

    added = Signal()

    def __init__(self, store: Store, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._clock = clock
        self._zone = LOCAL
        self.setWindowTitle("Add manual time")
        self.setMinimumWidth(26 * self.fontMetrics().height())
        self.contract = QComboBox()
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat(day_format())
        self.start = TimeField()
        self.end = TimeField()
        self.end.setToolTip("00:00 is midnight at the end of the day")
        self.memo = QLineEdit()
        self.memo.setPlaceholderText("What did you work on?")
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.error = RefusalLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        form = QFormLayout(self)
        form.addRow(self.about)
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

    def ask(self, day: date, zone: Zone = LOCAL) -> None:
        """Open for a day on ``zone``'s clock, with the contracts as they are now, set to the
        last whole ten minutes (on the day before, just after midnight)."""
        self._zone = zone
        self.contract.clear()
        for contract in self._store.contracts(archived=False):
            if contract.manual_allowed:
                self.contract.addItem(f"{contract.title} — {contract.client}", contract.id)
        none = self.contract.count() == 0
        self.error.say(NO_MANUAL_TIME if none else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not none)
        now = self._clock.now()
        start, end = last_ten_minutes(now, zone)
        if day == zone.today(now):
            day = start.date()
        self.about.setText(
            "Manual time is shown as manual everywhere and is not covered by payment "
            f"protection. Times are {'local time' if zone.local else 'UTC'}"
            + (f" ({zone.name(now)})." if zone.local else ".")
        )
        self.day.setDate(QDate(day.year, day.month, day.day))
        self.set_times(QTime(start.hour, start.minute), QTime(end.hour, end.minute))
        self.adjustSize()  # room for wrapped notes, at the width they now need
        self.open()

    def _day(self) -> date:
        qdate = self.day.date()
        return date(qdate.year(), qdate.month(), qdate.day())

    def period(self) -> tuple[datetime, datetime]:
        """From and To as UTC moments; To at 00:00 after a later From is the day's end."""
        day, start, end = self._day(), _time(self.start), _time(self.end)
        end_day = day + timedelta(days=1) if end == time() and start != time() else day
        return self._zone.moment(day, start), self._zone.moment(end_day, end)

    @Slot()
    def on_add_clicked(self) -> None:
        start, end = self.period()
        try:
            add_manual_time(
                self._store,
                chosen_id(self.contract) or 0,
                start,
                end,
                self.memo.text(),
                self._clock.now(),
            )
        except TrackerError as error:
            self.error.say(explain(error))
            return
        self.accept()
        self.added.emit()

    def set_times(self, start: QTime, end: QTime) -> None:
        self.start.setTime(start)
        self.end.setTime(end)


def _time(edit: QTimeEdit) -> time:
    chosen = edit.time()
    return time(chosen.hour(), chosen.minute())
