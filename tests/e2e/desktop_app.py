"""The app as a person runs it (python main.py) on a real X server, found and driven with xdotool:
its windows by kind, the focus, starting tracking, the ways to quit, the tray's menu."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.program import MAIN, ROOT, cli
from tests.waiting import wait_until
from tests.xvfb import Xvfb

#: The app's windows by kind, as xdotool finds them by name.
WINDOWS = {
    "sign-in": "^Sign in to a marketplace$",
    "window": "^Workdiary$",
    "diary": "^Work diary$",
    "timesheet": "^Timesheet$",
    "dialog": "^Settings$",
    "review": r"^Workdiary — review( \(.*\))?$",
}


def second_launch(x: Xvfb, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MAIN), "--data-dir", str(data_dir), *args],
        env=x.env(QT_QPA_PLATFORM="xcb"),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


class DesktopApp:
    """python main.py on the display; killed at the end if a case left it running."""

    def __init__(self, x: Xvfb, data_dir: Path) -> None:
        self.x = x
        self.data_dir = data_dir
        self.output = ""
        self._last_read = "none yet"
        self.process = subprocess.Popen(
            [sys.executable, str(MAIN), "--data-dir", str(data_dir)],
            env=x.env(QT_QPA_PLATFORM="xcb"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )

    def __enter__(self) -> DesktopApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_for_output()

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

    def open_with(self, shortcut: str, which: str) -> str:
        """Press a shortcut of the main window that opens a window of ``which`` kind; the window.
        On a loaded machine the keys can reach the window before it has the keyboard's focus
        and go nowhere: a person whose shortcut did nothing presses it again (these shortcuts
        only open or raise, so a second press changes nothing once it worked)."""
        for attempt in range(3):
            self.focus("window")
            self.x.xdotool("key", shortcut)
            try:
                wait_until(
                    lambda: self.visible(which) or not self.running(), timeout=10, what=which
                )
                break
            except AssertionError:
                if attempt == 2:
                    raise AssertionError(
                        f"{shortcut} did not open the {which}; {self._situation()}"
                    ) from None
        return self.wait_visible(which)

    def _active_pid(self) -> int | None:
        active = subprocess.run(
            ["xdotool", "getactivewindow", "getwindowpid"],
            env=self.x.env(),
            capture_output=True,
            text=True,
        )
        return int(active.stdout) if active.returncode == 0 and active.stdout.strip() else None

    def start_tracking(self, memo: str = "Checkout page") -> None:
        for attempt in range(2):
            if attempt and self._tracking():
                return  # it started after all, later than the wait: Ctrl+Return would stop it
            self.focus("window")  # the memo field has the focus
            self.x.xdotool("key", "ctrl+a")  # what it holds is replaced
            self.x.xdotool("type", "--delay", "10", memo)
            self.x.xdotool("key", "ctrl+Return")
            try:
                # Long enough for a loaded machine: Ctrl+Return toggles, so typing again while
                # a slow start is still under way would stop the timer it started.
                wait_until(self._tracking, timeout=45, what="tracking to start")
                return
            except AssertionError:
                # On a loaded machine the first keys can reach the window before it has given
                # the memo field the focus (xdotool types into whatever has it), and Start with
                # no memo is refused; a person whose typing went nowhere types again.
                if attempt or not self.running():
                    raise AssertionError(
                        f"tracking did not start; {self._situation()}; the last read of the "
                        f"diary: {self._last_read}; the app said: {self._stop_for_output()}"
                    ) from None

    def _tracking(self) -> bool:
        """Whether a segment is open; a read that fails (the app holding the database a moment)
        is not yet known, so not an answer. What the last read saw is kept for the failure."""
        read = cli(self.data_dir, "diary", "--json")
        if read.returncode != 0:
            self._last_read = f"exit {read.returncode}: {read.stderr.strip()[-400:]}"
            return False
        segments = json.loads(read.stdout)
        reasons = ", ".join(f"{s['start'][11:19]} {s['close_reason']}" for s in segments)
        self._last_read = (
            f"{len(segments)} segments, {sum(s['open'] for s in segments)} open ({reasons})"
        )
        return any(s["open"] for s in segments)

    def _situation(self) -> str:
        """What the screen shows: the active window and the app's windows, by name."""
        names = []
        for window in self._all_windows():
            named = subprocess.run(
                ["xdotool", "getwindowname", window],
                env=self.x.env(),
                capture_output=True,
                text=True,
            )
            names.append(named.stdout.strip())
        active = subprocess.run(
            ["xdotool", "getactivewindow", "getwindowname"],
            env=self.x.env(),
            capture_output=True,
            text=True,
        )
        return f"active window {active.stdout.strip()!r}, the app's windows {names}"

    def _stop_for_output(self) -> str:
        """Kill the app if it still runs, and everything it printed (read once)."""
        if self.process.poll() is None:
            self.process.kill()
        if self.process.stdout and not self.process.stdout.closed:
            self.output += self.process.communicate()[0] or ""
        return self.output

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
                shortcut = {"diary": "ctrl+d", "timesheet": "ctrl+t", "dialog": "ctrl+comma"}
                self.open_with(shortcut[where], where)
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
            asked = second_launch(self.x, self.data_dir, "--quit")
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
            output = self._stop_for_output()
            raise AssertionError(f"the app did not quit; its output: {output}") from None


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


def grab(x: Xvfb, window: str) -> tuple[int, int, bytes]:
    """A window's pixels as the screen shows them: its width, height and RGB bytes."""
    import mss

    # xwininfo, not xdotool: under a window manager xdotool's position is off by the frame.
    shown = subprocess.run(
        ["xwininfo", "-id", window], env=x.env(), capture_output=True, text=True, check=True
    )
    values = {
        name.strip(): int(value)
        for name, _, value in (line.partition(":") for line in shown.stdout.splitlines())
        if name.strip() in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height")
    }
    with mss.MSS(display=x.display.encode()) as screen:
        # Only what is on the screen: X refuses to read past its edges.
        whole = screen.monitors[0]
        left = max(0, values["Absolute upper-left X"])
        top = max(0, values["Absolute upper-left Y"])
        area = {
            "left": left,
            "top": top,
            "width": min(values["Width"], whole["width"] - left),
            "height": min(values["Height"], whole["height"] - top),
        }
        found = screen.grab(area)
    return found.width, found.height, found.rgb
