"""The notice after each screenshot: a small popup that takes no focus, with a Delete button."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QEnterEvent, QGuiApplication, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tracker.records import Screenshot

#: How long the notice stays, unless the pointer rests on it.
SHOWN_FOR_MS = 6000
MARGIN = 16


class ScreenshotNotice(QWidget):
    """Signals: ``delete_requested(object)`` with the Screenshot the user wants gone."""

    delete_requested = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setObjectName("screenshotNotice")
        self._data_dir = data_dir
        self._shot: Screenshot | None = None
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(160, 90)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.delete_button.setToolTip("Delete this screenshot; its segment will not count")
        self.dismiss_button = QPushButton("OK")
        self.dismiss_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.dismiss_button)
        text = QVBoxLayout()
        text.addWidget(self.caption)
        text.addStretch(1)
        text.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.thumbnail)
        layout.addLayout(text)
        self.setStyleSheet(
            "#screenshotNotice { border: 1px solid palette(mid); background: palette(window); }"
        )
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SHOWN_FOR_MS)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self.hide)
        self.dismiss_button.clicked.connect(self.hide)
        self.delete_button.clicked.connect(self.on_delete_clicked)

    def shot(self) -> Screenshot | None:
        return self._shot

    def show_screenshot(self, shot: Screenshot) -> None:
        """Show the notice for a screenshot just taken, in the screen's bottom right corner."""
        if shot.thumb_path is None:
            return
        self._shot = shot
        pixmap = QPixmap(str(self._data_dir / shot.thumb_path))
        self.thumbnail.setPixmap(
            pixmap.scaled(
                self.thumbnail.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        local = shot.taken_at.astimezone().strftime("%H:%M:%S")
        blurred = " (blurred)" if shot.blurred else ""
        self.caption.setText(f"Screenshot taken at {local}{blurred}.")
        self.adjustSize()
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            self.move(area.right() - self.width() - MARGIN, area.bottom() - self.height() - MARGIN)
        self.show()
        self._timer.start()

    def enterEvent(self, event: QEnterEvent) -> None:
        self._timer.stop()  # reading it, or about to click: do not vanish meanwhile
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self.isVisible():
            self._timer.start()
        super().leaveEvent(event)

    @Slot()
    def on_delete_clicked(self) -> None:
        if self._shot is not None:
            self._timer.stop()
            self.delete_requested.emit(self._shot)
