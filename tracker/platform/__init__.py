"""The platform seam: input, idle time and the screen behind small interfaces, chosen once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ..activity import ActivityCounter
from ..errors import SessionUnsupported


@dataclass(frozen=True)
class Frame:
    """Raw pixels of a screen grab: 4 bytes a pixel, blue-green-red-padding."""

    width: int
    height: int
    bgrx: bytes | bytearray
    monitors: int


class ScreenUnavailable(Exception):
    """The screen could not be captured; the message says why."""


class InputSource(Protocol):
    """Feeds an ActivityCounter from the platform's input events, while the engine tracks."""

    def start(self, counter: ActivityCounter) -> None:
        """Listen from now on; SessionUnsupported says why input cannot be counted here."""
        ...

    def stop(self) -> None:
        """Stop listening (a no-op when not listening)."""
        ...

    def problem(self) -> str | None:
        """None while input is being counted; otherwise why it no longer is."""
        ...

    def settle(self) -> None:
        """Return once input that has already happened has reached the counter."""
        ...


class IdleSource(Protocol):
    def seconds_idle(self) -> float | None:
        """Seconds since the last input the OS saw, or None when it cannot tell."""
        ...


class ScreenSource(Protocol):
    def grab(self, monitors: str) -> Frame:
        """All monitors ("all") or the one under the pointer ("pointer"); raises ScreenUnavailable."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Platform:
    name: str
    input: InputSource
    idle: IdleSource
    screen: ScreenSource


def session_problem(env: Mapping[str, str]) -> str | None:
    """Why activity and screenshots cannot be recorded in this session, or None if they can."""
    session = env.get("XDG_SESSION_TYPE", "").lower()
    if session == "wayland" or env.get("WAYLAND_DISPLAY"):
        return (
            "This is a Wayland session. Workdiary counts activity and takes screenshots through "
            "X11, which Wayland does not allow for other programs' windows: activity would read "
            "as zero and screenshots would be black, so it does not track here. Log in with an "
            "X11 session (for example 'GNOME on Xorg' on the login screen) to track time."
        )
    if not env.get("DISPLAY"):
        return (
            "No display: activity counts and screenshots need an X11 session, and DISPLAY is not "
            "set. Run Workdiary inside your desktop session (or set DISPLAY, e.g. DISPLAY=:0)."
        )
    return None


def detect_platform(env: Mapping[str, str] | None = None) -> Platform:
    """The platform for this session; SessionUnsupported explains when there is none."""
    env = os.environ if env is None else env
    problem = session_problem(env)
    if problem:
        raise SessionUnsupported(problem)
    from . import x11  # imported late: pynput cannot even be imported without a display

    return x11.platform(env["DISPLAY"])
