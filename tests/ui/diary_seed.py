"""Segments written straight into the store for the diary's tests: minutes, thumbnails, memos."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

from diary.records import MinuteActivity, SegmentKind
from tracker.records import Screenshot, Segment
from tracker.store import Store


def thumbnail(data_dir: Path, colour: tuple[int, int, int]) -> tuple[str, str]:
    """A screenshot file and its thumbnail (the same small JPEG): its SHA-256 and thumb path."""
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


def add_segment(
    store: Store,
    data_dir: Path,
    contract_id: int,
    n: int,
    start: datetime,
    kind: SegmentKind = SegmentKind.TRACKED,
    memo: str | None = None,
) -> Segment:
    """A closed 10-minute segment from ``start``: input in two minutes of three, a screenshot."""
    segment = Segment(f"{n:032x}", contract_id, kind, start, None, memo or f"Memo {n}", start)
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
        sha, thumb = thumbnail(data_dir, (30 * n % 255, 120, 90))
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
