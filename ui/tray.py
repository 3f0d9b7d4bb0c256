"""The system tray icon: tracking or stopped, with start/stop, the contract, open and quit."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from .icons import tray_icon


class Tray(QObject):
    """Signals: ``toggle_requested()`` (start or stop), ``open_requested()``, ``quit_requested()``."""

    toggle_requested = Signal()
    open_requested = Signal()
    quit_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.icon = QSystemTrayIcon(tray_icon(False))
        self.menu = QMenu()
        self.toggle_action = QAction("Start tracking", self.menu)
        self.contract_action = QAction("No contract", self.menu)
        self.contract_action.setEnabled(False)
        self.open_action = QAction("Open Workdiary", self.menu)
        self.quit_action = QAction("Quit (stops tracking)", self.menu)
        for action in (self.toggle_action, self.contract_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.set_state(False, None)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.toggle_action.triggered.connect(self.toggle_requested)
        self.open_action.triggered.connect(self.open_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.icon.activated.connect(self.on_icon_activated)

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def set_state(self, tracking: bool, contract: str | None) -> None:
        self.icon.setIcon(tray_icon(tracking))
        self.toggle_action.setText("Stop tracking" if tracking else "Start tracking")
        self.contract_action.setText(contract or "No contract")
        state = f"tracking {contract}" if tracking and contract else "stopped"
        self.icon.setToolTip(f"Workdiary: {state}")

    def notify(self, title: str, text: str) -> None:
        self.icon.showMessage(title, text, tray_icon(True), 8000)

    @Slot(QSystemTrayIcon.ActivationReason)
    def on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()
