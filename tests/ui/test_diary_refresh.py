"""The diary reloads on its own while time is tracked: new segments appear, and the selection,
the scroll position and an open dialog's segments stay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from diary.records import SegmentState
from tests.local_zone import local_zone
from tests.tracker.helpers import at, run_until
from tests.ui.diary_seed import add_segment
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.records import Segment
from tracker.store import Store
from tracker.views import SegmentView
from ui.combo import ALL
from ui.diary_cells import SegmentCell
from ui.diary_view import DiaryView


@pytest.fixture(autouse=True)
def utc_machine() -> Iterator[None]:
    with local_zone("UTC"):
        yield


@pytest.fixture
def earlier(store: Store, data_dir: Path, contract_id: int) -> Segment:
    """A segment from before tracking starts, to select."""
    return add_segment(store, data_dir, contract_id, 1, at(9, 0))


@pytest.fixture
def diary(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path, earlier: Segment
) -> DiaryView:
    view = DiaryView(store, fake_clock, data_dir)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    return view


def _cell(diary: DiaryView, segment_id: str) -> SegmentCell:
    return next(c for c in diary.cells if c.view is not None and c.view.segment.id == segment_id)


def _view(diary: DiaryView, segment_id: str) -> SegmentView:
    view = _cell(diary, segment_id).view
    assert isinstance(view, SegmentView)
    return view


def _click(qtbot: QtBot, cell: SegmentCell) -> None:
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=QPoint(4, cell.height() - 4))


def tracked_today(store: Store) -> list[Segment]:
    return store.segments_between(at(10, 0), at(11, 0))


def _shown(diary: DiaryView) -> list[str]:
    return [c.view.segment.id for c in diary.cells if c.view is not None]


def test_a_segment_the_engine_closes_appears_and_the_selection_stays(
    qtbot: QtBot,
    diary: DiaryView,
    store: Store,
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    contract_id: int,
    earlier: Segment,
) -> None:
    _click(qtbot, _cell(diary, earlier.id))
    engine.start(contract_id, "Checkout page")
    counter.key_pressed()
    run_until(engine, fake_clock, at(10, 11, 10))  # the first segment closed, the next is open
    closed, open_ = (s.id for s in tracked_today(store))
    assert _shown(diary) == [earlier.id]  # the diary does not watch the database itself
    diary.reload()
    assert _shown(diary) == [earlier.id, closed, open_]
    assert [v.segment.id for v in diary.selected_views()] == [earlier.id]
    assert _cell(diary, earlier.id).selected
    assert "09:00–09:10" in diary.details.text()
    assert _view(diary, closed).active_minutes == 1
    assert _cell(diary, open_).title == "10:10–now"


def test_a_minute_more_updates_the_cells_in_place(
    qtbot: QtBot,
    diary: DiaryView,
    store: Store,
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    contract_id: int,
) -> None:
    engine.start(contract_id, "Checkout page")
    run_until(engine, fake_clock, at(10, 5, 10))
    diary.reload()
    cells = list(diary.cells)
    (segment,) = tracked_today(store)
    _click(qtbot, _cell(diary, segment.id))
    assert _view(diary, segment.id).tracked_minutes == 2  # 10:03 and 10:04
    counter.key_pressed()
    run_until(engine, fake_clock, at(10, 6, 10))
    diary.reload()
    # The same cells (no grid built again for a minute), showing the minute added.
    assert diary.cells == cells
    assert _view(diary, segment.id).tracked_minutes == 3
    assert _view(diary, segment.id).active_minutes == 1
    assert _cell(diary, segment.id).selected


def test_the_scroll_position_stays(
    qtbot: QtBot, diary: DiaryView, store: Store, data_dir: Path, contract_id: int
) -> None:
    for hour in range(10, 22):
        add_segment(store, data_dir, contract_id, hour, at(hour, 20))
    diary.resize(900, 400)
    diary.reload()
    bar = diary.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 300)
    bar.setValue(300)
    add_segment(store, data_dir, contract_id, 99, at(23, 0))  # a new row: the grid is rebuilt
    diary.reload()
    assert bar.value() == 300
    QApplication.processEvents()  # the new grid laid out and painted
    assert bar.value() == 300 and diary.cells[0].visibleRegion().isEmpty()
    # Another day starts at its top.
    qtbot.mouseClick(diary.next_day, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(diary.previous_day, Qt.MouseButton.LeftButton)
    assert bar.value() == 0


def test_an_open_dialog_keeps_its_segments(
    qtbot: QtBot,
    diary: DiaryView,
    store: Store,
    data_dir: Path,
    contract_id: int,
    earlier: Segment,
) -> None:
    _click(qtbot, _cell(diary, earlier.id))
    qtbot.mouseClick(diary.delete_button, Qt.MouseButton.LeftButton)
    assert diary.delete_dialog.isVisible()
    later = add_segment(store, data_dir, contract_id, 2, at(9, 10))
    diary.reload()  # as when a segment closes while the dialog is open
    qtbot.keyClicks(diary.delete_dialog.reason, "Tracked by mistake")
    with qtbot.waitSignal(diary.changed, timeout=1000):
        qtbot.mouseClick(diary.delete_dialog.delete_button, Qt.MouseButton.LeftButton)
    assert _view(diary, earlier.id).state is SegmentState.DELETED
    assert _view(diary, later.id).state is SegmentState.TRACKED


def test_showing_the_window_again_reloads(
    qtbot: QtBot, diary: DiaryView, store: Store, data_dir: Path, contract_id: int
) -> None:
    diary.hide()
    added = add_segment(store, data_dir, contract_id, 3, at(9, 30))
    diary.show()
    assert added.id in _shown(diary)


def test_contracts_refresh_keeps_the_choice_and_the_selection(
    qtbot: QtBot, diary: DiaryView, store: Store, contract_id: int, earlier: Segment
) -> None:
    diary.contract.setCurrentIndex(diary.contract.findData(contract_id))
    _click(qtbot, _cell(diary, earlier.id))
    added = store.add_contract("Support", "Globex", 4000, 0, True)
    diary.refresh_contracts()
    assert [diary.contract.itemData(i) for i in range(diary.contract.count())] == [
        ALL,
        contract_id,
        added.id,
    ]
    assert diary.contract.currentData() == contract_id
    assert [v.segment.id for v in diary.selected_views()] == [earlier.id]
    diary.contract.setCurrentIndex(0)
    assert _cell(diary, earlier.id).contract_text == "Website"


def test_a_day_of_144_segments_reloads_in_place(
    qtbot: QtBot, diary: DiaryView, store: Store, data_dir: Path, contract_id: int
) -> None:
    day = at(0, 0)
    for n in range(144):
        if day + n * timedelta(minutes=10) != at(9, 0):
            add_segment(store, data_dir, contract_id, 1000 + n, day + n * timedelta(minutes=10))
    diary.reload()
    assert len(diary.cells) == 144
    cells = list(diary.cells)
    diary.reload()
    assert diary.cells == cells
