"""The whole loop on one machine, as a new user meets it: the first launch offers a marketplace,
the user chooses the one on this computer, tracks two segments with real input, and the diary
marks both receipted; quitting the app stops that marketplace.

With WORKDIARY_SCREENSHOTS set to a folder, the sign-in dialog and the diary are saved there
(docs/screenshots/signin-dialog.png and diary-sync.png come from this run)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from composition import own_command
from sync.local_marketplace import LocalMarketplace
from tests.e2e.desktop_app import DesktopApp, grab
from tests.e2e.program import cli, diary_json
from tests.sync.conftest import require_keyring
from tests.waiting import wait_until
from tests.xvfb import Xvfb

pytestmark = [pytest.mark.e2e, pytest.mark.x11]

#: The receipted badge's colour in a diary cell (ui/diary_cells.py, SYNC_LOOK).
RECEIPTED = (0x1B, 0x6E, 0x3A)
#: A badge is a disc a line of text high: far more pixels of its colour than this.
BADGE_PIXELS = 40


def _status(data_dir: Path) -> dict[str, Any]:
    found = cli(data_dir, "status", "--json")
    assert found.returncode == 0, found.stderr
    status: dict[str, Any] = json.loads(found.stdout)
    return status


def _badges(width: int, height: int, pixels: bytes, colour: tuple[int, int, int]) -> int:
    """How many separate discs of ``colour`` (of at least BADGE_PIXELS pixels) the image has."""
    target = bytes(colour)
    inside = {i // 3 for i in range(0, len(pixels), 3) if pixels[i : i + 3] == target}
    seen: set[int] = set()
    count = 0
    for start in inside:
        if start in seen:
            continue
        stack, size = [start], 0
        seen.add(start)
        while stack:
            at = stack.pop()
            size += 1
            x, y = at % width, at // width
            for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                n = ny * width + nx
                if 0 <= nx < width and 0 <= ny < height and n in inside and n not in seen:
                    seen.add(n)
                    stack.append(n)
        count += size >= BADGE_PIXELS
    return count


def _save(x: Xvfb, window: str, name: str) -> None:
    folder = os.environ.get("WORKDIARY_SCREENSHOTS")
    if not folder:
        return
    import mss.tools

    width, height, pixels = grab(x, window)
    mss.tools.to_png(pixels, (width, height), output=str(Path(folder) / name))


def _track_a_segment(app: DesktopApp, x: Xvfb, memo: str, offset: int) -> None:
    app.start_tracking(memo)
    # Clicks and moves on the bare desktop: keys would go to the memo field, which has the
    # focus, the screenshot notice is in the bottom right corner, and the window manager
    # switches desktops on a scroll there.
    x.xdotool("mousemove", str(60 + offset), "100")
    x.xdotool("click", "--repeat", "3", "--delay", "8", "1")
    moves = [f"mousemove {60 + offset + 5 * i} {100 + 3 * i}" for i in range(10)]
    x.xdotool(*" ".join(moves).split())
    time.sleep(2)
    app.focus("window")
    x.xdotool("key", "ctrl+Return")  # stop: the segment closes, is signed and uploaded
    wait_until(
        lambda: not any(s["open"] for s in diary_json(app.data_dir)), what="tracking to stop"
    )


def test_first_launch_with_the_local_marketplace_ends_in_receipted_segments(
    tmp_path: Path,
) -> None:
    require_keyring()
    data_dir = tmp_path / "new-user"  # no answer to the first launch's offer yet
    local = LocalMarketplace(data_dir, own_command())
    x = Xvfb()
    try:
        with x.window_manager(), x.tray(), DesktopApp(x, data_dir) as app:
            dialog = app.wait_visible("sign-in")
            app.focus("sign-in")
            time.sleep(0.5)  # painted: the picture shows the dialog, not a blank frame
            _save(x, dialog, "signin-dialog.png")
            x.xdotool("key", "alt+u")  # Use a marketplace on this computer
            wait_until(
                lambda: _status(data_dir)["marketplace"] is not None,
                timeout=90,
                what="the sign-in to the local marketplace",
            )
            wait_until(lambda: not app.visible("sign-in"), what="the dialog to close")
            assert _status(data_dir)["local"] is True
            assert "Demo project" in cli(data_dir, "contract", "list").stdout
            assert local.running() is not None  # the app keeps it running
            _track_a_segment(app, x, "Checkout page", 0)
            _track_a_segment(app, x, "Address form", 40)

            def receipted() -> bool:
                segments = diary_json(data_dir)
                states = [(s["sync"] or {}).get("state") for s in segments]
                return len(segments) >= 2 and states == ["receipted"] * len(segments)

            wait_until(receipted, timeout=120, what="both segments receipted")
            app.focus("window")
            x.xdotool("key", "ctrl+d")
            diary = app.wait_visible("diary")
            segments = len(diary_json(data_dir))
            # One badge a segment's cell, and one in the legend.
            wait_until(
                lambda: _badges(*grab(x, diary), RECEIPTED) >= segments + 1,
                timeout=30,
                what=f"{segments} receipted badges in the diary",
            )
            _save(x, diary, "diary-sync.png")
            app.focus("diary")
            x.xdotool("key", "ctrl+q")
            assert app.wait_exit() == 0, app.output
        status = _status(data_dir)
        assert (status["waiting_records"], status["waiting_screenshots"]) == (0, 0)
        assert status["refused_code"] is None
        assert local.running() is None  # it stopped with the app
    finally:
        x.stop()
