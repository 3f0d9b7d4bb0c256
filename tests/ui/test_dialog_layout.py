"""Each dialog opens with room for its wrapped notes: nothing clipped the first time it opens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from tracker.clock import FakeClock
from tracker.store import Store
from ui.contract_dialog import ContractDialog
from ui.delete_dialog import DeleteDialog
from ui.manual_time_dialog import ManualTimeDialog
from ui.settings_dialog import SettingsDialog


def _contract_add(store: Store, clock: FakeClock, data_dir: Path) -> QDialog:
    dialog = ContractDialog(store)
    dialog.add()
    return dialog


def _contract_edit(store: Store, clock: FakeClock, data_dir: Path) -> QDialog:
    dialog = ContractDialog(store)
    dialog.edit(store.add_contract("Website", "Acme", 4500, 0, False), tracking=True)
    return dialog


def _manual_time(store: Store, clock: FakeClock, data_dir: Path) -> QDialog:
    dialog = ManualTimeDialog(store, clock)  # no contract allows it: a refusal shows too
    dialog.ask(date(2026, 11, 25))
    return dialog


def _settings(store: Store, clock: FakeClock, data_dir: Path) -> QDialog:
    dialog = SettingsDialog(data_dir)
    dialog.edit()
    return dialog


def _delete(store: Store, clock: FakeClock, data_dir: Path) -> QDialog:
    dialog = DeleteDialog()
    dialog.ask(3)
    return dialog


@pytest.mark.parametrize(
    "opened", [_contract_add, _contract_edit, _manual_time, _settings, _delete]
)
def test_nothing_is_clipped_when_a_dialog_first_opens(
    qtbot: QtBot,
    store: Store,
    fake_clock: FakeClock,
    data_dir: Path,
    opened: Callable[[Store, FakeClock, Path], QDialog],
) -> None:
    dialog = opened(store, fake_clock, data_dir)
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    clipped = [
        label.text()
        for label in dialog.findChildren(QLabel)
        if label.isVisible()
        and label.wordWrap()
        and label.height() < label.heightForWidth(label.width())
    ]
    assert clipped == []
