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
from tests.tracker.helpers import at, run_until
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.settings import SETTINGS_FILE, load_settings
from tracker.store import Store
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
