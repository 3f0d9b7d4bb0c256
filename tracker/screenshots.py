"""Turning a screen grab into a stored screenshot: downscale, optional blur, JPEG, SHA-256 names."""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import is_disk_full
from .platform import Frame, ScreenSource, ScreenUnavailable
from .records import Screenshot

if TYPE_CHECKING:
    from PIL import Image

MAX_SIDE = 1280
THUMB_SIDE = 320
JPEG_QUALITY = 70
BLUR_RADIUS = 8
SCREENSHOT_DIR = "screenshots"
THUMBNAIL_DIR = "thumbnails"

log = logging.getLogger(__name__)
Writer = Callable[[Path, bytes], None]


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, flush it to disk, then rename it in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def stored_size(width: int, height: int) -> tuple[int, int]:
    """The size a screenshot of a ``width`` x ``height`` screen is stored at: its longer side
    at most MAX_SIDE, the proportions kept."""
    scale = min(1.0, MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def encode_frame(frame: Frame, blur: bool) -> tuple[bytes, bytes, tuple[int, int]]:
    """The screenshot and its thumbnail as JPEG bytes, and the screenshot's size.

    Blurring happens here, before any byte is written, so an unblurred image never touches disk.
    """
    # Pillow (and hashlib's OpenSSL, below) load with the first screenshot, not with the app:
    # a window that is only showing the diary, or not tracking, does without their 5 MB.
    from PIL import Image, ImageFilter

    image = Image.frombuffer("RGB", (frame.width, frame.height), frame.bgrx, "raw", "BGRX", 0, 1)
    size = stored_size(frame.width, frame.height)
    if size != image.size:
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BILINEAR)
    return _jpeg(image), _jpeg(thumb), size


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=False)
    return buffer.getvalue()


class ScreenshotTaker:
    """Grabs the screen and stores the result; never raises for a grab or disk failure."""

    def __init__(
        self, data_dir: Path, screen: ScreenSource, write: Writer = write_atomically
    ) -> None:
        self._data_dir = data_dir
        self._screen = screen
        self._write = write

    def take(self, segment_id: str, at: datetime, blur: bool, monitors: str) -> Screenshot:
        try:
            frame = self._screen.grab(monitors)
        except ScreenUnavailable as error:
            return missing_screenshot(segment_id, at, str(error), blur)
        jpeg, thumb, (width, height) = encode_frame(frame, blur)
        screens = frame.monitors
        del frame  # the raw grab (8 MB for a full-HD screen) goes before memory is handed back
        return_freed_memory()
        import hashlib

        sha256 = hashlib.sha256(jpeg).hexdigest()
        relative = Path(SCREENSHOT_DIR, sha256[:2], f"{sha256}.jpg")
        thumb_relative = Path(THUMBNAIL_DIR, sha256[:2], f"{sha256}.jpg")
        # A screen that did not change gives the same file as an earlier screenshot, which
        # another segment names: a failed write must never remove that one.
        written: list[Path] = []
        try:
            for target, data in ((relative, jpeg), (thumb_relative, thumb)):
                path = self._data_dir / target
                if not path.exists():
                    self._write(path, data)
                    written.append(path)
        except OSError as error:
            for path in written:
                with contextlib.suppress(OSError):  # as unwritable as the rest, then: say so
                    path.unlink()
            log.warning("screenshot not saved: %s", error)
            return missing_screenshot(segment_id, at, _disk_reason(error), blur)
        return Screenshot(
            id=0,
            segment_id=segment_id,
            taken_at=at,
            sha256=sha256,
            path=str(relative),
            thumb_path=str(thumb_relative),
            width=width,
            height=height,
            monitors=screens,
            size_bytes=len(jpeg),
            blurred=blur,
            missing_reason=None,
        )

    def close(self) -> None:
        self._screen.close()


def return_freed_memory() -> None:
    """Hand the screen grab's freed buffers (several MB) back to the system.

    glibc keeps large freed blocks in the heap once it has seen a few, so without this an
    all-day tracker grows by a few MB with its screenshots. Elsewhere there is nothing to do."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _disk_reason(error: OSError) -> str:
    if is_disk_full(error):
        return "the disk is full: the screenshot could not be saved"
    return f"the screenshot could not be saved ({error.strerror or error})"


def missing_screenshot(
    segment_id: str, at: datetime, reason: str, blur: bool = False
) -> Screenshot:
    """The record of a screenshot that could not be taken or kept, with the reason."""
    return Screenshot(
        id=0,
        segment_id=segment_id,
        taken_at=at,
        sha256=None,
        path=None,
        thumb_path=None,
        width=0,
        height=0,
        monitors=0,
        size_bytes=0,
        blurred=blur,
        missing_reason=reason,
    )
