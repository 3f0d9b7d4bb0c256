"""Start and stop real Xvfb servers for tests, each on a free display number."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.waiting import wait_until

SOCKET_DIR = Path("/tmp/.X11-unix")
COLOUR_WINDOW = Path(__file__).with_name("colour_window.py")
#: The colour of the test window, and where it stands on a 1920x1080 screen.
COLOUR = (208, 48, 111)
COLOUR_GEOMETRY = (200, 150, 800, 600)


class Xvfb:
    """A real X server with one 1920x1080 screen and a black background."""

    def __init__(self, width: int = 1920, height: int = 1080) -> None:
        if shutil.which("Xvfb") is None:
            raise RuntimeError("Xvfb is not installed: run the tests through scripts/test")
        self.number = _free_display()
        self.display = f":{self.number}"
        self.process = subprocess.Popen(
            [
                "Xvfb",
                self.display,
                "-screen",
                "0",
                f"{width}x{height}x24",
                "-nolisten",
                "tcp",
                "-br",
                "-noreset",
                # No auto-repeat: on a loaded machine xdotool's release of a key can come after
                # the server's repeat delay, and the repeat would press it again (Ctrl+Return
                # twice is a start and a stop). The tests press keys; nobody holds one.
                "-r",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        socket = SOCKET_DIR / f"X{self.number}"
        wait_until(
            lambda: socket.exists() or self.process.poll() is not None, what=f"Xvfb {self.display}"
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"Xvfb {self.display} did not start")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY",)}
        env.update(DISPLAY=self.display, XDG_SESSION_TYPE="x11", **extra)
        return env

    def split_into_monitors(self, *monitors: tuple[int, int, int]) -> None:
        """Make the screen several monitors side by side, each ``(left, width, height)``: RandR
        monitors, which is what the screen grabber reads (needs xrandr, and -noreset)."""
        xrandr = ["xrandr", "--display", self.display]
        for number, (left, width, height) in enumerate(monitors):
            geometry = f"{width}/{width // 4}x{height}/{height // 4}+{left}+0"
            # The first takes the screen's one output, which then has no monitor of its own.
            output = "screen" if number == 0 else "none"
            subprocess.run([*xrandr, "--setmonitor", f"M{number}", geometry, output], check=True)

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env(), check=True)

    @contextmanager
    def colour_window(self, colour: tuple[int, int, int] = COLOUR) -> Iterator[None]:
        """A real Qt window of ``colour`` at COLOUR_GEOMETRY, shown for the duration."""
        x, y, width, height = COLOUR_GEOMETRY
        window = subprocess.Popen(
            [
                sys.executable,
                str(COLOUR_WINDOW),
                str(x),
                str(y),
                str(width),
                str(height),
                "#{:02x}{:02x}{:02x}".format(*colour),
            ],
            env=self.env(QT_QPA_PLATFORM="xcb"),
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert window.stdout is not None and window.stdout.readline().strip() == "shown"
            yield
        finally:
            window.kill()
            window.wait()

    @contextmanager
    def window_manager(self) -> Iterator[None]:
        """A window manager (openbox) on this display, for the duration: it gives windows focus,
        decorations and stacking, as a desktop does."""
        manager = subprocess.Popen(
            ["openbox", "--sm-disable"],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:

            def running() -> bool:
                # A window manager owns the screen's WM_S0 selection once it manages the screen.
                check = ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"]
                found = subprocess.run(check, env=self.env(), capture_output=True, text=True)
                return "window id" in found.stdout

            wait_until(running, what="the window manager")
            yield
        finally:
            manager.kill()
            manager.wait()

    @contextmanager
    def tray(self) -> Iterator[None]:
        """A system tray (trayer) on this display, for the duration."""
        tray = subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right", "--width", "10", "--height", "32"],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:

            def found() -> bool:
                search = ["xdotool", "search", "--class", "trayer"]
                return subprocess.run(search, env=self.env(), capture_output=True).returncode == 0

            wait_until(found, what="the tray")
            yield
        finally:
            tray.kill()
            tray.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_display() -> int:
    for number in range(120, 400):
        if not (SOCKET_DIR / f"X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")
