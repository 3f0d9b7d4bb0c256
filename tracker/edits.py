"""Changes the freelancer makes to recorded time: each one an added amendment, never an edit."""

from __future__ import annotations

import logging
from pathlib import Path

from .errors import EnvironmentProblem, InvalidInput
from .records import AmendmentKind, Screenshot, SegmentState
from .store import Store
from .timeline import view_segment

log = logging.getLogger(__name__)


def delete_screenshot(
    store: Store, data_dir: Path, screenshot_id: int, reason: str = "deleted by the freelancer"
) -> Screenshot:
    """Delete a screenshot: its segment stops counting (time and activity), and its file goes.

    The file stays only while another screenshot still uses it (identical screens make
    identical files, named by their SHA-256).
    """
    found = store.screenshots_by_id([screenshot_id])
    if not found or found[0].sha256 is None:
        raise InvalidInput("There is no such screenshot to delete.")
    shot = found[0]
    assert shot.sha256 is not None
    segment = store.segments_by_id([shot.segment_id])[0]
    amendments = store.amendments([segment.id]).get(segment.id, [])
    if any(a.screenshot_sha256 == shot.sha256 for a in amendments):
        raise InvalidInput("That screenshot is already deleted.")
    store.add_amendment(
        segment.id, AmendmentKind.DELETE_SCREENSHOT, reason=reason, screenshot_sha256=shot.sha256
    )
    still_used = [
        other
        for other in store.screenshots_with_hash(shot.sha256)
        if other.id != shot.id and not _deleted(store, other)
    ]
    if not still_used:
        _remove_files(data_dir, shot)
    return shot


def _deleted(store: Store, shot: Screenshot) -> bool:
    segment = store.segments_by_id([shot.segment_id])[0]
    amendments = store.amendments([segment.id]).get(segment.id, [])
    return view_segment(segment, amendments=amendments).state is SegmentState.DELETED


def _remove_files(data_dir: Path, shot: Screenshot) -> None:
    for relative in (shot.path, shot.thumb_path):
        if relative is None:
            continue
        try:
            (data_dir / relative).unlink(missing_ok=True)
        except OSError as error:
            log.warning("could not remove %s: %s", relative, error)
            raise EnvironmentProblem(
                f"The screenshot is deleted from the diary and will never be sent, but its file "
                f"{data_dir / relative} could not be removed ({error.strerror or error}). "
                "Remove it by hand."
            ) from error
