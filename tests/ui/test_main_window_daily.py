"""The main window in daily use: contracts added, edited and archived in it, changes made elsewhere
followed, numbers that move together, memos remembered, a layout that stays put."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from diary.records import AmendmentKind
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.store import DATABASE_FILE, Store
from ui.engine_worker import EngineWorker
from ui.main_window import MainWindow
from ui.wiring import connect_window


@pytest.fixture
def empty_window(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path, worker: EngineWorker
) -> MainWindow:
    """The window on a data dir with no contracts at all (a new user's first start)."""
    window = MainWindow(store, fake_clock, data_dir, program="workdiary")
    connect_window(window, worker)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _fill(window: MainWindow, title: str, client: str, rate: str, limit: str = "0") -> None:
    dialog = window.contract_dialog
    for field, text in (
        (dialog.title, title),
        (dialog.client, client),
        (dialog.rate, rate),
        (dialog.weekly_limit, limit),
    ):
        field.setText(text)


def test_a_new_user_adds_a_contract_in_the_window(
    qtbot: QtBot, empty_window: MainWindow, store: Store
) -> None:
    window = empty_window
    assert window.no_contracts.isVisible() and not window.contract_picker.isVisible()
    assert "terminal" not in window.no_contracts.text() and not window.message.isVisible()
    assert window.add_contract_button.text() == "Add a contract…"
    qtbot.mouseClick(window.add_contract_button, Qt.MouseButton.LeftButton)
    dialog = window.contract_dialog
    assert dialog.isVisible() and not dialog.archive_button.isVisible()
    _fill(window, "Website", "Acme", "45", "40")
    dialog.manual_allowed.setChecked(True)
    dialog.buttons.accepted.emit()
    assert not dialog.isVisible()
    (contract,) = store.contracts()
    assert (contract.title, contract.rate_cents, contract.weekly_limit_minutes) == (
        "Website",
        4500,
        2400,
    )
    assert contract.manual_allowed
    assert window.contract_picker.isVisible() and not window.no_contracts.isVisible()
    assert window.selected_contract() == contract.id
    assert window.contract_picker.currentText() == "Website — Acme · $45.00/h"
    assert window.week.text() == "0:00:00 of 40 h limit"


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        (("", "Acme", "45"), "A contract needs a title."),
        (("Website", "Acme", "45.001"), "The rate must be a number like 45.00"),
        (("Website", "Acme", "45", "170"), "The weekly limit must be 0 (no limit) to 168 hours"),
        (("Website", "Acme", "45.00"), "Contract 1 is already exactly this"),
    ],
)
def test_the_dialog_refuses_what_the_command_line_refuses(
    empty_window: MainWindow, store: Store, fields: tuple[str, ...], said: str
) -> None:
    store.add_contract("Website", "Acme", 4500, 0, False)
    empty_window.refresh_contracts()
    empty_window.contract_dialog.add()
    _fill(empty_window, *fields)
    empty_window.contract_dialog.buttons.accepted.emit()
    dialog = empty_window.contract_dialog
    assert said in dialog.error.text()
    assert dialog.isVisible() and len(store.contracts()) == 1
    # The dialog makes room: the refusal and the note above it are not clipped.
    for label in (dialog.error, dialog.note):
        assert label.height() >= label.heightForWidth(label.width())


def test_edit_a_contract(qtbot: QtBot, main_window: MainWindow, store: Store) -> None:
    qtbot.mouseClick(main_window.edit_contract_button, Qt.MouseButton.LeftButton)
    dialog = main_window.contract_dialog
    assert dialog.title.text() == "Website" and dialog.rate.text() == "45.00"
    assert dialog.weekly_limit.text() == "0" and not dialog.manual_allowed.isChecked()
    dialog.title.setText("Website v2")
    dialog.rate.setText("50")
    dialog.weekly_limit.setText("10")
    dialog.manual_allowed.setChecked(True)
    dialog.buttons.accepted.emit()
    (contract,) = store.contracts()
    assert (contract.title, contract.rate_cents, contract.weekly_limit_minutes) == (
        "Website v2",
        5000,
        600,
    )
    assert contract.manual_allowed
    assert main_window.contract_picker.currentText() == "Website v2 — Acme · $50.00/h"
    assert main_window.week.text().endswith("of 10 h limit")


def test_archive_a_contract_and_undo(
    qtbot: QtBot, main_window: MainWindow, store: Store, contract_id: int
) -> None:
    other = store.add_contract("Logo", "Initech", 3000, 0, False).id
    main_window.refresh_contracts()
    main_window.edit_contract_button.click()
    main_window.contract_dialog.archive_button.click()
    assert [c.id for c in store.contracts(archived=False)] == [other]
    assert main_window.contract_picker.findData(contract_id) == -1
    assert main_window.selected_contract() == other
    assert "is archived" in main_window.message.text() and main_window.undo_archive.isVisible()
    main_window.undo_archive.click()
    assert main_window.contract_picker.findData(contract_id) != -1
    assert main_window.selected_contract() == contract_id


def test_no_archiving_the_contract_being_tracked(
    qtbot: QtBot, main_window: MainWindow, engine: Engine
) -> None:
    qtbot.keyClicks(main_window.memo, "Checkout page")
    main_window.start_button.click()
    assert engine.tracking
    main_window.edit_contract_button.click()
    assert not main_window.contract_dialog.archive_button.isEnabled()
    assert "from the next start" in main_window.contract_dialog.note.text()


def test_a_contract_added_elsewhere_appears_without_a_restart(
    qtbot: QtBot, main_window: MainWindow, data_dir: Path, fake_clock: FakeClock
) -> None:
    """As `contract add` in a terminal does: another connection to the same database."""
    terminal = Store(data_dir / DATABASE_FILE, fake_clock)
    try:
        added = terminal.add_contract("Logo", "Initech", 3000, 0, False).id
        qtbot.waitUntil(lambda: main_window.contract_picker.findData(added) != -1, timeout=3000)
        terminal.update_contract(added, "Logo, final", "Initech", 3000, 0, False)
        index = main_window.contract_picker.findData(added)
        qtbot.waitUntil(
            lambda: main_window.contract_picker.itemText(index).startswith("Logo, final"),
            timeout=3000,
        )
        terminal.set_archived(added, True)
        qtbot.waitUntil(lambda: main_window.contract_picker.findData(added) == -1, timeout=3000)
    finally:
        terminal.close()


def test_the_three_numbers_move_together(
    qtbot: QtBot,
    main_window: MainWindow,
    worker: EngineWorker,
    fake_clock: FakeClock,
    counter: ActivityCounter,
) -> None:
    qtbot.keyClicks(main_window.memo, "Checkout page")
    main_window.start_button.click()
    counter.key_pressed()
    fake_clock.advance(60)
    worker.tick()  # a minute recorded: the totals are counted from the store
    fake_clock.advance(25)  # no minute yet: only the seconds tick
    main_window.refresh_elapsed()
    session = main_window.elapsed.text().removeprefix("Tracking for ")
    assert session == "0:01:25"
    assert main_window.today.text() == session
    assert main_window.week.text() == session


def test_the_memo_and_recent_memos_are_remembered(
    qtbot: QtBot,
    main_window: MainWindow,
    worker: EngineWorker,
    fake_clock: FakeClock,
    store: Store,
    data_dir: Path,
) -> None:
    for memo in ("Checkout page", "Cart bug"):
        main_window.memo.setText(memo)
        main_window.start_button.click()
        fake_clock.advance(120)
        worker.tick()
        main_window.start_button.click()
    main_window.memo.setText("Release notes")  # typed, not started yet
    main_window.remember_geometry()  # as when the app quits
    again = MainWindow(store, fake_clock, data_dir)
    qtbot.addWidget(again)
    assert again.memo.text() == "Release notes"
    assert again.recent_memos.stringList() == ["Cart bug", "Checkout page"]
    again.recent_menu.aboutToShow.emit()
    chosen = again.recent_menu.actions()[1]
    again.recent_menu.triggered.emit(chosen)
    assert again.memo.text() == "Checkout page"


def test_nothing_moves_when_the_status_line_changes(qtbot: QtBot, main_window: MainWindow) -> None:
    def places() -> list[QPoint]:
        widgets: list[QWidget] = [
            main_window.start_button,
            main_window.memo,
            main_window.diary_button,
            main_window.settings_button,
        ]
        return [w.mapTo(main_window, QPoint(0, 0)) for w in widgets]

    before = places()
    main_window.on_sync_status(
        "Sync: not connected to a marketplace. Everything recorded is signed on this device."
    )
    assert places() == before
    main_window.show_message("The weekly limit of 1 h is reached: tracking stopped.")
    assert places() == before


def test_time_that_no_longer_counts_does_not_tick_on(
    qtbot: QtBot,
    main_window: MainWindow,
    worker: EngineWorker,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    store: Store,
) -> None:
    """Deleting the running segment (its screenshot, say) stops today's and this week's time;
    the session goes on."""
    qtbot.keyClicks(main_window.memo, "Checkout page")
    main_window.start_button.click()
    counter.key_pressed()
    fake_clock.advance(60)
    worker.tick()
    (running,) = store.open_segments()
    store.add_amendment(running.id, AmendmentKind.DELETE_SEGMENT, reason="wrong window")
    main_window.refresh_times()
    today, week = main_window.today.text(), main_window.week.text()
    fake_clock.advance(20)
    main_window.refresh_elapsed()
    assert main_window.elapsed.text() == "Tracking for 0:01:20"
    assert (main_window.today.text(), main_window.week.text()) == (today, week)


def test_the_numbers_agree_across_a_segment_boundary(
    qtbot: QtBot, main_window: MainWindow, worker: EngineWorker, fake_clock: FakeClock
) -> None:
    """The engine stores a new segment with its first minute; until then the window counts it
    from the boundary, so the totals do not fall behind the session."""
    qtbot.keyClicks(main_window.memo, "Checkout page")
    main_window.start_button.click()  # 10:03:27
    fake_clock.advance(6 * 60 + 38)  # 10:10:05: the first segment closes at 10:10
    worker.tick()
    fake_clock.advance(10)
    main_window.refresh_elapsed()
    session = main_window.elapsed.text().removeprefix("Tracking for ")
    assert session == "0:06:48"
    assert (main_window.today.text(), main_window.week.text()) == (session, session)
