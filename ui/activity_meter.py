"""Ten small bars: the current segment's minutes, filled where there was input."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

#: A minute not tracked (yet), a tracked minute without input, one with input.
UNTRACKED, QUIET, ACTIVE = 0, 1, 2
ACTIVE_COLOUR = QColor(46, 139, 87)


class ActivityMeter(QWidget):
    """Shows 10 minutes as bars; ``set_minutes`` takes a state per minute of the segment."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._minutes = [UNTRACKED] * 10
        #: Where a longer tooltip comes from, asked only when one is about to show.
        self.tooltip_source: Callable[[], str] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._describe()

    def minutes(self) -> list[int]:
        return list(self._minutes)

    def set_minutes(self, minutes: list[int]) -> None:
        self._minutes = (list(minutes) + [UNTRACKED] * 10)[:10]
        self._describe()
        self.update()

    def active_minutes(self) -> int:
        return self._minutes.count(ACTIVE)

    def _describe(self) -> None:
        tracked = sum(1 for m in self._minutes if m != UNTRACKED)
        text = f"{self.active_minutes()} of {tracked} minutes with input in this segment"
        self.setToolTip(text)
        self.setAccessibleName("Activity")
        self.setAccessibleDescription(text)

    def tooltip_text(self) -> str:
        return self.tooltip_source() if self.tooltip_source else self.toolTip()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.tooltip_source is not None:
            assert isinstance(event, QHelpEvent)
            QToolTip.showText(event.globalPos(), self.tooltip_source(), self)
            return True
        return super().event(event)

    def sizeHint(self) -> QSize:
        height = self.fontMetrics().height()
        return QSize(10 * height, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        gap = max(2.0, self.width() / 60)
        width = (self.width() - 9 * gap) / 10
        palette = self.palette()
        quiet = palette.color(QPalette.ColorRole.Mid)
        empty = palette.color(QPalette.ColorRole.Midlight)
        for index, state in enumerate(self._minutes):
            rect = QRectF(index * (width + gap), 0, width, self.height())
            colour = {ACTIVE: ACTIVE_COLOUR, QUIET: quiet}.get(state, empty)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(rect, 2, 2)
        painter.end()
