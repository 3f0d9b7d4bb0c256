"""One 10-minute cell of a day grid: time, contract, thumbnail, activity bars, memo, state and
badges; the same cell in the freelancer's diary and in a client's review."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QHelpEvent,
    QImageReader,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QToolTip, QWidget

from diary.records import SegmentState
from diary.times import MINUTE
from sync.segment_marks import SyncState
from tracker.zones import Zone

from .activity_meter import ACTIVE, QUIET, UNTRACKED, paint_bars
from .cell_content import Badge, CellContent

THUMB = QSize(120, 68)
PAD = 5

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


#: How each sync state looks in a cell's corner: a sign that reads without colour, and a colour.
SYNC_LOOK: dict[SyncState, tuple[str, QColor, str]] = {
    SyncState.RECEIPTED: ("✓", QColor("#1b6e3a"), "Receipted"),
    SyncState.WAITING: ("↑", QColor("#6b6b6b"), "Waiting to upload"),
    SyncState.REFUSED: ("✗", QColor("#b3261e"), "Refused"),
    SyncState.DISPUTED: ("!", QColor("#8a5a00"), "Disputed"),
}


def sync_badge(state: SyncState, text: str = "") -> Badge:
    """The badge of a sync state, with ``text`` (why) for its tooltip."""
    sign, colour, label = SYNC_LOOK[state]
    return Badge(sign, colour.name(), label, text or label)


#: The sync badges, for the diary's legend when the device is signed in.
SYNC_BADGES = tuple(sync_badge(state) for state in SYNC_LOOK)


def paint_badge(painter: QPainter, square: QRect, badge: Badge) -> None:
    """A badge's sign, white on a disc of its colour."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(badge.colour))
    painter.drawEllipse(square)
    painter.setPen(QColor("white"))
    painter.drawText(square, Qt.AlignmentFlag.AlignCenter, badge.sign)
    painter.restore()


def paint_state(painter: QPainter, rect: QRect, state: SegmentState) -> None:
    colour, pattern, _ = STATE_LOOK[state]
    painter.fillRect(rect, colour.lighter(108))
    if pattern is not Qt.BrushStyle.SolidPattern:
        painter.fillRect(rect, QBrush(colour.darker(125), pattern))


def bar_states(slot: datetime, minutes: Iterable[tuple[datetime, bool]]) -> tuple[int, ...]:
    """The activity bars of a segment in ``slot``: a state for each of its ten minutes, from
    the minutes that count (start, whether active); the others are untracked."""
    states = [UNTRACKED] * 10
    for start, active in minutes:
        index = int((start - slot) / MINUTE)
        if 0 <= index < 10:
            states[index] = ACTIVE if active else QUIET
    return tuple(states)


def load_thumbnail(path: Path) -> QPixmap:
    """Decode straight to cell size: JPEG scales while decoding, about 0.2 ms a thumbnail.

    Not cached: a day is decoded again in 30 ms, and a cache would hold on to megabytes of
    pixmaps in a process that runs all day."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
    return QPixmap.fromImage(reader.read())


class SegmentCell(QWidget):
    """One slot of a day grid, painted as a single widget (a day has 144 of them), from a
    CellContent: the diary and the review show the same cells.

    Signals: ``toggled(object)`` (this cell, when clicked to select or unselect),
    ``thumbnail_clicked(object)`` (the cell's CellContent)."""

    toggled = Signal(object)
    thumbnail_clicked = Signal(object)

    def __init__(self, slot: datetime, content: CellContent | None, zone: Zone) -> None:
        super().__init__()
        self.slot = slot
        self.selected = False
        self._zone = zone
        #: The screenshot's thumbnail file; decoded when the cell is first painted, so that a
        #: day shows at once and only the cells on screen hold pixmaps.
        self.thumbnail_path: Path | None = None
        self._pixmap: QPixmap | None = None
        self.show_content(content)

    @property
    def view(self) -> Any:
        """The source's own record of the segment shown (None for an empty slot)."""
        return None if self.content is None else self.content.subject

    def show_content(self, content: CellContent | None) -> None:
        """Show the slot's segment as it is now (the diary reloads while time is tracked)."""
        self.content = content
        self.contract_text = content.contract if content is not None else ""
        self.badges = content.badges if content is not None else ()
        self.minute_states = list(content.minute_states) if content else [UNTRACKED] * 10
        self.memo_text = content.memo if content is not None else ""
        self.title = f"{self._zone.wall(self.slot):%H:%M}"
        self.placeholder = ""
        thumbnail: Path | None = None
        if content is not None:
            thumbnail = self._fill(content)
        if thumbnail != self.thumbnail_path:
            self.thumbnail_path, self._pixmap = thumbnail, None
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if thumbnail else Qt.CursorShape.ArrowCursor
        )
        lines = 4 if self.contract_text else 3
        line = self.fontMetrics().height()
        self.setMinimumSize(THUMB.width() + 2 * PAD, lines * line + THUMB.height() + 5 * PAD)
        self.update()

    def _fill(self, content: CellContent) -> Path | None:
        """Take in the segment's title and name; returns its thumbnail file, if any."""
        start = self._zone.wall(content.start)
        end = "now" if content.end is None else f"{self._zone.wall(content.end):%H:%M}"
        self.title = f"{start:%H:%M}–{end}"
        contract = f", {self.contract_text}" if self.contract_text else ""
        signs = "".join(f", {b.label.lower()}" for b in self.badges)
        self.setAccessibleName(
            f"{STATE_LOOK[content.state][2]} segment {start:%H:%M}{contract}{signs}: {content.memo}"
        )
        if content.thumbnail is not None and content.thumbnail.exists():
            return content.thumbnail
        self.placeholder = content.placeholder
        return None

    def pixmap(self) -> QPixmap | None:
        if self._pixmap is None and self.thumbnail_path is not None:
            self._pixmap = load_thumbnail(self.thumbnail_path)
        return self._pixmap

    # Geometry of the painted parts -----------------------------------------------------------

    def title_rect(self) -> QRect:
        return QRect(PAD, PAD, self.width() - 2 * PAD, self.fontMetrics().height())

    def badge_rect(self, index: int = 0) -> QRect:
        """The square of the ``index``-th badge, counted from the right end of the title line."""
        title = self.title_rect()
        step = title.height() + 2
        return QRect(
            title.right() - title.height() + 1 - index * step,
            title.top(),
            title.height(),
            title.height(),
        )

    def contract_rect(self) -> QRect:
        line = self.fontMetrics().height()
        height = line if self.contract_text else 0
        return QRect(PAD, PAD + line, self.width() - 2 * PAD, height)

    def thumbnail_rect(self) -> QRect:
        return QRect(PAD, self.contract_rect().bottom() + 1 + PAD, THUMB.width(), THUMB.height())

    def bars_rect(self) -> QRect:
        thumb = self.thumbnail_rect()
        return QRect(PAD, thumb.bottom() + PAD, self.width() - 2 * PAD, self.fontMetrics().height())

    def memo_rect(self) -> QRect:
        bars = self.bars_rect()
        return QRect(PAD, bars.bottom() + PAD, self.width() - 2 * PAD, self.fontMetrics().height())

    def elided_memo(self) -> str:
        metrics = self.fontMetrics()
        return metrics.elidedText(
            self.memo_text, Qt.TextElideMode.ElideRight, self.memo_rect().width()
        )

    def bars_tooltip(self) -> str:
        return "" if self.content is None else self.content.bars_tooltip

    # Behaviour -----------------------------------------------------------------------------------

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.content is None:
            return
        if self.thumbnail_path is not None and self.thumbnail_rect().contains(
            event.position().toPoint()
        ):
            self.thumbnail_clicked.emit(self.content)
            return
        self.set_selected(not self.selected)
        self.toggled.emit(self)

    def tooltip_at(self, point: QPoint) -> str:
        """What the tooltip says over ``point``: a badge's reason, the minutes, the memo."""
        if self.content is None:
            return ""
        for index, badge in enumerate(self.badges):
            if self.badge_rect(index).adjusted(-1, -4, 1, 4).contains(point):
                return badge.text
        if self.bars_rect().contains(point):
            return self.bars_tooltip()
        if self.thumbnail_rect().contains(point):
            if self.thumbnail_path:
                return "Click for the full screenshot"
            return self.content.thumbnail_tooltip
        return self.memo_text

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.content is not None:
            assert isinstance(event, QHelpEvent)
            text = self.tooltip_at(event.pos())
            QToolTip.showText(event.globalPos(), text, self) if text else QToolTip.hideText()
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        frame = self.rect().adjusted(0, 0, -1, -1)
        if self.content is not None:
            paint_state(painter, frame, self.content.state)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawRect(frame)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(self.title_rect(), Qt.AlignmentFlag.AlignLeft, self.title)
        for index, badge in enumerate(self.badges):
            paint_badge(painter, self.badge_rect(index), badge)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        if self.contract_text:
            contract = self.contract_rect()
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                contract,
                Qt.AlignmentFlag.AlignLeft,
                self.fontMetrics().elidedText(
                    self.contract_text, Qt.TextElideMode.ElideRight, contract.width()
                ),
            )
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        thumb = self.thumbnail_rect()
        pixmap = self.pixmap()
        if pixmap is not None:
            size = pixmap.size().scaled(thumb.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawPixmap(QRect(thumb.topLeft(), size), pixmap)
        elif self.placeholder:
            painter.drawText(thumb, Qt.AlignmentFlag.AlignCenter, self.placeholder)
        if self.content is not None and self.content.minute_states:
            paint_bars(painter, QRectF(self.bars_rect()), self.minute_states, palette)
        painter.drawText(self.memo_rect(), Qt.AlignmentFlag.AlignLeft, self.elided_memo())
        if self.selected:
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 3)
            painter.setPen(pen)
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.end()


class Legend(QWidget):
    """The states' colours and patterns, as in the cells, and the badges the cells may carry
    (``states=False``: the badges alone, for a second line where they would not fit)."""

    def __init__(self, states: bool = True) -> None:
        super().__init__()
        self.setMinimumHeight(self.fontMetrics().height() + 6)
        self.badges: tuple[Badge, ...] = ()
        self.states = STATE_LOOK if states else {}

    @property
    def sync_shown(self) -> bool:
        return bool(self.badges)

    def set_badges(self, badges: tuple[Badge, ...]) -> None:
        if badges != self.badges:
            self.badges = badges
            self.updateGeometry()
            self.update()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        width = sum(metrics.horizontalAdvance(label) + 40 for _, _, label in self.states.values())
        width += sum(
            metrics.height() + 4 + metrics.horizontalAdvance(badge.label) + 16
            for badge in self.badges
        )
        return QSize(width, metrics.height() + 6)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        metrics = self.fontMetrics()
        x, height = 0, metrics.height()
        for state, (_, _, label) in self.states.items():
            swatch = QRect(x, 3, height * 2, height)
            paint_state(painter, swatch, state)
            painter.drawRect(swatch)
            x += swatch.width() + 6
            painter.drawText(x, 3 + metrics.ascent(), label)
            x += metrics.horizontalAdvance(label) + 16
        text = self.palette().color(QPalette.ColorRole.WindowText)
        for badge in self.badges:
            paint_badge(painter, QRect(x, 3, height, height), badge)
            x += height + 4
            painter.setPen(text)
            painter.drawText(x, 3 + metrics.ascent(), badge.label)
            x += metrics.horizontalAdvance(badge.label) + 16
        painter.end()
