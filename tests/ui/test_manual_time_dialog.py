"""Manual time: typed times, the last ten minutes by default, the locale's day, local time
turned into UTC, and who decides whether a contract allows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QLocale, Qt, QTime
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from diary.records import SegmentKind
from tests.local_zone import local_zone
from tests.tracker.helpers import at
from tracker.clock import FakeClock
from tracker.store import Store
from tracker.zones import LOCAL, UTC_ZONE
from ui.manual_time_dialog import ManualTimeDialog


@pytest.fixture(autouse=True)
def new_york() -> Iterator[None]:
    """Local time is five hours behind UTC in November, so a mix-up shows."""
    with local_zone("America/New_York"):
        yield


@pytest.fixture
def allowed(store: Store) -> int:
    return store.add_contract("Support", "Globex", 4000, 0, True).id


@pytest.fixture
def dialog(qtbot: QtBot, store: Store, fake_clock: FakeClock, allowed: int) -> ManualTimeDialog:
    fake_clock.set_wall(at(19, 37))  # 14:37 in New York
    made = ManualTimeDialog(store, fake_clock)
    qtbot.addWidget(made)
    return made


def _shown(edit: object) -> str:
    assert hasattr(edit, "time")
    return str(edit.time().toString("HH:mm"))


def test_typed_times_take_effect_without_picking_a_part(
    qtbot: QtBot, dialog: ManualTimeDialog
) -> None:
    dialog.ask(date(2026, 11, 25))
    dialog.start.lineEdit().setCursorPosition(0)  # as a click on the hours leaves it
    qtbot.keyClicks(dialog.start, "1130")
    assert _shown(dialog.start) == "11:30"
    dialog.end.lineEdit().setCursorPosition(0)
    qtbot.keyClicks(dialog.end, "12:05")
    assert _shown(dialog.end) == "12:05"
    dialog.end.lineEdit().setCursorPosition(5)  # a click after the minutes
    qtbot.keyClicks(dialog.end, "45")
    assert _shown(dialog.end) == "12:45"
    qtbot.keyClick(dialog.end, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.end, "16:00")  # all selected: a new time, from its hour
    assert _shown(dialog.end) == "16:00"


def test_the_last_whole_ten_minutes_by_default(dialog: ManualTimeDialog) -> None:
    dialog.ask(date(2026, 11, 25))  # local time unless the diary shows UTC
    assert (_shown(dialog.start), _shown(dialog.end)) == ("14:20", "14:30")
    assert dialog.period() == (at(19, 20), at(19, 30))
    assert "Times are local time (EST, UTC−05:00)." in dialog.about.text()
    dialog.ask(date(2026, 11, 25), UTC_ZONE)
    assert (_shown(dialog.start), _shown(dialog.end)) == ("19:20", "19:30")
    assert "Times are UTC." in dialog.about.text()


def test_just_after_midnight_the_default_is_the_day_before(
    dialog: ManualTimeDialog, fake_clock: FakeClock
) -> None:
    fake_clock.set_wall(at(5, 5, day=26))  # 00:05 on the 26th in New York
    dialog.ask(date(2026, 11, 26), LOCAL)
    assert dialog.day.date().toPython() == date(2026, 11, 25)
    assert (_shown(dialog.start), _shown(dialog.end)) == ("23:50", "00:00")
    assert dialog.period() == (at(4, 50, day=26), at(5, 0, day=26))


def test_local_times_are_added_in_utc(
    qtbot: QtBot, dialog: ManualTimeDialog, store: Store, allowed: int
) -> None:
    dialog.ask(date(2026, 11, 25), LOCAL)
    dialog.set_times(QTime(9, 0), QTime(9, 25))
    qtbot.keyClicks(dialog.memo, "Call with the client")
    with qtbot.waitSignal(dialog.added, timeout=1000):
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    added = store.segments_between(at(0, 0), at(0, 0, day=26), allowed)
    assert [(s.start, s.end, s.kind) for s in added] == [
        (at(14, 0), at(14, 10), SegmentKind.MANUAL),
        (at(14, 10), at(14, 20), SegmentKind.MANUAL),
        (at(14, 20), at(14, 25), SegmentKind.MANUAL),
    ]


@pytest.mark.parametrize(
    ("language", "country", "shown"),
    [
        (QLocale.Language.German, QLocale.Country.Germany, "25.11.2026"),
        (QLocale.Language.English, QLocale.Country.UnitedStates, "11/25/2026"),
    ],
)
def test_the_day_reads_in_the_locale(
    qtbot: QtBot,
    store: Store,
    fake_clock: FakeClock,
    language: QLocale.Language,
    country: QLocale.Country,
    shown: str,
) -> None:
    before = QLocale()
    QLocale.setDefault(QLocale(language, country))
    try:
        made = ManualTimeDialog(store, fake_clock)
        qtbot.addWidget(made)
        made.ask(date(2026, 11, 25))
        assert made.day.text() == shown
    finally:
        QLocale.setDefault(before)


def test_with_no_contract_allowing_it_says_who_decides(
    qtbot: QtBot, store: Store, fake_clock: FakeClock
) -> None:
    store.add_contract("Website", "Acme", 4500, 0, False)
    made = ManualTimeDialog(store, fake_clock)
    qtbot.addWidget(made)
    made.ask(date(2026, 11, 25))
    assert made.contract.count() == 0
    assert not made.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    text = made.error.text()
    assert "For your own contracts you decide" in text and "Manual time allowed" in text
    assert "On a marketplace, the client decides." in text
