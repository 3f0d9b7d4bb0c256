"""Deleting a screenshot: the segment stops counting, the file goes (unless another uses it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from diary.records import SegmentKind, SegmentState
from tests.tracker.helpers import all_views, at
from tracker.clock import FakeClock
from tracker.edits import (
    add_manual_time,
    delete_screenshot,
    delete_segments,
    edit_memo,
    week_locked,
)
from tracker.errors import InvalidInput
from tracker.records import Screenshot, Segment
from tracker.store import Store


def _segment_with_shot(
    store: Store, data_dir: Path, contract_id: int, n: int, content: bytes
) -> Screenshot:
    start = at(10, 10 * n)
    segment = Segment(f"{n:032x}", contract_id, SegmentKind.TRACKED, start, None, "Work", start)
    store.open_segment(segment)
    sha = f"{n % 2:064x}"  # segments 0 and 2 share a file, as identical screens do
    path, thumb = Path("screenshots", "00", f"{sha}.jpg"), Path("thumbnails", "00", f"{sha}.jpg")
    for relative in (path, thumb):
        (data_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / relative).write_bytes(content)
    shot = store.add_screenshot(
        Screenshot(
            0,
            segment.id,
            start + timedelta(minutes=2),
            sha,
            str(path),
            str(thumb),
            1280,
            720,
            1,
            len(content),
            False,
            None,
        )
    )
    store.close_segment(segment.id, start + timedelta(minutes=10), "segment ended")
    return shot


def test_deleting_a_screenshot_removes_its_segments_time_and_its_file(
    store: Store, data_dir: Path, contract_id: int, fake_clock: FakeClock
) -> None:
    shot = _segment_with_shot(store, data_dir, contract_id, 1, b"private")
    fake_clock.advance(600)
    delete_screenshot(store, data_dir, shot.id)
    (view,) = all_views(store)
    assert view.state is SegmentState.DELETED and view.billable_seconds == 0
    (amendment,) = view.amendments
    assert amendment.screenshot_sha256 == shot.sha256
    assert not (data_dir / str(shot.path)).exists()
    assert not (data_dir / str(shot.thumb_path)).exists()
    with pytest.raises(InvalidInput, match="already deleted"):
        delete_screenshot(store, data_dir, shot.id)


def test_a_file_another_segment_still_shows_is_kept(
    store: Store, data_dir: Path, contract_id: int
) -> None:
    first = _segment_with_shot(store, data_dir, contract_id, 0, b"same screen")
    second = _segment_with_shot(store, data_dir, contract_id, 2, b"same screen")
    delete_screenshot(store, data_dir, first.id)
    assert (data_dir / str(first.path)).exists()  # the segment at 10:20 still shows it
    delete_screenshot(store, data_dir, second.id)
    assert not (data_dir / str(first.path)).exists()
    assert [v.state for v in all_views(store)] == [SegmentState.DELETED] * 2


def test_an_unknown_screenshot_is_refused(store: Store, data_dir: Path) -> None:
    with pytest.raises(InvalidInput, match="no such screenshot"):
        delete_screenshot(store, data_dir, 999)


def _tracked(store: Store, contract_id: int, n: int, minutes: int = 10) -> Segment:
    start = at(9, 10 * n)
    segment = Segment(
        f"{n + 100:032x}", contract_id, SegmentKind.TRACKED, start, None, "Work", start
    )
    store.open_segment(segment)
    store.close_segment(segment.id, start + timedelta(minutes=minutes), "segment ended")
    return segment


def test_deleting_and_editing_segments_are_amendments(
    store: Store, contract_id: int, fake_clock: FakeClock
) -> None:
    first, second = _tracked(store, contract_id, 0), _tracked(store, contract_id, 1)
    assert delete_segments(store, [first.id], fake_clock.now()) == 1
    assert delete_segments(store, [first.id, second.id], fake_clock.now()) == 1
    edit_memo(store, [first.id], "  Tax rules  ", fake_clock.now())
    views = all_views(store)
    assert [v.state for v in views] == [SegmentState.DELETED] * 2
    assert views[0].memo == "Tax rules"
    with pytest.raises(InvalidInput, match="memo is required"):
        edit_memo(store, [second.id], "   ", fake_clock.now())


def test_the_segment_in_progress_takes_its_memo_from_the_memo_field(
    store: Store, contract_id: int, fake_clock: FakeClock
) -> None:
    start = at(10, 0)
    store.open_segment(
        Segment("f" * 32, contract_id, SegmentKind.TRACKED, start, None, "Now", start)
    )
    with pytest.raises(InvalidInput, match="memo field"):
        edit_memo(store, ["f" * 32], "Other", fake_clock.now())


def test_a_locked_week_cannot_change(store: Store, contract_id: int, fake_clock: FakeClock) -> None:
    segment = _tracked(store, contract_id, 0)  # Wednesday 2026-11-25
    monday_noon = at(12, 0, day=30)
    assert not week_locked(segment.start, monday_noon - timedelta(seconds=1))
    assert week_locked(segment.start, monday_noon)
    with pytest.raises(InvalidInput, match="locked on 2026-11-30 at 12:00 UTC"):
        delete_segments(store, [segment.id], monday_noon)
    with pytest.raises(InvalidInput, match="locked"):
        edit_memo(store, [segment.id], "Later", monday_noon)


@pytest.fixture
def manual_contract(store: Store) -> int:
    return store.add_contract("Support", "Globex", 4000, 60, True).id


def test_manual_time_is_cut_at_the_slots(
    store: Store, manual_contract: int, fake_clock: FakeClock
) -> None:
    added = add_manual_time(
        store, manual_contract, at(8, 5, 40), at(8, 31), "Call", fake_clock.now()
    )
    assert [(s.start, s.end) for s in added] == [
        (at(8, 5), at(8, 10)),
        (at(8, 10), at(8, 20)),
        (at(8, 20), at(8, 30)),
        (at(8, 30), at(8, 31)),
    ]
    views = all_views(store)
    assert all(v.state is SegmentState.MANUAL and v.memo == "Call" for v in views)
    assert sum(v.billable_seconds for v in views) == 26 * 60


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (at(9, 5), at(9, 15), "overlaps time already recorded"),
        (at(8, 0), at(8, 0), "end after its start"),
        (at(10, 0), at(10, 30), "cannot end in the future"),
        (at(6, 0), at(7, 30), "weekly limit of 1 h"),
    ],
)
def test_manual_time_is_refused_clearly(
    store: Store,
    manual_contract: int,
    contract_id: int,
    fake_clock: FakeClock,
    start: datetime,
    end: datetime,
    words: str,
) -> None:
    _tracked(store, contract_id, 0)
    with pytest.raises(InvalidInput, match=words):
        add_manual_time(store, manual_contract, start, end, "Call", fake_clock.now())


def test_manual_time_needs_a_contract_that_allows_it(
    store: Store, contract_id: int, fake_clock: FakeClock
) -> None:
    with pytest.raises(InvalidInput, match="does not allow manual time") as refused:
        add_manual_time(store, contract_id, at(8, 0), at(8, 30), "Call", fake_clock.now())
    # The contract is the freelancer's own: the freelancer decides, not a client.
    assert refused.value.code == "manual-not-allowed"
    assert "you decide: allow manual time in its settings" in str(refused.value)
    assert "client" not in str(refused.value)


def test_deleting_needs_a_reason_that_is_kept(
    store: Store, contract_id: int, fake_clock: FakeClock
) -> None:
    segment = _tracked(store, contract_id, 0)
    for reason, code in (("  ", "reason-required"), ("x" * 201, "reason-too-long")):
        with pytest.raises(InvalidInput) as refused:
            delete_segments(store, [segment.id], fake_clock.now(), reason)
        assert refused.value.code == code
    assert store.amendments([segment.id]) == {}
    delete_segments(store, [segment.id], fake_clock.now(), "  A private call ")
    (deletion,) = store.amendments([segment.id])[segment.id]
    assert deletion.reason == "A private call"
