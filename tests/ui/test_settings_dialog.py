"""Settings from the window: current values, saved with validation, applied to the running engine."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from tracker.engine import Engine
from tracker.settings import SETTINGS_FILE, load_settings
from ui.main_window import MainWindow


def test_saved_settings_reach_the_file_and_the_engine(
    qtbot: QtBot, main_window: MainWindow, engine: Engine, data_dir: Path
) -> None:
    qtbot.mouseClick(main_window.settings_button, Qt.MouseButton.LeftButton)
    dialog = main_window.settings_dialog
    assert dialog.isVisible()
    assert dialog.values() == {
        "screenshots_per_segment": 1,
        "blur": False,
        "monitors": "all",
        "idle_minutes": 10,
        "idle_policy": "ask",
    }
    dialog.screenshots.setValue(3)
    dialog.blur.setChecked(True)
    dialog.idle_minutes.setValue(20)
    dialog.idle_policy.setCurrentIndex(dialog.idle_policy.findData("discard"))
    with qtbot.waitSignal(main_window.settings_saved, timeout=1000):
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
    saved = load_settings(data_dir)
    assert (saved.screenshots_per_segment, saved.blur, saved.idle_minutes, saved.idle_policy) == (
        3,
        True,
        20,
        "discard",
    )
    assert engine.settings == saved
    dialog.screenshots.setValue(5)
    assert dialog.screenshots.value() == 3  # the widget allows only what the engine accepts


def test_an_unreadable_settings_file_is_explained_and_kept(
    qtbot: QtBot, main_window: MainWindow, data_dir: Path
) -> None:
    (data_dir / SETTINGS_FILE).write_text("idle_minutes = [broken")
    qtbot.mouseClick(main_window.settings_button, Qt.MouseButton.LeftButton)
    dialog = main_window.settings_dialog
    assert "cannot be read" in dialog.error.text()
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert load_settings(data_dir).idle_minutes == 10
    assert (data_dir / "settings.toml.unreadable").read_text() == "idle_minutes = [broken"


def test_the_diary_and_timesheet_open_and_edits_are_signed(
    qtbot: QtBot, main_window: MainWindow
) -> None:
    qtbot.mouseClick(main_window.diary_button, Qt.MouseButton.LeftButton)
    assert main_window.diary is not None and main_window.diary.isVisible()
    qtbot.addWidget(main_window.diary)
    qtbot.mouseClick(main_window.timesheet_button, Qt.MouseButton.LeftButton)
    assert main_window.timesheet is not None and main_window.timesheet.isVisible()
    qtbot.addWidget(main_window.timesheet)
    with qtbot.waitSignal(main_window.edited, timeout=1000):
        main_window.diary.changed.emit()
