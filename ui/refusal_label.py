"""A dialog's refusal: red, wrapped, hidden when there is none, and given the room it needs."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

REFUSAL_COLOUR = "#b3261e"


class RefusalLabel(QLabel):
    """``say(text)`` shows a refusal, or clears it with ""."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {REFUSAL_COLOUR};")
        self.hide()

    def say(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))
        # A dialog keeps the height it opened with: a wrapped refusal would be clipped, and
        # the note above it pushed out of view.
        window = self.window()
        if window is not self:
            window.adjustSize()
