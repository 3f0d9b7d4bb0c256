"""Deleting a screenshot: the segment stops counting, the file goes (unless another uses it)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.tracker.helpers import all_views, at
from tracker.clock import FakeClock
from tracker.edits import delete_screenshot
from tracker.errors import InvalidInput
from tracker.records import Screenshot, Segment, SegmentKind, SegmentState
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
