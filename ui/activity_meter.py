"""Ten small bars: the current segment's minutes, filled where there was input."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from tracker.views import activity_text

#: A minute not tracked (yet), a tracked minute without input, one with input.
UNTRACKED, QUIET, ACTIVE = 0, 1, 2
ACTIVE_COLOUR = QColor(46, 139, 87)


class ActivityMeter(QWidget):
    """Shows 10 minutes as bars; ``set_minutes`` takes a state per minute of the segment."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._minutes = [UNTRACKED] * 10
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
        text = f"{activity_text(self.active_minutes(), tracked)} in this segment"
        self.setToolTip(text)
        self.setAccessibleName("Activity")
        self.setAccessibleDescription(text)

    def sizeHint(self) -> QSize:
        height = self.fontMetrics().height()
        return QSize(10 * height, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_bars(painter, QRectF(self.rect()), self._minutes, self.palette())
        painter.end()


def paint_bars(painter: QPainter, rect: QRectF, minutes: list[int], palette: QPalette) -> None:
    """Ten bars across ``rect``: green with input, darker grey without, light grey untracked."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    gap = max(2.0, rect.width() / 60)
    width = (rect.width() - 9 * gap) / 10
    quiet = palette.color(QPalette.ColorRole.Mid)
    empty = palette.color(QPalette.ColorRole.Midlight)
    painter.setPen(Qt.PenStyle.NoPen)
    for index, state in enumerate(minutes[:10]):
        bar = QRectF(rect.left() + index * (width + gap), rect.top(), width, rect.height())
        painter.setBrush({ACTIVE: ACTIVE_COLOUR, QUIET: quiet}.get(state, empty))
        painter.drawRoundedRect(bar, 2, 2)
    painter.restore()
