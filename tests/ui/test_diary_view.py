"""The work diary view on a seeded day: cells, states, bars, thumbnails, deleting, memos."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTime
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from diary.records import AmendmentKind, SegmentKind, SegmentState
from tests.local_zone import local_zone
from tests.tracker.helpers import at
from tests.ui.diary_seed import add_segment
from tracker.clock import FakeClock
from tracker.records import Segment
from tracker.store import Store
from ui.activity_meter import ACTIVE, QUIET
from ui.combo import chosen_id
from ui.diary_view import DiaryView


@pytest.fixture(autouse=True)
def utc_machine() -> Iterator[None]:
    """Local time is UTC here, so the hours read as seeded (tests/ui/test_diary_zones.py
    shows them elsewhere)."""
    with local_zone("UTC"):
        yield


@pytest.fixture
def seeded(store: Store, data_dir: Path, contract_id: int) -> dict[str, Segment]:
    tracked = add_segment(store, data_dir, contract_id, 1, at(10, 0))
    deleted = add_segment(store, data_dir, contract_id, 2, at(10, 10))
    idle = add_segment(store, data_dir, contract_id, 3, at(10, 20))
    over = add_segment(store, data_dir, contract_id, 4, at(10, 30))
    manual = add_segment(store, data_dir, contract_id, 5, at(11, 0), SegmentKind.MANUAL)
    store.add_amendment(deleted.id, AmendmentKind.DELETE_SEGMENT, reason="private")
    store.add_amendment(idle.id, AmendmentKind.IDLE_DISCARD, start=at(10, 20), end=at(10, 30))
    store.add_amendment(over.id, AmendmentKind.OVER_LIMIT)
    return {"tracked": tracked, "deleted": deleted, "idle": idle, "over": over, "manual": manual}


@pytest.fixture
def diary(
    qtbot: QtBot, store: Store, fake_clock: FakeClock, data_dir: Path, seeded: dict[str, Segment]
) -> DiaryView:
    view = DiaryView(store, fake_clock, data_dir)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    return view


def _cell(diary: DiaryView, segment: Segment):  # type: ignore[no-untyped-def]
    return next(c for c in diary.cells if c.view is not None and c.view.segment.id == segment.id)


def test_a_seeded_day_shows_cells_states_and_counts(
    diary: DiaryView, seeded: dict[str, Segment]
) -> None:
    states = {name: _cell(diary, s).view.state for name, s in seeded.items()}
    assert states == {
        "tracked": SegmentState.TRACKED,
        "deleted": SegmentState.DELETED,
        "idle": SegmentState.IDLE_DISCARDED,
        "over": SegmentState.OVER_LIMIT,
        "manual": SegmentState.MANUAL,
    }
    tracked = _cell(diary, seeded["tracked"])
    assert tracked.minute_states == [ACTIVE, ACTIVE, QUIET] * 3 + [ACTIVE]
    assert "7 of 10 min active" in tracked.bars_tooltip()
    assert "10:00  keys 40, clicks 2, scrolls 0, moves 0" in tracked.bars_tooltip()
    thumbnail = tracked.pixmap()
    assert thumbnail is not None and thumbnail.width() == 120
    assert tracked.memo_text == "Memo 1" and tracked.elided_memo() == "Memo 1"
    # Discarded minutes are not shown as activity.
    assert ACTIVE not in _cell(diary, seeded["idle"]).minute_states
    # 10:00 and 11:00 rows, six cells each (empty slots too): 12 slots, one segment each at most.
    assert len(diary.cells) == 12
    assert diary.total.text() == "Day total: 0:20:00 billable"  # tracked 10 min + manual 10 min


def _select(qtbot: QtBot, diary: DiaryView, *segments: Segment) -> None:
    for segment in segments:
        cell = _cell(diary, segment)
        qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=QPoint(4, cell.height() - 4))


def test_delete_selected_with_a_reason(
    qtbot: QtBot, diary: DiaryView, store: Store, seeded: dict[str, Segment]
) -> None:
    _select(qtbot, diary, seeded["tracked"])
    assert diary.selected_views() == [_cell(diary, seeded["tracked"]).view]
    qtbot.mouseClick(diary.delete_button, Qt.MouseButton.LeftButton)
    dialog = diary.delete_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Delete 1 segment?"
    assert dialog.question.text() == "Delete 1 segment?"
    assert dialog.explanation.text().startswith("Its time and activity will no longer count.")
    # A reason is required: the client sees it with the deletion.
    assert not dialog.delete_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "   ")
    assert not dialog.delete_button.isEnabled()
    dialog.reason.clear()
    qtbot.keyClicks(dialog.reason, "A private call")
    with qtbot.waitSignal(diary.changed, timeout=1000):
        qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert _cell(diary, seeded["tracked"]).view.state is SegmentState.DELETED
    assert diary.total.text() == "Day total: 0:10:00 billable"
    (deletion,) = store.amendments([seeded["tracked"].id])[seeded["tracked"].id]
    assert (deletion.kind, deletion.reason) == (AmendmentKind.DELETE_SEGMENT, "A private call")


def test_deleting_several_says_how_many(
    qtbot: QtBot, diary: DiaryView, seeded: dict[str, Segment]
) -> None:
    _select(qtbot, diary, seeded["tracked"], seeded["idle"], seeded["over"])
    qtbot.mouseClick(diary.delete_button, Qt.MouseButton.LeftButton)
    assert diary.delete_dialog.windowTitle() == "Delete 3 segments?"
    assert diary.delete_dialog.question.text() == "Delete 3 segments?"
    assert diary.delete_dialog.explanation.text().startswith("Their time and activity")
    qtbot.mouseClick(
        diary.delete_dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        Qt.MouseButton.LeftButton,
    )
    assert not diary.delete_dialog.isVisible()
    assert _cell(diary, seeded["tracked"]).view.state is SegmentState.TRACKED


def test_the_whole_memo_of_the_selected_segment_shows(
    qtbot: QtBot, diary: DiaryView, store: Store, data_dir: Path, contract_id: int
) -> None:
    memo = "Checkout page: " + "tax rules for every country in the European Union, " * 4
    long = add_segment(store, data_dir, contract_id, 9, at(12, 0), memo=memo.strip())
    diary.reload()
    cell = _cell(diary, long)
    assert cell.elided_memo() != memo.strip()  # the cell has room for a line of it
    assert not diary.details.isVisible()
    _select(qtbot, diary, long)
    assert diary.details.isVisible() and diary.details.wordWrap()
    assert memo.strip() in diary.details.text()
    assert "12:00–12:10 UTC · Website — Acme · Tracked · 7 of 10 min active" in (
        diary.details.text()
    )
    _select(qtbot, diary, long)  # unselected again
    assert not diary.details.isVisible()


def test_all_contracts_name_each_cells_contract(
    qtbot: QtBot, diary: DiaryView, store: Store, data_dir: Path, seeded: dict[str, Segment]
) -> None:
    other = store.add_contract("Support", "Globex", 4000, 0, False).id
    support = add_segment(store, data_dir, other, 8, at(10, 40))
    diary.refresh_contracts()
    assert chosen_id(diary.contract) is None  # all contracts
    assert _cell(diary, support).contract_text == "Support"
    assert _cell(diary, seeded["tracked"]).contract_text == "Website"
    assert "Support" in _cell(diary, support).accessibleName()
    diary.contract.setCurrentIndex(diary.contract.findData(other))
    assert [c.view.segment.id for c in diary.cells if c.view is not None] == [support.id]
    assert _cell(diary, support).contract_text == ""  # the picker says which


def test_edit_the_memo_of_selected_segments(
    qtbot: QtBot, diary: DiaryView, seeded: dict[str, Segment]
) -> None:
    _select(qtbot, diary, seeded["tracked"], seeded["over"])
    qtbot.mouseClick(diary.memo_button, Qt.MouseButton.LeftButton)
    assert diary.memo_dialog.isVisible()
    diary.memo_dialog.setTextValue("Checkout: tax rules")
    with qtbot.waitSignal(diary.changed, timeout=1000):
        diary.memo_dialog.accept()
    assert _cell(diary, seeded["tracked"]).view.memo == "Checkout: tax rules"
    assert _cell(diary, seeded["over"]).view.memo == "Checkout: tax rules"
    assert _cell(diary, seeded["idle"]).view.memo == "Memo 3"


def test_a_thumbnail_opens_the_full_screenshot(
    qtbot: QtBot, diary: DiaryView, seeded: dict[str, Segment]
) -> None:
    cell = _cell(diary, seeded["tracked"])
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=cell.thumbnail_rect().center())
    assert diary.viewer.isVisible()
    assert diary.viewer_image.pixmap().width() == 320
    assert not cell.selected


def test_another_day_and_a_contract_filter(qtbot: QtBot, diary: DiaryView, store: Store) -> None:
    qtbot.mouseClick(diary.next_day, Qt.MouseButton.LeftButton)
    assert diary.cells == [] and diary.empty.isVisible()
    qtbot.mouseClick(diary.previous_day, Qt.MouseButton.LeftButton)
    other = store.add_contract("Other", "Initech", 100, 0, False).id
    diary.contract.addItem("Other — Initech", other)
    diary.contract.setCurrentIndex(diary.contract.findData(other))
    assert diary.cells == []


def test_add_manual_time_from_the_diary(
    qtbot: QtBot, diary: DiaryView, store: Store, seeded: dict[str, Segment]
) -> None:
    allowed = store.add_contract("Support", "Globex", 4000, 0, True).id
    dialog = diary.manual_dialog
    qtbot.mouseClick(diary.manual_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    dialog.contract.setCurrentIndex(dialog.contract.findData(allowed))
    dialog.set_times(QTime(9, 0), QTime(9, 25))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert "memo is required" in dialog.error.text() and dialog.isVisible()
    qtbot.keyClicks(dialog.memo, "Call with the client")
    with qtbot.waitSignal(diary.changed, timeout=1000):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    manual = [c.view for c in diary.cells if c.view is not None and c.view.segment.start.hour == 9]
    assert [(v.segment.start.minute, v.state) for v in manual] == [
        (0, SegmentState.MANUAL),
        (10, SegmentState.MANUAL),
        (20, SegmentState.MANUAL),
    ]
    assert diary.total.text() == "Day total: 0:45:00 billable"


def test_a_deleted_segment_cannot_be_deleted_again(
    qtbot: QtBot, diary: DiaryView, seeded: dict[str, Segment]
) -> None:
    _select(qtbot, diary, seeded["deleted"])
    assert not diary.delete_button.isEnabled() and not diary.memo_button.isEnabled()
    _select(qtbot, diary, seeded["tracked"])
    assert diary.delete_button.isEnabled()
    diary.delete_button.click()
    assert diary.delete_dialog.windowTitle() == "Delete 1 segment?"


def test_the_day_total_counts_the_open_segment_up_to_now(
    qtbot: QtBot, diary: DiaryView, store: Store, fake_clock: FakeClock, contract_id: int
) -> None:
    before = diary.total.text()
    start = fake_clock.now()
    store.open_segment(
        Segment("f" * 32, contract_id, SegmentKind.TRACKED, start, None, "Running", start)
    )
    fake_clock.advance(90)
    diary.reload()
    assert before == "Day total: 0:20:00 billable"
    assert diary.total.text() == "Day total: 0:21:30 billable"
