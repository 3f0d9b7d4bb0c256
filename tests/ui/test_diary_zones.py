"""The diary in local time or UTC: which segments make the day, the hours, the titles and the
screenshot viewer, and days when the clocks change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.local_zone import local_zone
from tests.tracker.helpers import at
from tests.ui.diary_seed import add_segment
from tracker.clock import FakeClock
from tracker.records import Segment
from tracker.store import Store
from tracker.zones import LOCAL, UTC_ZONE
from ui.diary_view import DiaryView


@pytest.fixture(autouse=True)
def new_york() -> Iterator[None]:
    with local_zone("America/New_York"):
        yield


@pytest.fixture
def diary(qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path) -> DiaryView:
    view = DiaryView(store, fake_clock, data_dir)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    return view


def _labels(diary: DiaryView) -> list[str]:
    return [row.label for row in diary.rows]


def _shown(diary: DiaryView) -> list[str]:
    return [c.view.segment.id for c in diary.cells if c.view is not None]


def _cell(diary: DiaryView, segment: Segment):  # type: ignore[no-untyped-def]
    return next(c for c in diary.cells if c.view is not None and c.view.segment.id == segment.id)


def test_local_time_by_default_and_utc_on_request(
    qtbot: QtBot, diary: DiaryView, store: Store, data_dir: Path, contract_id: int
) -> None:
    evening_before = add_segment(store, data_dir, contract_id, 1, at(3, 0))  # 22:00 on the 24th
    morning = add_segment(store, data_dir, contract_id, 2, at(10, 0))  # 05:00 on the 25th
    late = add_segment(store, data_dir, contract_id, 3, at(4, 30, day=26))  # 23:30 on the 25th
    diary.reload()
    # Now is 05:03 on the 25th in New York: that day, by its local hours.
    assert diary.zone == LOCAL and diary.selected_date() == date(2026, 11, 25)
    assert diary.zone_picker.currentText() == "Local time"
    assert diary.zone_note.text() == "(EST, UTC−05:00)"
    assert _labels(diary) == ["05:00", "23:00"]
    assert _shown(diary) == [morning.id, late.id]
    cell = _cell(diary, morning)
    assert cell.title == "05:00–05:10"
    assert "\n05:03  keys 40, clicks 2" in cell.bars_tooltip()
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=cell.thumbnail_rect().center())
    assert diary.viewer.windowTitle() == "Screenshot at 05:03:00 EST"
    diary.viewer.close()

    diary.set_zone(UTC_ZONE)
    assert diary.zone_note.text() == ""
    assert _labels(diary) == ["03:00", "10:00"]
    assert _shown(diary) == [evening_before.id, morning.id]
    cell = _cell(diary, morning)
    assert cell.title == "10:00–10:10"
    assert "\n10:03  keys 40, clicks 2" in cell.bars_tooltip()
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=cell.thumbnail_rect().center())
    assert diary.viewer.windowTitle() == "Screenshot at 10:03:00 UTC"


def test_the_day_the_clocks_go_back_has_25_hours(
    diary: DiaryView, store: Store, data_dir: Path, contract_id: int
) -> None:
    first = add_segment(store, data_dir, contract_id, 1, at(4, 0, day=1))
    summer = add_segment(store, data_dir, contract_id, 2, at(5, 10, day=1))
    winter = add_segment(store, data_dir, contract_id, 3, at(6, 10, day=1))
    last = add_segment(store, data_dir, contract_id, 4, at(4, 50, day=2))
    diary.show_day(date(2026, 11, 1))  # EDT until 02:00, then EST from 01:00 again
    assert _labels(diary) == ["00:00 EDT", "01:00 EDT", "01:00 EST", "23:00 EST"]
    assert _shown(diary) == [first.id, summer.id, winter.id, last.id]
    assert "25 hours" in diary.zone_note.text()
    assert [c.title for c in diary.cells if c.view is not None] == [
        "00:00–00:10",
        "01:10–01:20",
        "01:10–01:20",
        "23:50–00:00",
    ]


def test_the_day_the_clocks_go_forward_has_23_hours(
    diary: DiaryView, store: Store, data_dir: Path, contract_id: int
) -> None:
    before = add_segment(store, data_dir, contract_id, 1, datetime(2026, 3, 8, 6, 50, tzinfo=UTC))
    after = add_segment(store, data_dir, contract_id, 2, datetime(2026, 3, 8, 7, 0, tzinfo=UTC))
    diary.show_day(date(2026, 3, 8))
    assert _labels(diary) == ["01:00 EST", "03:00 EDT"]
    assert _shown(diary) == [before.id, after.id]
    assert "23 hours" in diary.zone_note.text()


def test_manual_time_follows_the_diarys_zone(
    qtbot: QtBot, diary: DiaryView, store: Store, fake_clock: FakeClock
) -> None:
    store.add_contract("Support", "Globex", 4000, 0, True)
    qtbot.mouseClick(diary.manual_button, Qt.MouseButton.LeftButton)
    assert "local time (EST, UTC−05:00)" in diary.manual_dialog.about.text()
    diary.manual_dialog.close()
    diary.set_zone(UTC_ZONE)
    qtbot.mouseClick(diary.manual_button, Qt.MouseButton.LeftButton)
    assert "Times are UTC." in diary.manual_dialog.about.text()
