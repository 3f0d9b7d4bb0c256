"""The desktop app as a user runs it: python main.py on a real X server, driven with xdotool."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.program import MAIN, ROOT, cli, diary_json, iso_minute, wait_for_minute_second
from tests.e2e.test_track import counts, send_input
from tests.waiting import wait_until
from tests.xvfb import Xvfb

pytestmark = [pytest.mark.e2e, pytest.mark.x11]


def test_start_from_the_window_and_count_real_input(own_xserver: Xvfb, data_dir: Path) -> None:
    """Start from the window, close it (tracking goes on in the tray), count real input."""
    x = own_xserver
    with x.tray():
        _run_the_app(x, data_dir)


def _run_the_app(x: Xvfb, data_dir: Path) -> None:
    added = cli(
        data_dir, "contract", "add", "--title", "Website", "--client", "Acme", "--rate", "45"
    )
    assert added.returncode == 0, added.stderr
    app = subprocess.Popen(
        [sys.executable, str(MAIN), "--data-dir", str(data_dir)],
        env=x.env(QT_QPA_PLATFORM="xcb"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--name", "^Workdiary$"],
            env=x.env(),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert found.returncode == 0, found.stderr
        window = found.stdout.split()[0]
        x.xdotool("windowfocus", "--sync", window)  # no window manager here to give it focus
        x.xdotool("type", "--delay", "10", "Checkout page")  # the memo field has the focus
        x.xdotool("key", "ctrl+Return")
        wait_until(lambda: bool(diary_json(data_dir)), timeout=20, what="the first segment")
        x.xdotool("key", "ctrl+w")  # close the window: the app stays in the tray
        hidden = ["xdotool", "search", "--onlyvisible", "--name", "^Workdiary$"]
        wait_until(
            lambda: subprocess.run(hidden, env=x.env(), capture_output=True).returncode != 0,
            what="the window to close",
        )
        assert app.poll() is None, "closing the window quit the app although there is a tray"
        x.xdotool("windowfocus", "--sync", "root")  # so the input below changes no widget
        typed_in = datetime.now(UTC).replace(second=0, microsecond=0)
        minute = wait_for_minute_second(2, 40, after=typed_in)  # a minute with only the input
        send_input(x, keys=25, clicks=4, scrolls=3, moves=12, offset=0)
        wait_for_minute_second(1, 50, after=minute)
        app.send_signal(signal.SIGTERM)
        out, _ = app.communicate(timeout=60)
        assert app.returncode == 0, out
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    segments = diary_json(data_dir)
    assert all(s["memo"] == "Checkout page" and not s["open"] for s in segments)
    minutes = {m["start"]: m for s in segments for m in s["minutes"]}
    assert counts(minutes[iso_minute(minute)]) == (25, 4, 3, 12, 0)
    assert segments[0]["screenshot"] is not None
