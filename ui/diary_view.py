"""The work diary: a day's segments in rows of an hour, six cells a row, with edits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from composition import own_command
from diary.records import SegmentState
from tracker.clock import Clock
from tracker.day_grid import HourRow, day_slots, grid_rows
from tracker.durations import clock_text
from tracker.edits import delete_segments, edit_memo
from tracker.errors import TrackerError
from tracker.store import Store
from tracker.views import SegmentView
from tracker.week import billable_seconds_between
from tracker.zones import LOCAL, UTC_ZONE, Zone

from .cell_content import CellContent
from .combo import ALL, chosen_id
from .commands import CommandRunner, problem_text
from .dates import day_format
from .day_grid_view import DayGrid
from .delete_dialog import DeleteDialog
from .diary_cells import Legend, SegmentCell
from .diary_source import DiarySource
from .messages import explain

if TYPE_CHECKING:
    from .manual_time_dialog import ManualTimeDialog


class DiaryView(QWidget):
    """Signals: ``changed()`` after any edit (totals refresh, the edit gets signed).

    ``reload()`` may be called at any moment (the app calls it when the database changes):
    the selection, the scroll position and what an open dialog acts on all stay."""

    changed = Signal()

    def __init__(
        self, store: Store, clock: Clock, data_dir: Path, parent: QWidget | None = None
    ) -> None:
        # A window of its own, owned by the main window (so it goes when that goes).
        super().__init__(parent, Qt.WindowType.Window)
        self._store = store
        self._clock = clock
        self._data_dir = data_dir
        self.source = DiarySource(store, data_dir)
        #: The day and zone the grid was built for: the scroll position is kept within a day.
        self._day_shown: tuple[date, Zone] | None = None
        #: The segments an open dialog acts on, fixed when it opened.
        self._delete_target: list[str] = []
        self._memo_target: list[str] = []
        #: Why the last edit was refused, or what an answer to a dispute came to; shown until
        #: the next thing the user does, since reloads come on their own.
        self._note = ""

        self.setWindowTitle("Work diary")
        self._build()
        self._connect_signals()
        self.show_day(self.zone.today(clock.now()))

    def _build(self) -> None:
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat(f"ddd {day_format()}")
        self.previous_day = QPushButton("◀")
        self.previous_day.setToolTip("Previous day (Alt+Left)")
        self.previous_day.setShortcut(QKeySequence("Alt+Left"))
        self.next_day = QPushButton("▶")
        self.next_day.setToolTip("Next day (Alt+Right)")
        self.next_day.setShortcut(QKeySequence("Alt+Right"))
        self.zone_picker = QComboBox()
        self.zone_picker.addItem("Local time", LOCAL)
        self.zone_picker.addItem("UTC", UTC_ZONE)
        self.zone_picker.setToolTip(
            "How times are shown, and which hours make the day. The billing week runs Monday "
            "to Sunday in UTC whatever is shown here (the timesheet counts it)."
        )
        self.zone_note = QLabel()
        self.contract = QComboBox()
        self.total = QLabel()
        top = QHBoxLayout()
        for widget in (self.previous_day, self.day, self.next_day, self.zone_picker):
            top.addWidget(widget)
        top.addWidget(self.zone_note)
        top.addWidget(self.contract)
        top.addStretch(1)
        top.addWidget(self.total)
        self.grid = DayGrid("Nothing recorded on this day.")
        # The whole memo of the latest selected segment: a cell has room for one line of it.
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.delete_button = QPushButton("Delete selected…")
        self.memo_button = QPushButton("Edit memo…")
        self.manual_button = QPushButton("Add manual time…")
        # A disputed segment's answer to the client (the comment command, in a process).
        self.answer_button = QPushButton("Answer the dispute…")
        self.answer_dialog = QInputDialog(self)
        self.answer_dialog.setWindowTitle("Answer the dispute")
        self.answer_dialog.setLabelText(
            "Your answer to the client's dispute (the client and the mediator read it):"
        )
        self._commands = CommandRunner([*own_command(), "--data-dir", str(self._data_dir)], self)
        self.message = QLabel()
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.delete_button)
        actions.addWidget(self.memo_button)
        actions.addWidget(self.manual_button)
        actions.addWidget(self.answer_button)
        actions.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        self.legend = Legend()
        layout.addWidget(self.legend)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.details)
        layout.addLayout(actions)
        self.delete_dialog = DeleteDialog(self)
        self.memo_dialog = QInputDialog(self)
        self.memo_dialog.setWindowTitle("Edit memo")
        self.memo_dialog.setLabelText("New memo for the selected segments:")
        self._manual_dialog: ManualTimeDialog | None = None
        self._fill_contracts()

    def _connect_signals(self) -> None:
        self.day.dateChanged.connect(self.on_day_changed)
        self.previous_day.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(-1)))
        self.next_day.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(1)))
        self.zone_picker.currentIndexChanged.connect(lambda _: self.reload())
        self.contract.currentIndexChanged.connect(lambda _: self.reload())
        self.grid.selection_changed.connect(self.on_selection_changed)
        self.delete_button.clicked.connect(self.on_delete_clicked)
        self.memo_button.clicked.connect(self.on_memo_clicked)
        self.answer_button.clicked.connect(self.answer_dialog.open)
        self.answer_dialog.textValueSelected.connect(self.on_answer_chosen)
        self.delete_dialog.confirmed.connect(self.on_delete_confirmed)
        self.memo_dialog.textValueSelected.connect(self.on_memo_chosen)
        self.manual_button.clicked.connect(
            lambda: self.manual_dialog.ask(self.selected_date(), self.zone)
        )

    @property
    def manual_dialog(self) -> ManualTimeDialog:
        """Imported and made when first asked for, like the main window's dialogs."""
        if self._manual_dialog is None:
            from .manual_time_dialog import ManualTimeDialog

            self._manual_dialog = ManualTimeDialog(self._store, self._clock, self)
            self._manual_dialog.added.connect(self.on_manual_time_added)
        return self._manual_dialog

    # Contracts ---------------------------------------------------------------------------

    def _fill_contracts(self) -> None:
        self.contract.addItem("All contracts", ALL)
        for contract in self._store.contracts():
            self.contract.addItem(f"{contract.title} — {contract.client}", contract.id)

    def refresh_contracts(self) -> None:
        """Fill the contract picker again (a contract was added or changed), keeping the one
        chosen; if it is gone, show all contracts."""
        chosen = chosen_id(self.contract)
        self.contract.blockSignals(True)
        try:
            self.contract.clear()
            self._fill_contracts()
            self.contract.setCurrentIndex(max(0, self.contract.findData(chosen or ALL)))
        finally:
            self.contract.blockSignals(False)
        self.reload()  # names in the cells may have changed, or the choice fell back to all

    # Showing -----------------------------------------------------------------------------

    @property
    def zone(self) -> Zone:
        zone = self.zone_picker.currentData()
        assert isinstance(zone, Zone)
        return zone

    def set_zone(self, zone: Zone) -> None:
        self.zone_picker.setCurrentIndex(self.zone_picker.findData(zone))

    def show_day(self, day: date) -> None:
        """Show ``day`` as the chosen zone's clock reads it."""
        wanted = QDate(day.year, day.month, day.day)
        if self.day.date() == wanted:
            self.reload()
        else:
            self.day.setDate(wanted)  # which reloads

    def selected_date(self) -> date:
        qdate = self.day.date()
        return date(qdate.year(), qdate.month(), qdate.day())

    @Slot(QDate)
    def on_day_changed(self, _: QDate) -> None:
        self._note = ""
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()  # what was tracked while the window was hidden

    def reload(self) -> None:
        """Read the day again and show it; cheap when little changed (a cell's minute).

        A hidden diary waits: showing it reloads, and the database changes all day."""
        if not self.isVisible():
            return
        day, zone = self.selected_date(), self.zone
        first, end = day_slots(zone, day)
        self.source.contract = chosen_id(self.contract)
        cells = self.source.day_cells(zone, day)
        self.legend.set_badges(self.source.legend_badges())
        self.grid.show_rows(
            grid_rows(zone, day, cells, lambda c: c.start),
            zone,
            keep_scroll=self._day_shown == (day, zone),
        )
        self._day_shown = (day, zone)
        # The open segment counts up to now, as in the main window and the timesheet.
        counted = billable_seconds_between(
            self._store, first, end, self._clock.now(), chosen_id(self.contract)
        )
        self.total.setText(f"Day total: {clock_text(counted)} billable")
        self._describe_zone(zone, first, end)
        self._update_actions()

    def _describe_zone(self, zone: Zone, first: datetime, end: datetime) -> None:
        """Which clock the times are on; the day's length when the clocks change in it."""
        if not zone.local:
            self.zone_note.setText("")
            return
        last = end - timedelta(seconds=1)
        names = [zone.name(first), zone.name(last)]
        hours = round((end - first).total_seconds() / 3600)
        self.zone_note.setText(
            f"({names[0]})"
            if names[0] == names[1]
            else f"({names[0]}, then {names[1]}: {hours} hours)"
        )

    # The grid ------------------------------------------------------------------------------

    @property
    def cells(self) -> list[SegmentCell]:
        return self.grid.cells

    @property
    def rows(self) -> list[HourRow[CellContent]]:
        return self.grid.rows

    @property
    def empty(self) -> QLabel:
        return self.grid.empty

    @property
    def scroll_area(self) -> QScrollArea:
        return self.grid.scroll_area

    @property
    def viewer(self) -> QDialog:
        return self.grid.viewer

    @property
    def viewer_image(self) -> QLabel:
        return self.grid.viewer_image

    def selected_views(self) -> list[SegmentView]:
        return [c.subject for c in self.grid.selected()]

    def _update_actions(self) -> None:
        selected = self.selected_views()
        # Deleting what is deleted already would ask for a reason and change nothing, and a
        # deleted segment's memo no longer matters to anyone.
        live = [v for v in selected if v.state is not SegmentState.DELETED]
        self.delete_button.setEnabled(bool(live))
        self.memo_button.setEnabled(bool(live))
        self.message.setText(
            self._note
            or (f"{len(selected)} selected" if selected else "Click segments to select them.")
        )
        latest = self.grid.latest_selected()
        self.answer_button.setVisible(self._dispute() is not None)
        self.details.setVisible(latest is not None)
        self.details.setText("" if latest is None else latest.details)

    def _latest_selected(self) -> SegmentView | None:
        latest = self.grid.latest_selected()
        return None if latest is None else latest.subject

    # Acting ------------------------------------------------------------------------------

    @Slot()
    def on_selection_changed(self) -> None:
        self._note = ""
        self._update_actions()

    @Slot()
    def on_delete_clicked(self) -> None:
        self._delete_target = [
            v.segment.id for v in self.selected_views() if v.state is not SegmentState.DELETED
        ]
        self.delete_dialog.ask(len(self._delete_target))

    @Slot(str)
    def on_delete_confirmed(self, reason: str) -> None:
        ids = list(self._delete_target)
        self._edit(lambda: delete_segments(self._store, ids, self._clock.now(), reason))

    @Slot()
    def on_memo_clicked(self) -> None:
        self._memo_target = [
            v.segment.id for v in self.selected_views() if v.state is not SegmentState.DELETED
        ]
        latest = self._latest_selected()
        self.memo_dialog.setTextValue(latest.memo if latest is not None else "")
        self.memo_dialog.open()

    @Slot(str)
    def on_memo_chosen(self, memo: str) -> None:
        ids = list(self._memo_target)
        self._edit(lambda: edit_memo(self._store, ids, memo, self._clock.now()))

    def _dispute(self) -> str | None:
        """The dispute of the latest selected segment, if the client disputed it."""
        latest = self.grid.latest_selected()
        return None if latest is None else self.source.disputes.get(latest.key)

    @Slot(str)
    def on_answer_chosen(self, text: str) -> None:
        dispute = self._dispute()
        if dispute is None or not text.strip():
            return
        self.message.setText("Sending your answer to the marketplace…")

        def done(code: int, out: str, err: str) -> None:
            self._note = (
                " ".join(out.split()) if code == 0 else f"Not sent: {problem_text(err, code)}"
            )
            self._update_actions()

        self._commands.run(["comment", "--dispute", dispute, "--text", text.strip()], done)

    @Slot()
    def on_manual_time_added(self) -> None:
        self.reload()
        self.changed.emit()

    def _edit(self, action: Callable[[], object]) -> None:
        try:
            action()
        except TrackerError as error:
            self._note = explain(error)
            self._update_actions()
            return
        self._note = ""
        self.reload()
        self.changed.emit()
