"""One 10-minute cell of the work diary: time, thumbnail, activity bars, memo, state."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImageReader,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QPixmapCache,
)
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from tracker.records import SegmentState
from tracker.timeline import MINUTE, SegmentView

from .activity_meter import ACTIVE, QUIET, UNTRACKED, ActivityMeter

THUMB = QSize(120, 68)

#: How each state looks: a colour and a pattern, so that it reads without colour too.
STATE_LOOK: dict[SegmentState, tuple[QColor, Qt.BrushStyle, str]] = {
    SegmentState.TRACKED: (QColor("#d6eee0"), Qt.BrushStyle.SolidPattern, "Tracked"),
    SegmentState.MANUAL: (QColor("#cfe0f7"), Qt.BrushStyle.BDiagPattern, "Manual"),
    SegmentState.DELETED: (QColor("#f3c9c4"), Qt.BrushStyle.DiagCrossPattern, "Deleted"),
    SegmentState.IDLE_DISCARDED: (
        QColor("#d9d9d9"),
        Qt.BrushStyle.Dense5Pattern,
        "Idle, discarded",
    ),
    SegmentState.OVER_LIMIT: (QColor("#f6dcb3"), Qt.BrushStyle.FDiagPattern, "Over the limit"),
}


def paint_state(painter: QPainter, rect: QRect, state: SegmentState) -> None:
    colour, pattern, _ = STATE_LOOK[state]
    painter.fillRect(rect, colour.lighter(108))
    if pattern is not Qt.BrushStyle.SolidPattern:
        painter.fillRect(rect, QBrush(colour.darker(125), pattern))


def minute_states(view: SegmentView) -> list[int]:
    """The activity bars of a segment: a state for each minute of its slot."""
    slot = view.segment.start.replace(
        minute=view.segment.start.minute - view.segment.start.minute % 10, second=0
    )
    states = [UNTRACKED] * 10
    for minute in view.minutes:
        index = int((minute.start - slot) / MINUTE)
        if 0 <= index < 10 and not view.is_discarded(minute.start):
            states[index] = ACTIVE if minute.active else QUIET
    return states


def minutes_tooltip(view: SegmentView) -> str:
    lines = [f"{view.active_minutes} of {len(view.minutes)} minutes with input"]
    for m in view.minutes:
        lines.append(
            f"{m.start:%H:%M}  keys {m.keys}, clicks {m.clicks}, scrolls {m.scrolls}, "
            f"moves {m.moves}"
            + (f", injected {m.injected}" if m.injected else "")
            + (" (discarded)" if view.is_discarded(m.start) else "")
        )
    return "\n".join(lines)


def load_thumbnail(path: Path) -> QPixmap:
    """Decode straight to cell size (JPEG scales while decoding), once per file: files are
    named by their content's hash, so a cached pixmap is never stale."""
    key = f"workdiary-thumb:{path}"
    pixmap = QPixmap()
    if QPixmapCache.find(key, pixmap):
        return pixmap
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
    pixmap = QPixmap.fromImage(reader.read())
    QPixmapCache.insert(key, pixmap)
    return pixmap


class SegmentCell(QFrame):
    """Signals: ``toggled(object)`` (this cell, when clicked to select or unselect),
    ``thumbnail_clicked(object)`` (the segment's SegmentView)."""

    toggled = Signal(object)
    thumbnail_clicked = Signal(object)

    def __init__(self, slot: datetime, view: SegmentView | None, data_dir: Path) -> None:
        super().__init__()
        self.slot = slot
        self.view = view
        self.selected = False
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(THUMB.width() + 12)
        self.time = QLabel(f"{slot:%H:%M}")
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(THUMB)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bars = ActivityMeter()
        self.memo = QLabel()
        self.memo.setWordWrap(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(3)
        for widget in (self.time, self.thumbnail, self.bars, self.memo):
            layout.addWidget(widget)
        self._fill(data_dir)

    def _fill(self, data_dir: Path) -> None:
        view = self.view
        if view is None:
            self.thumbnail.setText("")
            self.bars.setVisible(False)
            return
        start, end = view.segment.start, view.segment.end or view.segment.start
        self.time.setText(f"{start:%H:%M}–{end:%H:%M}")
        shot = next((s for s in view.screenshots if s.thumb_path), None)
        if shot is not None and shot.thumb_path and (data_dir / shot.thumb_path).exists():
            self.thumbnail.setPixmap(load_thumbnail(data_dir / shot.thumb_path))
            self.thumbnail.setCursor(Qt.CursorShape.PointingHandCursor)
            self.thumbnail.setToolTip("Click for the full screenshot")
        else:
            missing = next((s.missing_reason for s in view.screenshots if s.missing_reason), None)
            self.thumbnail.setText(
                "Deleted" if view.state is SegmentState.DELETED else "No screenshot"
            )
            self.thumbnail.setToolTip(missing or "")
        self.bars.setVisible(bool(view.minutes))  # manual time has no activity to show
        self.bars.set_minutes(minute_states(view))
        self.bars.tooltip_source = lambda: minutes_tooltip(view)  # built when it shows
        metrics = self.memo.fontMetrics()
        self.memo.setText(metrics.elidedText(view.memo, Qt.TextElideMode.ElideRight, THUMB.width()))
        self.memo.setToolTip(view.memo)
        self.setAccessibleName(f"{STATE_LOOK[view.state][2]} segment {start:%H:%M}")

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.view is None:
            return
        if (
            self.thumbnail.geometry().contains(event.position().toPoint())
            and self.thumbnail.pixmap()
            and not self.thumbnail.pixmap().isNull()
        ):
            self.thumbnail_clicked.emit(self.view)
            return
        self.set_selected(not self.selected)
        self.toggled.emit(self)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self.view is not None:
            paint_state(painter, self.rect(), self.view.state)
        if self.selected:
            pen = painter.pen()
            pen.setColor(self.palette().color(self.palette().ColorRole.Highlight))
            pen.setWidth(3)
            painter.setPen(pen)
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.end()
        super().paintEvent(event)


class Legend(QWidget):
    """The states' colours and patterns, as in the cells."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(self.fontMetrics().height() + 6)

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        width = sum(metrics.horizontalAdvance(label) + 40 for _, _, label in STATE_LOOK.values())
        return QSize(width, metrics.height() + 6)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        metrics = self.fontMetrics()
        x, height = 0, metrics.height()
        for state, (_, _, label) in STATE_LOOK.items():
            swatch = QRect(x, 3, height * 2, height)
            paint_state(painter, swatch, state)
            painter.drawRect(swatch)
            x += swatch.width() + 6
            painter.drawText(x, 3 + metrics.ascent(), label)
            x += metrics.horizontalAdvance(label) + 16
        painter.end()
