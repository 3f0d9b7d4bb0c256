"""The app's own icons from assets/ (drawn by assets/make_icons.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon

#: assets/ beside the packages, or inside a frozen app's bundle.
ASSETS = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1])) / "assets"


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 32, 64, 128, 256):
        icon.addFile(str(ASSETS / f"workdiary-{size}.png"))
    return icon


def tray_icon(tracking: bool) -> QIcon:
    return QIcon(str(ASSETS / ("tray-tracking.png" if tracking else "tray-stopped.png")))
