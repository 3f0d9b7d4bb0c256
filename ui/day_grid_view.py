"""A day as a grid of cells, a row for each hour that holds a segment, six cells a row: the
widget the freelancer's diary and a client's review share, whatever their source."""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tracker.day_grid import HourRow
from tracker.zones import Zone

from .cell_content import CellContent
from .diary_cells import SegmentCell


class DayGrid(QWidget):
    """Signals: ``selection_changed()`` when a cell is clicked to select or unselect it.

    ``show_rows`` may be called at any moment (the diary reloads while time is tracked): the
    selection and, within a day, the scroll position stay."""

    selection_changed = Signal()

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._empty_text = empty_text
        self.cells: list[SegmentCell] = []
        #: The hours shown, each with its slots.
        self.rows: list[HourRow[CellContent]] = []
        #: Selected segments by key, the latest last: they stay selected across reloads.
        self.selected_keys: list[str] = []
        #: What the grid shows, slot by slot; a reload that changes none of it updates the
        #: cells in place instead of building them again.
        self._grid_key: Hashable = None
        self._zone: Zone | None = None
        self.empty = QLabel(empty_text)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)
        self.viewer = QDialog(self)
        self.viewer.setWindowTitle("Screenshot")
        self.viewer_image = QLabel()
        QVBoxLayout(self.viewer).addWidget(self.viewer_image)

    def show_rows(self, rows: list[HourRow[CellContent]], zone: Zone, keep_scroll: bool) -> None:
        key = (
            zone,
            tuple(
                (
                    row.label,
                    tuple(
                        (s.start, tuple((c.key, bool(c.contract)) for c in s.views))
                        for s in row.slots
                    ),
                )
                for row in rows
            ),
        )
        shown = {c.key for row in rows for s in row.slots for c in s.views}
        self.selected_keys = [k for k in self.selected_keys if k in shown]
        if key != self._grid_key:
            self._build(rows, zone, keep_scroll)
        else:
            placed = (c for row in rows for s in row.slots for c in (s.views or (None,)))
            for cell, content in zip(self.cells, placed, strict=True):
                if content != cell.content:  # mostly one cell, or none
                    cell.show_content(content)
        self._grid_key = key
        self._zone = zone
        self.rows = rows

    def _build(self, rows: list[HourRow[CellContent]], zone: Zone, keep_scroll: bool) -> None:
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
            self.empty = QLabel(self._empty_text)
            column_box.addWidget(self.empty)
        column_box.addStretch(1)
        for column in range(1, 7):
            grid.setColumnStretch(column, 1)
        for number, row in enumerate(rows):
            grid.addWidget(QLabel(row.label), number, 0, Qt.AlignmentFlag.AlignTop)
            for column, slot in enumerate(row.slots):
                stack = QVBoxLayout()
                for content in slot.views or (None,):
                    cell = SegmentCell(slot.start, content, zone)
                    cell.selected = content is not None and content.key in self.selected_keys
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

    def selected(self) -> list[CellContent]:
        """The selected cells' contents, in the grid's order."""
        return [c.content for c in self.cells if c.selected and c.content is not None]

    def latest_selected(self) -> CellContent | None:
        by_key = {c.key: c for c in self.selected()}
        return by_key.get(self.selected_keys[-1]) if self.selected_keys else None

    def clear_selection(self) -> None:
        self.selected_keys = []
        for cell in self.cells:
            if cell.selected:
                cell.set_selected(False)
        self.selection_changed.emit()

    @Slot(object)
    def on_cell_toggled(self, cell: SegmentCell) -> None:
        if cell.content is not None:
            key = cell.content.key
            self.selected_keys = [k for k in self.selected_keys if k != key]
            if cell.selected:
                self.selected_keys.append(key)
        self.selection_changed.emit()

    @Slot(object)
    def on_thumbnail_clicked(self, content: CellContent) -> None:
        if content.picture is None or content.picture_taken is None:
            return
        self.viewer_image.setPixmap(QPixmap(str(content.picture)))
        assert self._zone is not None  # a cell was clicked: the grid was shown
        taken = self._zone.wall(content.picture_taken)
        self.viewer.setWindowTitle(f"Screenshot at {taken:%H:%M:%S} {taken.tzname()}")
        self.viewer.open()
