"""The engine's settings, edited with the same validation as the settings command, and whether
Workdiary starts at login (its autostart entry)."""

from __future__ import annotations

import shlex
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from tracker.autostart import Autostart
from tracker.errors import TrackerError
from tracker.records import IdlePolicy
from tracker.settings import SETTING_RULES, Settings, load_settings, save_setting

from .messages import explain
from .refusal_label import RefusalLabel

IDLE_POLICIES = {
    IdlePolicy.ASK.value: "Ask me",
    IdlePolicy.KEEP.value: "Always keep it",
    IdlePolicy.DISCARD.value: "Always discard it",
}


class SettingsDialog(QDialog):
    """Signals: ``saved(object)``, the new Settings, once they are written."""

    saved = Signal(object)

    def __init__(
        self, data_dir: Path, parent: QWidget | None = None, autostart: Autostart | None = None
    ) -> None:
        """``autostart``: the login entry this program would write (None: no such row)."""
        super().__init__(parent)
        self._data_dir = data_dir
        self._autostart = autostart
        self._settings_unreadable = False
        self.setWindowTitle("Settings")
        self.screenshots = QSpinBox()
        self.screenshots.setRange(1, 3)
        self.blur = QCheckBox("Blur screenshots before they are saved")
        self.monitors = QComboBox()
        self.monitors.addItem("All monitors", "all")
        self.monitors.addItem("The monitor under the pointer", "pointer")
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(1, 120)
        self.idle_minutes.setSuffix(" min")
        self.idle_policy = QComboBox()
        for value, label in IDLE_POLICIES.items():
            self.idle_policy.addItem(label, value)
        self.autostart = QCheckBox("Start Workdiary when I log in")
        self.error = RefusalLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        form = QFormLayout(self)
        form.addRow("Screenshots per segment", self.screenshots)
        form.addRow("", self.blur)
        form.addRow("Screenshots of", self.monitors)
        form.addRow("Idle after", self.idle_minutes)
        form.addRow("Idle time", self.idle_policy)
        form.addRow("", self.autostart)
        if autostart is not None:
            self.autostart.setToolTip(
                f"At login, runs: {shlex.join(autostart.command)}\n(from {autostart.path})"
            )
        else:
            form.setRowVisible(self.autostart, False)
        form.addRow(self.error)
        form.addRow(self.buttons)
        for widget, key in (
            (self.screenshots, "screenshots_per_segment"),
            (self.monitors, "monitors"),
            (self.idle_minutes, "idle_minutes"),
            (self.idle_policy, "idle_policy"),
        ):
            widget.setToolTip(SETTING_RULES[key][1])
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.on_save_clicked)
        self.buttons.rejected.connect(self.reject)

    def edit(self) -> None:
        """Open with the settings as they are on disk (or say why they cannot be read)."""
        notes = []
        try:
            settings = load_settings(self._data_dir)
            self._settings_unreadable = False
        except TrackerError as error:
            settings = Settings()
            self._settings_unreadable = True
            notes.append(f"{error} Saving writes the values shown.")
        if self._autostart is not None:
            try:
                self.autostart.setChecked(self._autostart.enabled())
                self.autostart.setEnabled(True)
            except TrackerError as error:  # left as it is, whatever is saved
                self.autostart.setChecked(False)
                self.autostart.setEnabled(False)
                notes.append(str(error))
        self.error.say(" ".join(notes))
        self.screenshots.setValue(settings.screenshots_per_segment)
        self.blur.setChecked(settings.blur)
        self.monitors.setCurrentIndex(self.monitors.findData(settings.monitors))
        self.idle_minutes.setValue(settings.idle_minutes)
        self.idle_policy.setCurrentIndex(self.idle_policy.findData(settings.idle_policy))
        self.adjustSize()  # room for wrapped notes, at the width they now need
        self.open()

    def values(self) -> dict[str, object]:
        return {
            "screenshots_per_segment": self.screenshots.value(),
            "blur": self.blur.isChecked(),
            "monitors": self.monitors.currentData(),
            "idle_minutes": self.idle_minutes.value(),
            "idle_policy": self.idle_policy.currentData(),
        }

    @Slot()
    def on_save_clicked(self) -> None:
        # The login entry first: if it cannot be written, nothing is saved and the dialog says
        # why, rather than half of what the user chose.
        if self._autostart is not None and self.autostart.isEnabled():
            try:
                self._autostart.switch(self.autostart.isChecked())
            except TrackerError as error:
                self.error.say(explain(error))
                return
        path = self._data_dir / "settings.toml"
        if self._settings_unreadable and path.exists():
            path.replace(path.with_name("settings.toml.unreadable"))  # keep what could not be read
            self._settings_unreadable = False
        try:
            settings = None
            for key, value in self.values().items():
                settings = save_setting(self._data_dir, key, value)
        except TrackerError as error:
            self.error.say(explain(error))
            return
        self.accept()
        self.saved.emit(settings)
