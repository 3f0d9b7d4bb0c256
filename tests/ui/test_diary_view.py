"""The work diary view on a seeded day: cells, states, bars, thumbnails, deleting, memos."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt, QTime
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from diary.records import AmendmentKind, MinuteActivity, SegmentKind, SegmentState
from tests.tracker.helpers import at
from tracker.clock import FakeClock
from tracker.records import Screenshot, Segment
from tracker.store import Store
from ui.activity_meter import ACTIVE, QUIET
from ui.diary_view import DiaryView


def _thumbnail(data_dir: Path, colour: tuple[int, int, int]) -> tuple[str, str]:
    image = Image.new("RGB", (320, 180), colour)
    path = data_dir / "tmp.jpg"
    image.save(path, "JPEG")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    shot, thumb = (
        Path("screenshots", sha[:2], f"{sha}.jpg"),
        Path("thumbnails", sha[:2], f"{sha}.jpg"),
    )
    for relative in (shot, thumb):
        (data_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / relative).write_bytes(path.read_bytes())
    return sha, str(thumb)


def _segment(
    store: Store,
    data_dir: Path,
    contract_id: int,
    n: int,
    start_minute: int,
    kind: SegmentKind = SegmentKind.TRACKED,
) -> Segment:
    start = at(10, 0) + timedelta(minutes=start_minute)
    segment = Segment(f"{n:032x}", contract_id, kind, start, None, f"Memo {n}", start)
    store.open_segment(segment)
    if kind is SegmentKind.TRACKED:
        for m in range(10):
            active = m % 3 != 2
            store.add_minute(
                segment.id,
                MinuteActivity(
                    start + timedelta(minutes=m),
                    keys=40 if active else 0,
                    clicks=2 if active else 0,
                ),
            )
        sha, thumb = _thumbnail(data_dir, (30 * n % 255, 120, 90))
        store.add_screenshot(
            Screenshot(
                0,
                segment.id,
                start + timedelta(minutes=3),
                sha,
                thumb.replace("thumbnails", "screenshots"),
                thumb,
                320,
                180,
                1,
                1000,
                False,
                None,
            )
        )
    store.close_segment(segment.id, start + timedelta(minutes=10), "segment ended")
    return segment


@pytest.fixture
def seeded(store: Store, data_dir: Path, contract_id: int) -> dict[str, Segment]:
    tracked = _segment(store, data_dir, contract_id, 1, 0)
    deleted = _segment(store, data_dir, contract_id, 2, 10)
    idle = _segment(store, data_dir, contract_id, 3, 20)
    over = _segment(store, data_dir, contract_id, 4, 30)
    manual = _segment(store, data_dir, contract_id, 5, 60, SegmentKind.MANUAL)
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
    assert "7 of 10 minutes with input" in tracked.bars_tooltip()
    assert "10:00  keys 40, clicks 2, scrolls 0, moves 0" in tracked.bars_tooltip()
    thumbnail = tracked.pixmap()
    assert thumbnail is not None and thumbnail.width() == 120
    assert tracked.memo_text == "Memo 1" and tracked.elided_memo() == "Memo 1"
    # Discarded minutes are not shown as activity.
    assert ACTIVE not in _cell(diary, seeded["idle"]).minute_states
    # 10:00 and 11:00 rows, six cells each (empty slots too): 12 slots, one segment each at most.
    assert len(diary.cells) == 12
    assert diary.total.text() == "Day total: 0:20:00 billable"  # tracked 10 min + manual 10 min


def test_delete_selected_after_confirming(
    qtbot: QtBot, diary: DiaryView, seeded: dict[str, Segment]
) -> None:
    cell = _cell(diary, seeded["tracked"])
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=QPoint(4, cell.height() - 4))
    assert diary.selected_views() == [cell.view]
    qtbot.mouseClick(diary.delete_button, Qt.MouseButton.LeftButton)
    assert diary.confirm_delete.isVisible()
    with qtbot.waitSignal(diary.changed, timeout=1000):
        qtbot.mouseClick(
            diary.confirm_delete.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton
        )
    assert _cell(diary, seeded["tracked"]).view.state is SegmentState.DELETED
    assert diary.total.text() == "Day total: 0:10:00 billable"


def test_edit_the_memo_of_selected_segments(
    qtbot: QtBot, diary: DiaryView, seeded: dict[str, Segment]
) -> None:
    for name in ("tracked", "over"):
        cell = _cell(diary, seeded[name])
        qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=QPoint(4, cell.height() - 4))
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
