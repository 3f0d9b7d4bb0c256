"""Screens for recording a diary: one painted here (no X server), and the real Xvfb."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from tests.xvfb import COLOUR, Xvfb
from tracker.platform import Frame, ScreenSource
from tracker.platform.x11 import platform

BLACK = (0, 0, 0)


class Screen(ScreenSource, Protocol):
    def showing(self, colour: tuple[int, int, int] = COLOUR) -> AbstractContextManager[None]:
        """The screen shows ``colour`` (a window of it, or all of it) for the duration."""
        ...


class PaintedScreen:
    """Frames painted in one colour at a time: for tests whose subject is not the screen (a
    screenshot is then only a file with a hash, like any other)."""

    def __init__(self, width: int = 320, height: int = 200) -> None:
        self.width, self.height = width, height
        self.colour = BLACK

    def grab(self, monitors: str) -> Frame:
        red, green, blue = self.colour
        return Frame(
            self.width, self.height, bytes((blue, green, red, 0)) * self.width * self.height, 1
        )

    def close(self) -> None:
        pass

    @contextmanager
    def showing(self, colour: tuple[int, int, int] = COLOUR) -> Iterator[None]:
        previous, self.colour = self.colour, colour
        try:
            yield
        finally:
            self.colour = previous


class XvfbScreen:
    """The real X server's screen, and a real window of a colour on it (DISPLAY must name it)."""

    def __init__(self, xserver: Xvfb) -> None:
        self._xserver = xserver
        self._screen = platform(xserver.display).screen

    def grab(self, monitors: str) -> Frame:
        return self._screen.grab(monitors)

    def close(self) -> None:
        self._screen.close()

    @contextmanager
    def showing(self, colour: tuple[int, int, int] = COLOUR) -> Iterator[None]:
        with self._xserver.colour_window(colour):
            yield
