"""The timesheet: a billing week Monday to Sunday, hours per contract per day, with totals, each
contract's hourly rate and weekly limit, and what the week earns."""

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
from tracker.week import views_until, week_earnings_cents

OVER_LIMIT = QColor("#f6dcb3")
#: Columns after the seven days.
TOTAL, EARNINGS = 7, 8
#: The widest a contract's title is shown in its row's heading, in pixels.
HEADING_WIDTH = 200
#: Pixels added to what rows and the total and earnings columns need, so that they do not touch.
AIR = 10
EARNINGS_TIP = (
    "Billable time of the billing week times the hourly rate, rounded to the cent once for the "
    "week. Deleted, idle-discarded and over-limit time is not billed."
)


def money_text(cents: int) -> str:
    """An amount as the app writes rates: "$1,234.50"."""
    return f"${cents // 100:,}.{cents % 100:02d}"


def limit_text(minutes: int) -> str:
    """A weekly limit: "40 h", "7 h 30 min"."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def contract_terms(contract: Contract) -> str:
    """The rate and the weekly limit, as a freelancer's timesheet shows them under the
    contract: "$45.00/h · limit 40 h", or "$45.00/h · no limit"."""
    limit = contract.weekly_limit_minutes
    return f"{money_text(contract.rate_cents)}/h · " + (
        f"limit {limit_text(limit)}" if limit else "no limit"
    )


class TimesheetView(QWidget):
    """Rows are contracts (titled with their rate and weekly limit), columns the week's days,
    the total and what the week earns; the last row sums the hours and the earnings."""

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
        weeks = {c.id: self._contract_week(c, start) for c in self._store.contracts()}
        # An archived contract shows only in the weeks it has time in.
        contracts = [
            c
            for c in self._store.contracts()
            if c.archived_at is None or any(weeks[c.id][: TOTAL + 1])
        ]
        self.table.clear()
        self.table.setColumnCount(EARNINGS + 1)
        self.table.setRowCount(len(contracts) + 1)
        self._set_headings(contracts, start)
        totals, earned = [0] * 8, 0
        warnings = []
        for row, contract in enumerate(contracts):
            seconds = weeks[contract.id]
            totals = [a + b for a, b in zip(totals, seconds, strict=True)]
            earned += self._fill_row(row, contract, seconds)
            limit = contract.weekly_limit_minutes
            if limit and seconds[TOTAL] >= limit * 60:
                self._mark_limit_reached(row)
                warnings.append(
                    f"{contract.title}: the weekly limit of {limit_text(limit)} is reached; "
                    "time over it is not billed."
                )
        for column, value in enumerate(totals):
            self._set(len(contracts), column, value, bold=True)
        # Each contract's week is rounded on its own (that is what each one pays); the total is
        # the sum of those amounts, in cents, so it always matches the rows above it.
        self._set_earnings(len(contracts), earned, totals[TOTAL] > 0, bold=True)
        self.warnings.setText("\n".join(warnings))
        self._size_sections()

    def _set_headings(self, contracts: list[Contract], start: datetime) -> None:
        days = [f"{start + timedelta(days=d):%a %d}" for d in range(7)]
        self.table.setHorizontalHeaderLabels([*days, "Total", "Earnings"])
        earnings = self.table.horizontalHeaderItem(EARNINGS)
        if earnings is not None:
            earnings.setToolTip(EARNINGS_TIP)
        for row, contract in enumerate(contracts):
            self.table.setVerticalHeaderItem(row, self._heading(contract))
        self.table.setVerticalHeaderItem(len(contracts), QTableWidgetItem("All contracts"))

    def _fill_row(self, row: int, contract: Contract, seconds: list[int]) -> int:
        """Show a contract's week; return what it earns, in cents."""
        for column, value in enumerate(seconds):
            self._set(row, column, value)
        cents = week_earnings_cents(seconds[TOTAL], contract.rate_cents)
        self._set_earnings(row, cents, seconds[TOTAL] > 0)
        return cents

    def _heading(self, contract: Contract) -> QTableWidgetItem:
        """The contract's title over its terms; a long title is cut short so that the week
        keeps its room, and shown whole with the client in the tooltip."""
        metrics = self.table.verticalHeader().fontMetrics()
        title = metrics.elidedText(contract.title, Qt.TextElideMode.ElideRight, HEADING_WIDTH)
        item = QTableWidgetItem(f"{title}\n{contract_terms(contract)}")
        item.setToolTip(f"{contract.title} — {contract.client}")
        return item

    def _mark_limit_reached(self, row: int) -> None:
        item = self.table.item(row, TOTAL)
        if item is not None:
            item.setBackground(OVER_LIMIT)
            item.setToolTip("The weekly limit is reached: time over it is not billed.")

    def _size_sections(self) -> None:
        """Rows as tall as their two-line headings; the week's total and earnings as wide as
        they need, with some air; the days share the rest."""
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        for row in range(self.table.rowCount()):
            self.table.resizeRowToContents(row)
            rows.resizeSection(row, rows.sectionSize(row) + AIR)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for column in (TOTAL, EARNINGS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.table.resizeColumnToContents(column)
            header.resizeSection(column, header.sectionSize(column) + AIR)

    def _contract_week(self, contract: Contract, start: datetime) -> list[int]:
        """Billable seconds by day (0-6) and for the week (7); open segments count until now."""
        by_day = [0] * 8
        for view in views_until(self._store, start, start + WEEK, self._clock.now(), contract.id):
            by_day[min(6, max(0, self._day_of(view.segment.start)))] += view.billable_seconds
            by_day[7] += view.billable_seconds
        return by_day

    def _set(self, row: int, column: int, seconds: int, bold: bool = False) -> None:
        self._set_text(row, column, clock_text(seconds) if seconds else "—", seconds, bold)

    def _set_earnings(self, row: int, cents: int, billed: bool, bold: bool = False) -> None:
        """What a row earns; "—" when it has no billable time (and "$0.00" when its time earns
        nothing, at a rate of 0)."""
        self._set_text(row, EARNINGS, money_text(cents) if billed else "—", cents, bold)

    def _set_text(
        self, row: int, column: int, text: str, value: int = 0, bold: bool = False
    ) -> None:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        item.setData(Qt.ItemDataRole.UserRole, value)
        if bold:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        self.table.setItem(row, column, item)

    def text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def seconds(self, row: int, column: int) -> int:
        return self._value(row, column)

    def heading(self, row: int) -> str:
        item = self.table.verticalHeaderItem(row)
        return item.text() if item is not None else ""

    def earnings_cents(self, row: int) -> int:
        """What the row's contract (or, on the last row, every contract) earns this week."""
        return self._value(row, EARNINGS)

    def _value(self, row: int, column: int) -> int:
        item = self.table.item(row, column)
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else 0
