"""Screenshots and the disk: a failed write never removes a file another segment names, and an
unwritable folder is a plain reason, never a fault (a painted screen: the screen is not the
subject here)."""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime
from pathlib import Path

from tests.sync.screens import PaintedScreen
from tracker.screenshots import ScreenshotTaker

AT = datetime(2026, 11, 25, 10, 5, 12, tzinfo=UTC)


def test_a_failed_write_keeps_the_same_screenshot_of_an_earlier_segment(data_dir: Path) -> None:
    screen = PaintedScreen()  # the same screen twice: the same JPEG, the same file
    earlier = ScreenshotTaker(data_dir, screen).take("first", AT, blur=False, monitors="all")
    assert earlier.path is not None and earlier.thumb_path is not None
    files = {p: p.read_bytes() for p in data_dir.rglob("*.jpg")}

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    (data_dir / earlier.thumb_path).unlink()  # the thumbnail must be written again, and fails
    later = ScreenshotTaker(data_dir, screen, disk_full).take("second", AT, False, "all")
    assert later.sha256 is None and later.missing_reason is not None
    assert (data_dir / earlier.path).read_bytes() == files[data_dir / earlier.path]


def test_an_unwritable_folder_is_a_plain_reason(data_dir: Path) -> None:
    (data_dir / "screenshots").write_text("a file where the folder should be")
    shot = ScreenshotTaker(data_dir, PaintedScreen()).take("seg", AT, False, "all")
    assert shot.sha256 is None
    assert shot.missing_reason is not None and shot.missing_reason.startswith(
        "the screenshot could not be saved ("
    )
    assert "internal" not in shot.missing_reason
