"""A real window of one known colour, for tests that check what a screenshot shows.

Usage: python tests/colour_window.py X Y WIDTH HEIGHT '#rrggbb'  (prints "shown" once visible)
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget


def main() -> int:
    x, y, width, height = (int(v) for v in sys.argv[1:5])
    app = QApplication(sys.argv[:1])
    window = QWidget()
    window.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
    palette = window.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(sys.argv[5]))
    window.setPalette(palette)
    window.setAutoFillBackground(True)
    window.setGeometry(x, y, width, height)
    window.show()
    # Report once the window has been painted; the X server then shows its colour.
    QTimer.singleShot(300, lambda: print("shown", flush=True))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
