"""A week under review, as its client sees it: the verdict, totals and amount in a header, the
days in the diary's own cells (verified or failed, protection and flags on each), and the
actions a client takes (approve the week, dispute chosen segments, save a report)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from diary.times import parse_timestamp
from tracker.day_grid import grid_rows
from tracker.durations import clock_text
from tracker.zones import LOCAL, UTC_ZONE, Zone

from .day_grid_view import DayGrid
from .diary_cells import Legend
from .review_source import REVIEW_BADGES, ReviewedSegment, ReviewSource
from .timesheet_view import money_text

#: The week's states in which its client may still act (docs/api.md, "Billing weeks").
APPROVABLE = ("in-review",)
DISPUTABLE = ("in-review", "disputed")


class ReviewView(QWidget):
    """Signals: ``approve_requested()``, ``dispute_requested(list)`` (the chosen segments),
    ``report_requested()``. ``week`` is the marketplace's view of the week (None for a bundle
    opened from a file, which is read-only)."""

    approve_requested = Signal()
    dispute_requested = Signal(list)
    report_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source: ReviewSource | None = None
        self.week: dict[str, Any] | None = None
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.money = QLabel()
        self.money.setWordWrap(True)
        self.days = QTabBar()
        self.days.setExpanding(False)
        self.zone_picker = QComboBox()
        self.zone_picker.addItem("UTC", UTC_ZONE)
        self.zone_picker.addItem("Local time", LOCAL)
        self.zone_picker.setToolTip("Billing weeks run Monday to Sunday in UTC.")
        self.legend = Legend()
        self.signs = Legend(states=False)  # a line of its own: both would not fit in one
        self.signs.set_badges(REVIEW_BADGES)
        self.grid = DayGrid("Nothing was recorded on this day.")
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.approve_button = QPushButton("Approve week…")
        self.dispute_button = QPushButton("Dispute selected…")
        self.report_button = QPushButton("Save report…")
        self.message = QLabel()
        self.message.setWordWrap(True)
        day_row = QHBoxLayout()
        day_row.addWidget(self.days, 1)
        day_row.addWidget(self.zone_picker)
        actions = QHBoxLayout()
        for button in (self.approve_button, self.dispute_button, self.report_button):
            actions.addWidget(button)
        actions.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        for label in (self.heading, self.verdict, self.totals, self.money):
            layout.addWidget(label)
        layout.addLayout(day_row)
        layout.addWidget(self.legend)
        layout.addWidget(self.signs)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.details)
        layout.addLayout(actions)
        self.days.currentChanged.connect(lambda _: self.show_day())
        self.zone_picker.currentIndexChanged.connect(lambda _: self.show_day())
        self.grid.selection_changed.connect(self.on_selection_changed)
        self.approve_button.clicked.connect(self.approve_requested)
        self.dispute_button.clicked.connect(
            lambda: self.dispute_requested.emit([s.id for s in self.selected()])
        )
        self.report_button.clicked.connect(self.report_requested)

    # Showing -----------------------------------------------------------------------------------

    def show_review(
        self, source: ReviewSource, heading: str, week: dict[str, Any] | None = None
    ) -> None:
        """Show a reviewed week: from the marketplace (``week`` its state and money) or a file."""
        previous, self.source, self.week = self.source, source, week
        self.grid.selected_keys = []
        self.heading.setText(heading)
        self._describe()
        self.days.blockSignals(True)
        try:
            while self.days.count():
                self.days.removeTab(0)
            busiest, most = 0, -1
            for index, day in enumerate(source.days()):
                seconds = sum(
                    s.billable_seconds
                    for s in source.segments
                    if s.start.date() == day and s.verified
                )
                # A day with no verified time is its date alone: seven tabs fit the window.
                self.days.addTab(f"{day:%a %d}" + (f" · {clock_text(seconds)}" if seconds else ""))
                self.days.setTabData(index, day)
                if seconds > most:
                    busiest, most = index, seconds
            self.days.setCurrentIndex(busiest)
        finally:
            self.days.blockSignals(False)
        self.show_day()
        if previous is not None and previous is not source:
            previous.close()

    @property
    def zone(self) -> Zone:
        zone = self.zone_picker.currentData()
        assert isinstance(zone, Zone)
        return zone

    def day(self) -> date | None:
        found = self.days.tabData(self.days.currentIndex())
        return found if isinstance(found, date) else None

    def show_day(self) -> None:
        day = self.day()
        if self.source is None or day is None:
            return
        cells = self.source.day_cells(self.zone, day)
        self.grid.show_rows(
            grid_rows(self.zone, day, cells, lambda c: c.start), self.zone, keep_scroll=False
        )
        self._update_actions()

    def _describe(self) -> None:
        assert self.source is not None
        review = self.source.review
        totals = review["totals"]
        flagged = sum(1 for s in self.source.segments if s.facts["flags"])
        failed = sum(1 for s in self.source.segments if not s.verified)
        if review["ok"]:
            self.verdict.setText(
                "✓ The week verifies: "
                + (
                    "its one segment is"
                    if len(self.source.segments) == 1
                    else f"every one of its {len(self.source.segments)} segments is"
                )
                + " exactly what the freelancer's device signed."
                + (f" {flagged} segment(s) carry observations (⚑)." if flagged else "")
            )
        else:
            self.verdict.setText(
                f"✗ The week does NOT verify: {review['failures']} failure(s); {failed} "
                "segment(s) failed and do not count (✗, the reason in each). Approval waits "
                "until it is put right."
            )
        self.totals.setText(
            f"Tracked {clock_text(totals['tracked_seconds'])} · manual "
            f"{clock_text(totals['manual_seconds'])} · deleted "
            f"{clock_text(totals['deleted_seconds'])} · idle discarded "
            f"{clock_text(totals['idle_discarded_seconds'])} · over the limit "
            f"{clock_text(totals['over_limit_seconds'])}"
        )
        verified, protected = totals["verified_billable_seconds"], totals["protected_seconds"]
        amount = totals["amount_cents"]
        if amount is None:
            self.money.setText(
                f"Verified billable {clock_text(verified)} · protected {clock_text(protected)} "
                "(no rate known: open it with a rate for amounts)"
            )
            return
        text = (
            f"Verified billable {clock_text(verified)} = {money_text(amount)} · protected "
            f"{clock_text(protected)} = {money_text(totals['protected_cents'])}"
        )
        if self.week is not None and self.week["state"] == "open":
            week = self.week
            text += (
                f"\nWeek {week['week']} is open: the freelancer's time may still change. It "
                f"locks for review on {_when(week['locks_at'])} and can be reviewed until "
                f"{_when(week['review_deadline'])}; its amount moves to escrow then."
            )
        elif self.week is not None:
            week = self.week
            text += (
                f"\nWeek {week['week']} is {week['state']}: in escrow "
                f"{money_text(week['escrow_cents'])}, held {money_text(week['held_cents'])}, "
                f"released {money_text(week['released_cents'])}, refunded "
                f"{money_text(week['refunded_cents'])}. Review until "
                f"{_when(week['review_deadline'])}."
            )
        self.money.setText(text)

    # Selection and actions ---------------------------------------------------------------------

    def selected(self) -> list[ReviewedSegment]:
        return [c.subject for c in self.grid.selected()]

    @Slot()
    def on_selection_changed(self) -> None:
        self._update_actions()

    def _update_actions(self) -> None:
        latest = self.grid.latest_selected()
        self.details.setVisible(latest is not None)
        self.details.setText("" if latest is None else latest.details)
        selected = self.selected()
        state = None if self.week is None else self.week["state"]
        ok = self.source is not None and bool(self.source.review["ok"])
        self.approve_button.setVisible(self.week is not None)
        self.dispute_button.setVisible(self.week is not None)
        rest = state == "disputed" and not bool((self.week or {}).get("rest_approved"))
        self.approve_button.setText("Approve the rest…" if state == "disputed" else "Approve week…")
        self.approve_button.setEnabled(ok and (state in APPROVABLE or rest))
        self.dispute_button.setEnabled(
            state in DISPUTABLE and bool(selected) and not (self.week or {}).get("rest_approved")
        )
        if self.week is None:
            why = "Opened from a file: read-only. Click segments to see them in full."
        elif not ok:
            why = "The week does not verify: approval is refused until it is put right."
        elif state == "open" and self.week is not None:
            why = f"The week is open: approve or dispute it from {_when(self.week['locks_at'])}."
        elif state not in DISPUTABLE:
            why = f"The week is {state}: there is nothing to approve or dispute now."
        elif (self.week or {}).get("rest_approved"):
            why = "You approved the rest of the week: a mediator decides what is disputed."
        elif selected:
            why = f"{len(selected)} selected"
        else:
            why = "Click segments to select them for a dispute."
        self.message.setText(why)


def _when(stamp: str) -> str:
    """A marketplace time as the header writes it: "Mon 2026-12-07 12:00 UTC"."""
    moment = parse_timestamp(stamp)
    return f"{moment:%a %Y-%m-%d %H:%M} UTC"
