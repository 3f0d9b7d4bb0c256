"""One 10-minute cell of the work diary: time, contract, thumbnail, activity bars, memo, state."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, Signal
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
from sync.segment_marks import SyncMark, SyncState
from tracker.views import SegmentView, segment_activity
from tracker.zones import Zone

from .activity_meter import ACTIVE, QUIET, UNTRACKED, paint_bars

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


def paint_badge(painter: QPainter, square: QRect, state: SyncState) -> None:
    """The sync sign, white on a disc of the state's colour."""
    sign, colour, _ = SYNC_LOOK[state]
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(square)
    painter.setPen(QColor("white"))
    painter.drawText(square, Qt.AlignmentFlag.AlignCenter, sign)
    painter.restore()


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


def minutes_tooltip(view: SegmentView, zone: Zone) -> str:
    lines = [segment_activity(view)]
    for m in view.minutes:
        lines.append(
            f"{zone.wall(m.start):%H:%M}  keys {m.keys}, clicks {m.clicks}, scrolls {m.scrolls}, "
            f"moves {m.moves}"
            + (f", injected {m.injected}" if m.injected else "")
            + (" (discarded)" if view.is_discarded(m.start) else "")
        )
    return "\n".join(lines)


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
    """One slot of the diary, painted as a single widget (a day has 144 of them).

    Signals: ``toggled(object)`` (this cell, when clicked to select or unselect),
    ``thumbnail_clicked(object)`` (the segment's SegmentView)."""

    toggled = Signal(object)
    thumbnail_clicked = Signal(object)

    def __init__(
        self,
        slot: datetime,
        view: SegmentView | None,
        data_dir: Path,
        zone: Zone,
        contract: str = "",
        mark: SyncMark | None = None,
    ) -> None:
        super().__init__()
        self.slot = slot
        self.selected = False
        self._data_dir = data_dir
        self._zone = zone
        #: The screenshot's thumbnail file; decoded when the cell is first painted, so that a
        #: day shows at once and only the cells on screen hold pixmaps.
        self.thumbnail_path: Path | None = None
        self._pixmap: QPixmap | None = None
        self.show_view(view, contract, mark)

    def show_view(
        self, view: SegmentView | None, contract: str = "", mark: SyncMark | None = None
    ) -> None:
        """Show the slot's segment as it is now (the diary reloads while time is tracked).

        ``contract`` names the segment's contract, for a diary of all contracts; ``mark``
        says where it stands with the marketplace."""
        self.view = view
        self.mark = mark if view is not None else None
        self.contract_text = contract if view is not None else ""
        self.minute_states = [UNTRACKED] * 10
        self.memo_text = ""
        self.title = f"{self._zone.wall(self.slot):%H:%M}"
        self.placeholder = ""
        thumbnail: Path | None = None
        if view is not None:
            thumbnail = self._fill(view)
        if thumbnail != self.thumbnail_path:
            self.thumbnail_path, self._pixmap = thumbnail, None
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if thumbnail else Qt.CursorShape.ArrowCursor
        )
        lines = 4 if self.contract_text else 3
        line = self.fontMetrics().height()
        self.setMinimumSize(THUMB.width() + 2 * PAD, lines * line + THUMB.height() + 5 * PAD)
        self.update()

    def _fill(self, view: SegmentView) -> Path | None:
        """Take in the segment's text and activity; returns its thumbnail file, if any."""
        start = self._zone.wall(view.segment.start)
        end = "now" if view.segment.end is None else f"{self._zone.wall(view.segment.end):%H:%M}"
        self.title = f"{start:%H:%M}–{end}"
        if view.minutes:  # manual time has no activity to show
            self.minute_states = minute_states(view)
        self.memo_text = view.memo
        contract = f", {self.contract_text}" if self.contract_text else ""
        synced = f", {SYNC_LOOK[self.mark.state][2].lower()}" if self.mark else ""
        self.setAccessibleName(
            f"{STATE_LOOK[view.state][2]} segment {start:%H:%M}{contract}{synced}: {view.memo}"
        )
        shot = next((s for s in view.screenshots if s.thumb_path), None)
        if shot is not None and shot.thumb_path and (self._data_dir / shot.thumb_path).exists():
            return self._data_dir / shot.thumb_path
        self.placeholder = "Deleted" if view.state is SegmentState.DELETED else "No screenshot"
        return None

    def pixmap(self) -> QPixmap | None:
        if self._pixmap is None and self.thumbnail_path is not None:
            self._pixmap = load_thumbnail(self.thumbnail_path)
        return self._pixmap

    # Geometry of the painted parts -----------------------------------------------------------

    def title_rect(self) -> QRect:
        return QRect(PAD, PAD, self.width() - 2 * PAD, self.fontMetrics().height())

    def badge_rect(self) -> QRect:
        """The sync badge's square, at the right end of the title line."""
        title = self.title_rect()
        return QRect(
            title.right() - title.height() + 1, title.top(), title.height(), title.height()
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
        if self.view is None or not self.view.minutes:
            return ""
        return minutes_tooltip(self.view, self._zone)

    # Behaviour -----------------------------------------------------------------------------------

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.view is None:
            return
        if self.thumbnail_path is not None and self.thumbnail_rect().contains(
            event.position().toPoint()
        ):
            self.thumbnail_clicked.emit(self.view)
            return
        self.set_selected(not self.selected)
        self.toggled.emit(self)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.view is not None:
            assert isinstance(event, QHelpEvent)
            point = event.pos()
            if self.mark is not None and self.badge_rect().adjusted(-4, -4, 4, 4).contains(point):
                text = self.mark.text
            elif self.bars_rect().contains(point):
                text = self.bars_tooltip()
            elif self.thumbnail_rect().contains(point):
                missing = next(
                    (s.missing_reason for s in self.view.screenshots if s.missing_reason), ""
                )
                text = "Click for the full screenshot" if self.thumbnail_path else missing or ""
            else:
                text = self.memo_text
            QToolTip.showText(event.globalPos(), text, self) if text else QToolTip.hideText()
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        frame = self.rect().adjusted(0, 0, -1, -1)
        if self.view is not None:
            paint_state(painter, frame, self.view.state)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawRect(frame)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(self.title_rect(), Qt.AlignmentFlag.AlignLeft, self.title)
        if self.mark is not None:
            paint_badge(painter, self.badge_rect(), self.mark.state)
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
        if self.view is not None and self.view.minutes:
            paint_bars(painter, QRectF(self.bars_rect()), self.minute_states, palette)
        painter.drawText(self.memo_rect(), Qt.AlignmentFlag.AlignLeft, self.elided_memo())
        if self.selected:
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 3)
            painter.setPen(pen)
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.end()


class Legend(QWidget):
    """The states' colours and patterns, as in the cells."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(self.fontMetrics().height() + 6)
        #: The sync signs too, when the device is signed in to a marketplace.
        self.sync_shown = False

    def set_sync_shown(self, shown: bool) -> None:
        if shown != self.sync_shown:
            self.sync_shown = shown
            self.updateGeometry()
            self.update()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        width = sum(metrics.horizontalAdvance(label) + 40 for _, _, label in STATE_LOOK.values())
        if self.sync_shown:
            width += sum(
                metrics.height() + 4 + metrics.horizontalAdvance(label) + 16
                for _, _, label in SYNC_LOOK.values()
            )
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
        if self.sync_shown:
            text = self.palette().color(QPalette.ColorRole.WindowText)
            for sync, (_, _, label) in SYNC_LOOK.items():
                paint_badge(painter, QRect(x, 3, height, height), sync)
                x += height + 4
                painter.setPen(text)
                painter.drawText(x, 3 + metrics.ascent(), label)
                x += metrics.horizontalAdvance(label) + 16
        painter.end()
