"""The work diary: a day's segments in rows of an hour, six cells a row, with edits."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from diary.records import SegmentState
from sync.segment_marks import SyncMark, linked, sync_marks
from tracker.clock import Clock
from tracker.day_grid import HourRow, day_rows, day_slots
from tracker.durations import clock_text
from tracker.edits import delete_segments, edit_memo
from tracker.errors import TrackerError
from tracker.store import Store
from tracker.views import SegmentView, segment_activity
from tracker.week import billable_seconds_between
from tracker.zones import LOCAL, UTC_ZONE, Zone

from .combo import ALL, chosen_id
from .dates import day_format
from .delete_dialog import DeleteDialog
from .diary_cells import STATE_LOOK, Legend, SegmentCell
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
        self.cells: list[SegmentCell] = []
        #: The hours shown, each with its slots.
        self.rows: list[HourRow] = []
        #: Selected segments by id, the latest last: they stay selected across reloads.
        self._selected: list[str] = []
        #: What the grid shows, slot by slot; a reload that changes none of it updates the
        #: cells in place instead of building them again.
        self._grid_key: Hashable = None
        #: The day and zone the grid was built for: the scroll position is kept within a day.
        self._day_shown: tuple[date, Zone] | None = None
        #: Where each shown segment stands with the marketplace (none: not signed in).
        self._marks: dict[str, SyncMark] = {}
        #: The segments an open dialog acts on, fixed when it opened.
        self._delete_target: list[str] = []
        self._memo_target: list[str] = []
        #: Why the last edit was refused; shown until the next thing the user does, since
        #: reloads come on their own.
        self._refusal = ""

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
        self.empty = QLabel("Nothing recorded on this day.")
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        # The whole memo of the latest selected segment: a cell has room for one line of it.
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.delete_button = QPushButton("Delete selected…")
        self.memo_button = QPushButton("Edit memo…")
        self.manual_button = QPushButton("Add manual time…")
        self.message = QLabel()
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.delete_button)
        actions.addWidget(self.memo_button)
        actions.addWidget(self.manual_button)
        actions.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        self.legend = Legend()
        layout.addWidget(self.legend)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.details)
        layout.addLayout(actions)
        self.delete_dialog = DeleteDialog(self)
        self.memo_dialog = QInputDialog(self)
        self.memo_dialog.setWindowTitle("Edit memo")
        self.memo_dialog.setLabelText("New memo for the selected segments:")
        self._manual_dialog: ManualTimeDialog | None = None
        self.viewer = QDialog(self)
        self.viewer.setWindowTitle("Screenshot")
        self.viewer_image = QLabel()
        QVBoxLayout(self.viewer).addWidget(self.viewer_image)
        self._fill_contracts()

    def _connect_signals(self) -> None:
        self.day.dateChanged.connect(self.on_day_changed)
        self.previous_day.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(-1)))
        self.next_day.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(1)))
        self.zone_picker.currentIndexChanged.connect(lambda _: self.reload())
        self.contract.currentIndexChanged.connect(lambda _: self.reload())
        self.delete_button.clicked.connect(self.on_delete_clicked)
        self.memo_button.clicked.connect(self.on_memo_clicked)
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
        self._refusal = ""
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
        views = self._store.views(
            self._store.segments_between(first, end, chosen_id(self.contract))
        )
        names = self._contract_names()
        self._marks = sync_marks(self._store, [v.segment for v in views])
        self.legend.set_sync_shown(linked(self._store))
        self._show(day_rows(zone, day, views), names, keep_scroll=self._day_shown == (day, zone))
        self._day_shown = (day, zone)
        shown = {v.segment.id for v in views}
        self._selected = [i for i in self._selected if i in shown]
        # The open segment counts up to now, as in the main window and the timesheet.
        counted = billable_seconds_between(
            self._store, first, end, self._clock.now(), chosen_id(self.contract)
        )
        self.total.setText(f"Day total: {clock_text(counted)} billable")
        self._describe_zone(zone, first, end)
        self._update_actions()

    def _contract_names(self) -> dict[int, str]:
        """Names to show in each cell, when the diary shows every contract."""
        if chosen_id(self.contract) is not None:
            return {}
        return {c.id: c.title for c in self._store.contracts()}

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

    def _show(self, rows: list[HourRow], names: dict[int, str], keep_scroll: bool) -> None:
        key = (
            self.zone,
            bool(names),
            tuple(
                (
                    row.label,
                    tuple((s.start, tuple(v.segment.id for v in s.views)) for s in row.slots),
                )
                for row in rows
            ),
        )
        if key != self._grid_key:
            self._build_grid(rows, names, keep_scroll)
        else:
            placed = (v for row in rows for s in row.slots for v in (s.views or (None,)))
            for cell, view in zip(self.cells, placed, strict=True):
                name, mark = _name(view, names), self._mark(view)
                # Mostly one cell, or none.
                if view != cell.view or name != cell.contract_text or mark != cell.mark:
                    cell.show_view(view, name, mark)
        self._grid_key = key
        self.rows = rows

    def _build_grid(self, rows: list[HourRow], names: dict[int, str], keep_scroll: bool) -> None:
        """Build the grid anew: a row per hour with any segment, six slots a row."""
        bars = self.scroll_area.horizontalScrollBar(), self.scroll_area.verticalScrollBar()
        scrolled = [bar.value() if keep_scroll else 0 for bar in bars]
        self.cells = []
        holder = QWidget()
        column_box = QVBoxLayout(holder)
        grid = QGridLayout()
        grid.setSpacing(4)
        column_box.addLayout(grid)
        if not rows:
            self.empty = QLabel("Nothing recorded on this day.")
            column_box.addWidget(self.empty)
        column_box.addStretch(1)
        for column in range(1, 7):
            grid.setColumnStretch(column, 1)
        for number, row in enumerate(rows):
            grid.addWidget(QLabel(row.label), number, 0, Qt.AlignmentFlag.AlignTop)
            for column, slot in enumerate(row.slots):
                stack = QVBoxLayout()
                for view in slot.views or (None,):
                    cell = SegmentCell(
                        slot.start,
                        view,
                        self._data_dir,
                        self.zone,
                        _name(view, names),
                        self._mark(view),
                    )
                    cell.selected = view is not None and view.segment.id in self._selected
                    cell.toggled.connect(self.on_cell_toggled)
                    cell.thumbnail_clicked.connect(self.on_thumbnail_clicked)
                    self.cells.append(cell)
                    stack.addWidget(cell)
                grid.addLayout(stack, number, column + 1)
        previous = self.scroll_area.takeWidget()
        self.scroll_area.setWidget(holder)
        for bar, value in zip(bars, scrolled, strict=True):
            bar.setValue(value)
        if previous is not None:
            previous.deleteLater()  # the old grid and its cells go once this one is painted

    def _mark(self, view: SegmentView | None) -> SyncMark | None:
        return None if view is None else self._marks.get(view.segment.id)

    def selected_views(self) -> list[SegmentView]:
        return [c.view for c in self.cells if c.selected and c.view is not None]

    def _update_actions(self) -> None:
        selected = self.selected_views()
        # Deleting what is deleted already would ask for a reason and change nothing, and a
        # deleted segment's memo no longer matters to anyone.
        live = [v for v in selected if v.state is not SegmentState.DELETED]
        self.delete_button.setEnabled(bool(live))
        self.memo_button.setEnabled(bool(live))
        self.message.setText(
            self._refusal
            or (f"{len(selected)} selected" if selected else "Click segments to select them.")
        )
        latest = self._latest_selected()
        self.details.setVisible(latest is not None)
        self.details.setText("" if latest is None else self._describe(latest))

    def _latest_selected(self) -> SegmentView | None:
        by_id = {v.segment.id: v for v in self.selected_views()}
        return by_id.get(self._selected[-1]) if self._selected else None

    def _describe(self, view: SegmentView) -> str:
        """The latest selected segment in full: its time, contract, state, activity, memo."""
        start = self.zone.wall(view.segment.start)
        end = "now" if view.segment.end is None else f"{self.zone.wall(view.segment.end):%H:%M}"
        contract = self._contract_label(view.segment.contract_id)
        facts = [f"{start:%H:%M}–{end} {start.tzname()}", contract, STATE_LOOK[view.state][2]]
        facts.append(segment_activity(view))
        return " · ".join(facts) + f"\nMemo: {view.memo}"

    def _contract_label(self, contract_id: int) -> str:
        index = self.contract.findData(contract_id)
        return self.contract.itemText(index) if index >= 0 else f"Contract {contract_id}"

    # Acting ------------------------------------------------------------------------------

    @Slot(object)
    def on_cell_toggled(self, cell: SegmentCell) -> None:
        self._refusal = ""
        if cell.view is not None:
            segment_id = cell.view.segment.id
            self._selected = [i for i in self._selected if i != segment_id]
            if cell.selected:
                self._selected.append(segment_id)
        self._update_actions()

    @Slot(object)
    def on_thumbnail_clicked(self, view: SegmentView) -> None:
        shot = next((s for s in view.screenshots if s.path), None)
        if shot is None or shot.path is None:
            return
        self.viewer_image.setPixmap(QPixmap(str(self._data_dir / shot.path)))
        taken = self.zone.wall(shot.taken_at)
        self.viewer.setWindowTitle(f"Screenshot at {taken:%H:%M:%S} {taken.tzname()}")
        self.viewer.open()

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

    @Slot()
    def on_manual_time_added(self) -> None:
        self.reload()
        self.changed.emit()

    def _edit(self, action: Callable[[], object]) -> None:
        try:
            action()
        except TrackerError as error:
            self._refusal = explain(error)
            self._update_actions()
            return
        self._refusal = ""
        self.reload()
        self.changed.emit()


def _name(view: SegmentView | None, names: dict[int, str]) -> str:
    if view is None or not names:
        return ""
    return names.get(view.segment.contract_id, f"Contract {view.segment.contract_id}")
