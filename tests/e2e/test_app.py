"""The desktop app as a user runs it: python main.py on a real X server, driven with xdotool."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.program import MAIN, ROOT, cli, diary_json, iso_minute, wait_for_minute_second
from tests.e2e.test_track import counts, send_input
from tests.waiting import wait_until
from tests.xvfb import Xvfb

#: The colour of a minute with input in the activity bars (ui/activity_meter.py).
ACTIVE = (46, 139, 87)

pytestmark = [pytest.mark.e2e, pytest.mark.x11]


def test_start_from_the_window_and_count_real_input(own_xserver: Xvfb, data_dir: Path) -> None:
    """Start from the window, close it (tracking goes on in the tray), count real input."""
    x = own_xserver
    with x.tray():
        _run_the_app(x, data_dir)


def test_a_second_launch_brings_the_running_window_up(own_xserver: Xvfb, data_dir: Path) -> None:
    x = own_xserver
    with x.tray(), _launched(x, data_dir) as app:
        window = _main_window(x)
        x.xdotool("windowfocus", "--sync", window)
        x.xdotool("key", "ctrl+w")  # into the tray
        wait_until(lambda: not _visible(x), what="the window to close")
        second = subprocess.run(
            [sys.executable, str(MAIN), "--data-dir", str(data_dir)],
            env=x.env(QT_QPA_PLATFORM="xcb"),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout and second.stderr == ""
        wait_until(lambda: _visible(x), what="the running app's window to come up")
        _quit_with_sigterm(app)


@contextmanager
def _launched(x: Xvfb, data_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """The app (python main.py) on the display; killed at the end if still running."""
    app = subprocess.Popen(
        [sys.executable, str(MAIN), "--data-dir", str(data_dir)],
        env=x.env(QT_QPA_PLATFORM="xcb"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        yield app
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


def _quit_with_sigterm(app: subprocess.Popen[str]) -> None:
    """SIGTERM quits the app cleanly (tracking stopped, segment closed): exit code 0."""
    assert app.poll() is None, "the app is no longer running"
    app.send_signal(signal.SIGTERM)
    out, _ = app.communicate(timeout=60)
    assert app.returncode == 0, out


def _main_window(x: Xvfb) -> str:
    found = subprocess.run(
        ["xdotool", "search", "--sync", "--onlyvisible", "--name", "^Workdiary$"],
        env=x.env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert found.returncode == 0, found.stderr
    return found.stdout.split()[0]


def _visible(x: Xvfb) -> bool:
    search = ["xdotool", "search", "--onlyvisible", "--name", "^Workdiary$"]
    return subprocess.run(search, env=x.env(), capture_output=True).returncode == 0


def _run_the_app(x: Xvfb, data_dir: Path) -> None:
    added = cli(
        data_dir, "contract", "add", "--title", "Website", "--client", "Acme", "--rate", "45"
    )
    assert added.returncode == 0, added.stderr
    with _launched(x, data_dir) as app:
        window = _main_window(x)
        x.xdotool("windowfocus", "--sync", window)  # no window manager here to give it focus
        x.xdotool("type", "--delay", "10", "Checkout page")  # the memo field has the focus
        x.xdotool("key", "ctrl+Return")
        wait_until(lambda: bool(diary_json(data_dir)), timeout=20, what="the first segment")
        x.xdotool("windowfocus", "--sync", "root")  # so the input below changes no widget
        typed_in = datetime.now(UTC).replace(second=0, microsecond=0)
        minute = wait_for_minute_second(2, 40, after=typed_in)  # a minute with only the input
        send_input(x, keys=25, clicks=4, scrolls=3, moves=12, offset=0)
        wait_for_minute_second(2, 50, after=minute)  # that minute is saved now

        x.xdotool("windowfocus", "--sync", window)
        x.xdotool("key", "ctrl+d")  # the work diary
        diary = _window(x, "^Work diary$")
        active = sum(s["active_minutes"] for s in diary_json(data_dir))
        assert active >= 1  # the minute of the input (the memo was typed before tracking)
        wait_until(
            lambda: _green_bars(x, diary) == active, what=f"{active} green bars in the diary"
        )

        x.xdotool("windowfocus", "--sync", window)
        x.xdotool("key", "ctrl+w")  # close the window: the app stays in the tray
        wait_until(lambda: not _visible(x), what="the window to close")
        assert app.poll() is None, "closing the window quit the app although there is a tray"
        _quit_with_sigterm(app)
    segments = diary_json(data_dir)
    assert all(s["memo"] == "Checkout page" and not s["open"] for s in segments)
    minutes = {m["start"]: m for s in segments for m in s["minutes"]}
    assert counts(minutes[iso_minute(minute)]) == (25, 4, 3, 12, 0)
    assert segments[0]["screenshot"] is not None


def _window(x: Xvfb, name: str) -> dict[str, int]:
    """The geometry of a visible window with this name (waits for it)."""
    found = subprocess.run(
        [
            "xdotool",
            "search",
            "--sync",
            "--onlyvisible",
            "--name",
            name,
            "getwindowgeometry",
            "--shell",
        ],
        env=x.env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert found.returncode == 0, found.stderr
    values = dict(line.split("=") for line in found.stdout.split() if "=" in line)
    return {k: int(values[k]) for k in ("X", "Y", "WIDTH", "HEIGHT")}


def _green_bars(x: Xvfb, area: dict[str, int]) -> int:
    """How many activity bars of a window are green (a minute with input), from its pixels."""
    import mss

    with mss.MSS(display=x.display.encode()) as screen:
        grab = screen.grab(
            {"left": area["X"], "top": area["Y"], "width": area["WIDTH"], "height": area["HEIGHT"]}
        )
    width, height, pixels = grab.width, grab.height, grab.rgb
    bands, band, total = [], 0, 0
    for y in range(height):
        row = pixels[3 * width * y : 3 * width * (y + 1)]
        runs, inside = 0, False
        for i in range(0, len(row), 3):
            green = tuple(row[i : i + 3]) == ACTIVE
            runs += green and not inside
            inside = green
        if runs:
            band = max(band, runs)
        elif band:
            bands.append(band)
            band = 0
    total = sum(bands) + band
    return total
