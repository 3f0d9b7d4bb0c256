"""Quit always quits: every way a person or the system asks, with any window or dialog open,
stops tracking (the last minute saved, the segment closed, everything signed) and exits 0.

The app runs as a user runs it (python main.py) on a real X server with a window manager and a
system tray, driven with xdotool; each case is a launch of its own."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.program import MAIN, ROOT, cli, diary_json
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
WINDOWS = {
    "window": "^Workdiary$",
    "diary": "^Work diary$",
    "timesheet": "^Timesheet$",
    "dialog": "^Settings$",
}


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
            with _App(x, again) as app:  # an earlier run: closed into the tray once
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
    with _App(x, data_dir) as app:
        app.start_tracking()
        if situation == "balloon":
            app.focus("window")
            x.xdotool("key", "ctrl+w")
            wait_until(lambda: not app.visible("window"), what="the window to close")
            assert app.running(), "closing the window quit the app although there is a tray"
            _second_launch(x, data_dir)
            wait_until(lambda: app.visible("window"), what="the window to come back")
        if situation == "again":
            for shortcut, name in (("ctrl+d", "diary"), ("ctrl+t", "timesheet")):
                app.focus("window")
                x.xdotool("key", shortcut)
                app.wait_visible(name)
            app.focus("window")
            x.xdotool("key", "ctrl+comma")
            app.wait_visible("dialog")
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
    added = cli(
        data_dir, "contract", "add", "--title", "Website", "--client", "Acme", "--rate", "45"
    )
    assert added.returncode == 0, added.stderr


def _second_launch(x: Xvfb, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MAIN), "--data-dir", str(data_dir), *args],
        env=x.env(QT_QPA_PLATFORM="xcb"),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


class _App:
    """python main.py on the display; killed at the end if a case left it running."""

    def __init__(self, x: Xvfb, data_dir: Path) -> None:
        self.x = x
        self.data_dir = data_dir
        self.output = ""
        self.process = subprocess.Popen(
            [sys.executable, str(MAIN), "--data-dir", str(data_dir)],
            env=x.env(QT_QPA_PLATFORM="xcb"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )

    def __enter__(self) -> _App:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.output += self.process.communicate()[0] or ""

    def running(self) -> bool:
        return self.process.poll() is None

    def windows(self, which: str) -> list[str]:
        """The app's visible windows of this kind. Its tray icon, the screenshot notice and the
        tray's balloon are called Workdiary too: only the main window is that tall."""
        search = ["xdotool", "search", "--all", "--onlyvisible", "--pid", str(self.process.pid)]
        found = subprocess.run(
            [*search, "--name", WINDOWS[which]], env=self.x.env(), capture_output=True, text=True
        )
        return [w for w in found.stdout.split() if which != "window" or self._height(w) > 200]

    def _height(self, window: str) -> int:
        shown = subprocess.run(
            ["xdotool", "getwindowgeometry", "--shell", window],
            env=self.x.env(),
            capture_output=True,
            text=True,
        )
        values = dict(line.split("=", 1) for line in shown.stdout.split() if "=" in line)
        return int(values.get("HEIGHT", 0))

    def visible(self, which: str) -> bool:
        return bool(self.windows(which))

    def wait_visible(self, which: str) -> str:
        wait_until(lambda: self.visible(which) or not self.running(), timeout=30, what=which)
        assert self.running(), self.output
        return self.windows(which)[0]

    def focus(self, which: str) -> None:
        """Activate a window of the app. Not --sync: while a modal dialog is open the window
        manager activates the dialog instead, as it does when a person clicks the window."""
        window = self.wait_visible(which)
        self.x.xdotool("windowactivate", window)
        wait_until(lambda: self._active_pid() == self.process.pid, what=f"{which} to be active")

    def _active_pid(self) -> int | None:
        active = subprocess.run(
            ["xdotool", "getactivewindow", "getwindowpid"],
            env=self.x.env(),
            capture_output=True,
            text=True,
        )
        return int(active.stdout) if active.returncode == 0 and active.stdout.strip() else None

    def start_tracking(self) -> None:
        for attempt in range(2):
            self.focus("window")  # the memo field has the focus
            self.x.xdotool("type", "--delay", "10", "Checkout page")
            self.x.xdotool("key", "ctrl+Return")
            try:
                wait_until(self._tracking, timeout=15, what="tracking to start")
                return
            except AssertionError:
                # On a loaded machine the first keys can reach the window before it has given
                # the memo field the focus (xdotool types into whatever has it), and Start with
                # no memo is refused; a person whose typing went nowhere types again.
                if attempt or not self.running():
                    raise AssertionError(f"tracking did not start: {self.output}") from None

    def _tracking(self) -> bool:
        return any(s["open"] for s in diary_json(self.data_dir))

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)
        assert self.wait_exit() == 0, self.output

    def quit(self, path: str) -> None:
        if path.startswith("ctrl+q in"):
            where = {
                "window": "window",
                "diary": "diary",
                "timesheet": "timesheet",
                "a dialog": "dialog",
            }[path.removeprefix("ctrl+q in ").removeprefix("the ")]
            if not self.visible(where):
                self.focus("window")
                self.x.xdotool(
                    "key", {"diary": "ctrl+d", "timesheet": "ctrl+t", "dialog": "ctrl+comma"}[where]
                )
            self.focus(where)
            self.x.xdotool("key", "ctrl+q")
        elif path == "the tray's quit":
            self._tray_menu()
            self.x.xdotool("key", "Up", "Return")  # the menu's last item: Quit
        elif path == "SIGTERM":
            self.process.send_signal(signal.SIGTERM)
        elif path == "SIGINT":
            self.process.send_signal(signal.SIGINT)
        elif path == "--quit":
            asked = _second_launch(self.x, self.data_dir, "--quit")
            assert asked.returncode == 0, asked.stdout + asked.stderr
            assert "has quit" in asked.stdout
        else:
            raise AssertionError(path)

    def _tray_menu(self) -> None:
        """Right-click the app's icon in the tray: its menu opens with the keyboard's focus."""
        before = set(self._all_windows())
        left, top = _tray_icon(self.x)
        self.x.xdotool("mousemove", str(left + 8), str(top + 8), "click", "3")
        wait_until(lambda: bool(set(self._all_windows()) - before), what="the tray's menu")

    def _all_windows(self) -> list[str]:
        search = ["xdotool", "search", "--onlyvisible", "--pid", str(self.process.pid)]
        found = subprocess.run(search, env=self.x.env(), capture_output=True, text=True)
        return found.stdout.split()

    def wait_exit(self, timeout: float = 90) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output += self.process.communicate()[0] or ""
            raise AssertionError(f"the app did not quit; its output: {self.output}") from None


def _tray_icon(x: Xvfb) -> tuple[int, int]:
    """Where the app's tray icon is on the screen: a small window named Workdiary that the
    tray holds (xdotool does not see into the tray's embedded windows; xwininfo does)."""
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"], env=x.env(), capture_output=True, text=True, check=True
    ).stdout
    for line in tree.splitlines():
        found = re.search(r'"Workdiary": \(.*\)\s+(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(\d+)\+(\d+)', line)
        if found and 8 <= int(found[1]) <= 64 and 8 <= int(found[2]) <= 64:
            return int(found[3]), int(found[4])
    raise AssertionError(f"no tray icon named Workdiary in:\n{tree}")
