"""Draw Workdiary's icons (assets/*.png): python assets/make_icons.py. The PNGs are committed.

One shape for everything: a rounded square with a clock face over a page line (a diary).
Tracking is green, stopped is grey, the app icon is teal.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

HERE = Path(__file__).parent
COLOURS = {
    "workdiary": QColor("#136f63"),
    "tray-tracking": QColor("#2e8b57"),
    "tray-stopped": QColor("#6b7280"),
}
SIZES = {"workdiary": (16, 32, 64, 128, 256), "tray-tracking": (64,), "tray-stopped": (64,)}


def draw(size: int, colour: QColor) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawRoundedRect(QRectF(0.04 * s, 0.04 * s, 0.92 * s, 0.92 * s), 0.2 * s, 0.2 * s)
    white = QColor("#ffffff")
    pen = QPen(white, max(1.0, 0.08 * s), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    centre = QPointF(0.5 * s, 0.44 * s)
    radius = 0.26 * s
    p.drawEllipse(centre, radius, radius)
    p.drawLine(centre, QPointF(centre.x(), centre.y() - 0.17 * s))  # minute hand at :00
    p.drawLine(centre, QPointF(centre.x() + 0.13 * s, centre.y() + 0.05 * s))  # hour hand
    p.drawLine(QPointF(0.24 * s, 0.82 * s), QPointF(0.76 * s, 0.82 * s))  # the diary's line
    p.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    for name, colour in COLOURS.items():
        for size in SIZES[name]:
            suffix = "" if len(SIZES[name]) == 1 else f"-{size}"
            draw(size, colour).save(str(HERE / f"{name}{suffix}.png"))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
