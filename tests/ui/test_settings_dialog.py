"""Settings from the window: current values, saved with validation, applied to the running engine."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from diary.canonical import parse_json
from sync.keys import MemoryVault
from sync.ledger import Ledger
from sync.signer import Signer
from tests.desktop_entries import validate
from tests.tracker.helpers import at, run_until
from tracker.autostart import ENTRY_FILE, Autostart, desktop_entry
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.settings import SETTINGS_FILE, load_settings
from tracker.store import Store
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog


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
    qtbot: QtBot,
    main_window: MainWindow,
    engine: Engine,
    fake_clock: FakeClock,
    store: Store,
    contract_id: int,
) -> None:
    """A deletion in the diary reaches the signer through the window's ``edited`` signal, as the
    app wires it (there to a round of signing in its own process, here to the signer itself)."""
    ledger = Ledger(store)
    signer = Signer(store, ledger, MemoryVault(), fake_clock)
    main_window.edited.connect(signer.sign_pending)
    engine.start(contract_id, "Checkout page")
    run_until(engine, fake_clock, at(10, 8))
    engine.stop()
    signer.sign_pending()
    (segment,) = store.segments_between(at(10, 0), at(11, 0))
    qtbot.mouseClick(main_window.diary_button, Qt.MouseButton.LeftButton)
    diary = main_window.diary
    assert diary is not None and diary.isVisible()
    qtbot.addWidget(diary)
    qtbot.mouseClick(main_window.timesheet_button, Qt.MouseButton.LeftButton)
    assert main_window.timesheet is not None and main_window.timesheet.isVisible()
    qtbot.addWidget(main_window.timesheet)
    cell = next(c for c in diary.cells if c.view is not None and c.view.segment.id == segment.id)
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=QPoint(4, cell.height() - 4))
    qtbot.mouseClick(diary.delete_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(diary.delete_dialog.reason, "Tracked by mistake")
    with qtbot.waitSignal(main_window.edited, timeout=1000):
        qtbot.mouseClick(diary.delete_dialog.delete_button, Qt.MouseButton.LeftButton)
    (device,) = ledger.devices()
    records = [parse_json(r.record) for r in ledger.chain(device)]
    assert [(r["type"], r.get("kind")) for r in records] == [
        ("key", None),
        ("segment", None),
        ("amendment", "delete-segment"),
    ]
    assert records[2]["segment"] == segment.id


PROGRAM = ("/home/ann/.local/lib/workdiary/workdiary",)


def _window_with_autostart(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path, autostart: Autostart
) -> MainWindow:
    window = MainWindow(store, fake_clock, data_dir, autostart=autostart)
    qtbot.addWidget(window)
    return window


def _save(qtbot: QtBot, dialog: SettingsDialog) -> None:
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )


def test_the_login_checkbox_is_the_autostart_entry(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "config" / "autostart"
    window = _window_with_autostart(qtbot, store, fake_clock, data_dir, Autostart(folder, PROGRAM))
    dialog = window.settings_dialog
    dialog.edit()
    assert dialog.autostart.isVisibleTo(dialog) and dialog.autostart.isEnabled()
    assert not dialog.autostart.isChecked()  # no entry yet
    assert PROGRAM[0] in dialog.autostart.toolTip()
    qtbot.mouseClick(dialog.autostart, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.settings_saved, timeout=1000):
        _save(qtbot, dialog)
    entry = folder / ENTRY_FILE
    assert entry.read_text(encoding="utf-8") == desktop_entry(PROGRAM)
    validate(entry)
    dialog.edit()
    assert dialog.autostart.isChecked()
    qtbot.mouseClick(dialog.autostart, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.settings_saved, timeout=1000):
        _save(qtbot, dialog)
    assert not entry.exists()
    # Switched off by the desktop's own tool: the box shows it off.
    entry.write_text(desktop_entry(PROGRAM) + "X-GNOME-Autostart-enabled=false\n")
    dialog.edit()
    assert not dialog.autostart.isChecked()


def test_an_autostart_folder_that_cannot_be_written_is_said_and_nothing_saved(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "config").write_text("a file where the config folder should be")
    folder = tmp_path / "config" / "autostart"
    window = _window_with_autostart(qtbot, store, fake_clock, data_dir, Autostart(folder, PROGRAM))
    dialog = window.settings_dialog
    dialog.edit()
    dialog.idle_minutes.setValue(25)
    qtbot.mouseClick(dialog.autostart, Qt.MouseButton.LeftButton)
    _save(qtbot, dialog)
    assert dialog.isVisible()
    assert f"The autostart entry cannot be written in {folder}" in dialog.error.text()
    assert "back as it was" in dialog.error.text()
    assert load_settings(data_dir).idle_minutes == 10
    dialog.autostart.setChecked(False)  # as the advice says: the rest saves then
    with qtbot.waitSignal(window.settings_saved, timeout=1000):
        _save(qtbot, dialog)
    assert load_settings(data_dir).idle_minutes == 25


def test_an_unreadable_autostart_entry_leaves_the_box_alone(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / ENTRY_FILE).mkdir()  # a folder where the entry should be
    window = _window_with_autostart(
        qtbot, store, fake_clock, data_dir, Autostart(tmp_path, PROGRAM)
    )
    dialog = window.settings_dialog
    dialog.edit()
    assert not dialog.autostart.isEnabled()
    assert "cannot be read" in dialog.error.text()
    dialog.idle_minutes.setValue(30)
    with qtbot.waitSignal(window.settings_saved, timeout=1000):
        _save(qtbot, dialog)
    assert load_settings(data_dir).idle_minutes == 30
    assert (data_dir / SETTINGS_FILE).exists()
    assert not (data_dir / "settings.toml.unreadable").exists()  # the settings were readable


def test_without_an_autostart_the_dialog_offers_none(qtbot: QtBot, main_window: MainWindow) -> None:
    qtbot.mouseClick(main_window.settings_button, Qt.MouseButton.LeftButton)
    assert not main_window.settings_dialog.autostart.isVisibleTo(main_window.settings_dialog)
