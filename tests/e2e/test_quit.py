"""Quit always quits: every way a person or the system asks, with any window or dialog open,
stops tracking (the last minute saved, the segment closed, everything signed) and exits 0.

The app runs as a user runs it (python main.py) on a real X server with a window manager and a
system tray, driven with xdotool; each case is a launch of its own."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.desktop_app import DesktopApp, second_launch
from tests.e2e.program import cli, diary_json, offer_answered
from tests.waiting import wait_until
from tests.xvfb import Xvfb

pytestmark = [pytest.mark.e2e, pytest.mark.x11]

#: The ways to quit, each from where a person would do it.
PATHS = (
    "ctrl+q in the window",
    "ctrl+q in the diary",
    "ctrl+q in the timesheet",
    "ctrl+q in a dialog",
    "the tray's quit",
    "SIGTERM",
    "SIGINT",
    "--quit",
)
#: What the app has been through before the quit.
#: fresh: a new data dir; balloon: the window was closed into the tray (the one-time balloon
#: shows) and brought back by a second launch; again: a data dir that has shown the balloon in
#: an earlier run, with the diary, the timesheet and the settings dialog open.
SITUATIONS = ("fresh", "balloon", "again")


@dataclass
class Desktop:
    """One X server with a window manager and a tray, shared by the cases of this module."""

    x: Xvfb
    again: Path  # the data dir of the "again" cases, which has shown the balloon


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    x = Xvfb()
    try:
        with x.window_manager(), x.tray():
            again = tmp_path_factory.mktemp("again") / "data"
            _add_contract(again)
            with DesktopApp(x, again) as app:  # an earlier run: closed into the tray once
                app.start_tracking()
                app.focus("window")
                x.xdotool("key", "ctrl+w")
                wait_until(lambda: not app.visible("window"), what="the window to close")
                app.signal(signal.SIGTERM)
            yield Desktop(x, again)
    finally:
        x.stop()


@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("path", PATHS)
def test_quit_stops_tracking_and_exits(
    desktop: Desktop, tmp_path: Path, path: str, situation: str
) -> None:
    x = desktop.x
    data_dir = desktop.again if situation == "again" else tmp_path / "data"
    if situation != "again":
        _add_contract(data_dir)
    with DesktopApp(x, data_dir) as app:
        app.start_tracking()
        if situation == "balloon":
            app.focus("window")
            x.xdotool("key", "ctrl+w")
            wait_until(lambda: not app.visible("window"), what="the window to close")
            assert app.running(), "closing the window quit the app although there is a tray"
            second_launch(x, data_dir)
            wait_until(lambda: app.visible("window"), what="the window to come back")
        if situation == "again":
            for shortcut, name in (
                ("ctrl+d", "diary"),
                ("ctrl+t", "timesheet"),
                ("ctrl+comma", "dialog"),
            ):
                app.open_with(shortcut, name)
        asked_at = datetime.now(UTC)
        app.quit(path)
        code = app.wait_exit()
    assert code == 0, app.output
    _assert_stopped_cleanly(data_dir, asked_at)


def _assert_stopped_cleanly(data_dir: Path, asked_at: datetime) -> None:
    """No open segment; the last one ends when the quit was asked (its last minute saved); and
    nothing waits to be signed."""
    segments = diary_json(data_dir)
    assert segments and not any(s["open"] for s in segments), segments
    last = max(segments, key=lambda s: s["start"])
    ended = datetime.fromisoformat(last["end"].replace("Z", "+00:00"))
    assert abs((ended - asked_at).total_seconds()) < 10, (last, asked_at)
    assert last["minutes"], "the last (partial) minute was not saved"
    signing = cli(data_dir, "sign", "--json")
    assert signing.returncode == 0, signing.stdout + signing.stderr
    assert json.loads(signing.stdout)["signed"] == 0, "the app quit before signing finished"


def _add_contract(data_dir: Path) -> None:
    offer_answered(data_dir)
    added = cli(
        data_dir, "contract", "add", "--title", "Website", "--client", "Acme", "--rate", "45"
    )
    assert added.returncode == 0, added.stderr
