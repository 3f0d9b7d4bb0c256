"""The work diary: a day's segments in rows of an hour, six cells a row, with edits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from diary.times import SEGMENT, slot_start
from tracker.clock import Clock
from tracker.durations import clock_text
from tracker.edits import delete_segments, edit_memo
from tracker.errors import TrackerError
from tracker.store import Store
from tracker.views import SegmentView, billable_seconds

from .diary_cells import Legend, SegmentCell
from .messages import explain

if TYPE_CHECKING:
    from .manual_time_dialog import ManualTimeDialog


class DiaryView(QWidget):
    """Signals: ``changed()`` after any edit (totals refresh, the edit gets signed)."""

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

        self.setWindowTitle("Work diary")
        self._build()
        self._connect_signals()
        self.show_day(clock.now().date())

    def _build(self) -> None:
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd yyyy-MM-dd")
        self.previous_day = QPushButton("◀")
        self.previous_day.setToolTip("Previous day (Alt+Left)")
        self.previous_day.setShortcut(QKeySequence("Alt+Left"))
        self.next_day = QPushButton("▶")
        self.next_day.setToolTip("Next day (Alt+Right)")
        self.next_day.setShortcut(QKeySequence("Alt+Right"))
        self.contract = QComboBox()
        self.contract.addItem("All contracts", None)
        for contract in self._store.contracts():
            self.contract.addItem(f"{contract.title} — {contract.client}", contract.id)
        self.total = QLabel()
        top = QHBoxLayout()
        for widget in (self.previous_day, self.day, self.next_day, QLabel("(UTC)"), self.contract):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.total)
        self.empty = QLabel("Nothing recorded on this day.")
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
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
        layout.addWidget(Legend())
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(actions)
        self.confirm_delete = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete segments?",
            "",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        self.memo_dialog = QInputDialog(self)
        self.memo_dialog.setWindowTitle("Edit memo")
        self.memo_dialog.setLabelText("New memo for the selected segments:")
        self._manual_dialog: ManualTimeDialog | None = None
        self.viewer = QDialog(self)
        self.viewer.setWindowTitle("Screenshot")
        self.viewer_image = QLabel()
        QVBoxLayout(self.viewer).addWidget(self.viewer_image)
        self._update_actions()

    def _connect_signals(self) -> None:
        self.day.dateChanged.connect(self.on_day_changed)
        self.previous_day.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(-1)))
        self.next_day.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(1)))
        self.contract.currentIndexChanged.connect(lambda _: self.reload())
        self.delete_button.clicked.connect(self.on_delete_clicked)
        self.memo_button.clicked.connect(self.on_memo_clicked)
        self.confirm_delete.finished.connect(self.on_confirm_delete_finished)
        self.memo_dialog.textValueSelected.connect(self.on_memo_chosen)
        self.manual_button.clicked.connect(
            lambda: self.manual_dialog.ask(self.selected_day().date())
        )

    @property
    def manual_dialog(self) -> ManualTimeDialog:
        """Imported and made when first asked for, like the main window's dialogs."""
        if self._manual_dialog is None:
            from .manual_time_dialog import ManualTimeDialog

            self._manual_dialog = ManualTimeDialog(self._store, self._clock, self)
            self._manual_dialog.added.connect(self.on_manual_time_added)
        return self._manual_dialog

    # Showing -----------------------------------------------------------------------------

    def show_day(self, day: date) -> None:
        wanted = QDate(day.year, day.month, day.day)
        if self.day.date() == wanted:
            self.reload()
        else:
            self.day.setDate(wanted)  # which reloads

    def selected_day(self) -> datetime:
        qdate = self.day.date()
        return datetime.combine(date(qdate.year(), qdate.month(), qdate.day()), time(), UTC)

    @Slot(QDate)
    def on_day_changed(self, _: QDate) -> None:
        self.reload()

    def reload(self) -> None:
        start = self.selected_day()
        views = self._store.views(
            self._store.segments_between(
                start, start + timedelta(days=1), self.contract.currentData()
            )
        )
        self._fill(start, views)
        self.total.setText(f"Day total: {clock_text(billable_seconds(views))} billable")
        self._update_actions()

    def _fill(self, day: datetime, views: list[SegmentView]) -> None:
        """Build the grid anew: a row per hour with any segment, six slots a row."""
        by_slot: dict[datetime, list[SegmentView]] = {}
        for view in views:
            by_slot.setdefault(slot_start(view.segment.start), []).append(view)
        hours = sorted({slot.hour for slot in by_slot})
        self.cells = []
        holder = QWidget()
        column_box = QVBoxLayout(holder)
        grid = QGridLayout()
        grid.setSpacing(4)
        column_box.addLayout(grid)
        if not hours:
            self.empty = QLabel("Nothing recorded on this day.")
            column_box.addWidget(self.empty)
        column_box.addStretch(1)
        for column in range(1, 7):
            grid.setColumnStretch(column, 1)
        for row, hour in enumerate(hours):
            grid.addWidget(QLabel(f"{hour:02d}:00"), row, 0, Qt.AlignmentFlag.AlignTop)
            for column in range(6):
                slot = day + timedelta(hours=hour) + column * SEGMENT
                # A slot holds one segment, or a few when tracking stopped and started again.
                in_slot: list[SegmentView | None] = list(by_slot.get(slot, [])) or [None]
                stack = QVBoxLayout()
                for maybe in in_slot:
                    cell = SegmentCell(slot, maybe, self._data_dir)
                    cell.toggled.connect(self.on_cell_toggled)
                    cell.thumbnail_clicked.connect(self.on_thumbnail_clicked)
                    self.cells.append(cell)
                    stack.addWidget(cell)
                grid.addLayout(stack, row, column + 1)
        previous = self.scroll_area.takeWidget()
        self.scroll_area.setWidget(holder)
        if previous is not None:
            previous.deleteLater()  # the old grid and its cells go once this one is painted

    def selected_views(self) -> list[SegmentView]:
        return [c.view for c in self.cells if c.selected and c.view is not None]

    def _update_actions(self) -> None:
        selected = self.selected_views()
        self.delete_button.setEnabled(bool(selected))
        self.memo_button.setEnabled(bool(selected))
        self.message.setText(
            f"{len(selected)} selected" if selected else "Click segments to select them."
        )

    # Acting ------------------------------------------------------------------------------

    @Slot(object)
    def on_cell_toggled(self, cell: SegmentCell) -> None:
        self._update_actions()

    @Slot(object)
    def on_thumbnail_clicked(self, view: SegmentView) -> None:
        shot = next((s for s in view.screenshots if s.path), None)
        if shot is None or shot.path is None:
            return
        self.viewer_image.setPixmap(QPixmap(str(self._data_dir / shot.path)))
        self.viewer.setWindowTitle(f"Screenshot at {shot.taken_at:%H:%M:%S} UTC")
        self.viewer.open()

    @Slot()
    def on_delete_clicked(self) -> None:
        count = len(self.selected_views())
        self.confirm_delete.setText(
            f"Delete {count} segment(s)? Their time and activity no longer count. The change is "
            "recorded and signed; your client sees that these segments were deleted."
        )
        self.confirm_delete.open()

    @Slot(int)
    def on_confirm_delete_finished(self, result: int) -> None:
        if result != QMessageBox.StandardButton.Yes.value:
            return
        ids = [v.segment.id for v in self.selected_views()]
        self._edit(lambda: delete_segments(self._store, ids, self._clock.now()))

    @Slot()
    def on_memo_clicked(self) -> None:
        selected = self.selected_views()
        self.memo_dialog.setTextValue(selected[0].memo if selected else "")
        self.memo_dialog.open()

    @Slot(str)
    def on_memo_chosen(self, memo: str) -> None:
        ids = [v.segment.id for v in self.selected_views()]
        self._edit(lambda: edit_memo(self._store, ids, memo, self._clock.now()))

    @Slot()
    def on_manual_time_added(self) -> None:
        self.reload()
        self.changed.emit()

    def _edit(self, action: object) -> None:
        assert callable(action)
        try:
            action()
        except TrackerError as error:
            self.message.setText(explain(error))
            return
        self.reload()
        self.changed.emit()
