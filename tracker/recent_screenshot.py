"""The last screenshot still kept in a span of time: what the main window shows after a start."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from diary.records import SegmentState

from .records import Screenshot
from .store import Store
from .views import view_segment


def last_kept_screenshot(
    store: Store, data_dir: Path, since: datetime, until: datetime
) -> Screenshot | None:
    """The last screenshot of the segments that started in [since, until) whose segment is not
    deleted (deleting a screenshot deletes its segment) and whose thumbnail is on disk; newest
    segment first, so that a start reads one or two segments, not the day."""
    for segment in reversed(store.segments_between(since, until)):
        shots = [
            shot
            for shot in store.screenshots([segment.id]).get(segment.id, [])
            if shot.thumb_path is not None and (data_dir / shot.thumb_path).exists()
        ]
        if not shots:
            continue
        amendments = store.amendments([segment.id]).get(segment.id, [])
        if view_segment(segment, amendments=amendments).state is not SegmentState.DELETED:
            return max(shots, key=lambda shot: shot.taken_at)
    return None
