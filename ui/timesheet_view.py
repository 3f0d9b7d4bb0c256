"""The timesheet: a billing week Monday to Sunday, hours per contract per day, with totals."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from diary.times import WEEK, week_start
from tracker.clock import Clock
from tracker.durations import clock_text
from tracker.records import Contract
from tracker.store import Store
from tracker.week import views_until

OVER_LIMIT = QColor("#f6dcb3")


class TimesheetView(QWidget):
    """Rows are contracts, columns the week's days and the total; the last row sums them."""

    def __init__(self, store: Store, clock: Clock, parent: QWidget | None = None) -> None:
        # A window of its own, owned by the main window (so it goes when that goes).
        super().__init__(parent, Qt.WindowType.Window)
        self._store = store
        self._clock = clock
        self._week = week_start(clock.now())
        self.setWindowTitle("Timesheet")
        self.previous_week = QPushButton("◀ Previous week")
        self.next_week = QPushButton("Next week ▶")
        self.title = QLabel()
        self.local_time = QCheckBox("Days in local time")
        self.local_time.setToolTip(
            "The billing week runs Monday to Sunday in UTC; this only changes which day "
            "each segment is shown on."
        )
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.previous_week)
        top.addWidget(self.title, 1, Qt.AlignmentFlag.AlignCenter)
        top.addWidget(self.next_week)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.local_time)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.warnings)
        self._connect_signals()
        self.reload()

    def _connect_signals(self) -> None:
        self.previous_week.clicked.connect(self.on_previous_week_clicked)
        self.next_week.clicked.connect(self.on_next_week_clicked)
        self.local_time.toggled.connect(lambda _: self.reload())

    @Slot()
    def on_previous_week_clicked(self) -> None:
        self._week -= WEEK
        self.reload()

    @Slot()
    def on_next_week_clicked(self) -> None:
        self._week += WEEK
        self.reload()

    def week(self) -> datetime:
        return self._week

    def _day_of(self, when: datetime) -> int:
        """Which column (0 = Monday) a segment starting at ``when`` is shown in."""
        if self.local_time.isChecked():
            local = when.astimezone()
            monday = self._week.astimezone().date()
            return (local.date() - monday).days
        return (when - self._week).days

    def reload(self) -> None:
        start = self._week
        year, number, _ = start.isocalendar()
        last = start + WEEK - timedelta(days=1)
        self.title.setText(
            f"Week {year}-W{number:02d}: {start:%a %d %b} to {last:%a %d %b %Y} (UTC)"
        )
        contracts = self._store.contracts()
        days = [start + timedelta(days=d) for d in range(7)]
        self.table.clear()
        self.table.setColumnCount(8)
        self.table.setRowCount(len(contracts) + 1)
        self.table.setHorizontalHeaderLabels([f"{d:%a %d}" for d in days] + ["Total"])
        self.table.setVerticalHeaderLabels([c.title for c in contracts] + ["All contracts"])
        totals = [0] * 8
        warnings = []
        for row, contract in enumerate(contracts):
            seconds = self._contract_week(contract, start)
            for column, value in enumerate(seconds):
                totals[column] += value
                self._set(row, column, value)
            if contract.weekly_limit_minutes and seconds[7] >= contract.weekly_limit_minutes * 60:
                total = self.table.item(row, 7)
                if total is not None:
                    total.setBackground(OVER_LIMIT)
                warnings.append(
                    f"{contract.title}: the weekly limit of {contract.weekly_limit_minutes / 60:g} h "
                    "is reached; time over it is not billed."
                )
        for column, value in enumerate(totals):
            self._set(len(contracts), column, value, bold=True)
        self.warnings.setText("\n".join(warnings))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def _contract_week(self, contract: Contract, start: datetime) -> list[int]:
        """Billable seconds by day (0-6) and for the week (7); open segments count until now."""
        by_day = [0] * 8
        for view in views_until(self._store, start, start + WEEK, self._clock.now(), contract.id):
            by_day[min(6, max(0, self._day_of(view.segment.start)))] += view.billable_seconds
            by_day[7] += view.billable_seconds
        return by_day

    def _set(self, row: int, column: int, seconds: int, bold: bool = False) -> None:
        item = QTableWidgetItem(clock_text(seconds) if seconds else "—")
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        item.setData(Qt.ItemDataRole.UserRole, seconds)
        if bold:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        self.table.setItem(row, column, item)

    def text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def seconds(self, row: int, column: int) -> int:
        item = self.table.item(row, column)
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else 0
