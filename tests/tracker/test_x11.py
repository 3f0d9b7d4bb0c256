"""The X11 platform on a real Xvfb: pynput counts xdotool input, X idle time, mss grabs, faults."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.tracker.helpers import all_views, at_utc_now, run_for
from tests.waiting import wait_until
from tests.xvfb import COLOUR, Xvfb
from tracker.activity import ActivityCounter, Counts
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.platform import Frame, ScreenUnavailable, detect_platform, session_problem
from tracker.platform.x11 import Connection, PynputInput, platform
from tracker.screenshots import ScreenshotTaker, write_atomically
from tracker.settings import Settings
from tracker.store import Store

pytestmark = pytest.mark.x11


@pytest.fixture
def x_env(xserver: Xvfb, monkeypatch: pytest.MonkeyPatch) -> Xvfb:
    monkeypatch.setenv("DISPLAY", xserver.display)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return xserver


@pytest.fixture
def colour_window(x_env: Xvfb) -> Iterator[None]:
    with x_env.colour_window():
        yield


def test_pynput_counts_xdotool_input_exactly(x_env: Xvfb) -> None:
    counter = ActivityCounter()
    source = PynputInput(Connection(x_env.display))
    source.start(counter)
    try:
        x_env.xdotool("type", "--delay", "5", "abcdefghijklmnopqrstuvwxyzabcd")
        x_env.xdotool("click", "--repeat", "4", "--delay", "5", "1")
        x_env.xdotool("click", "--repeat", "3", "--delay", "5", "5")
        for i in range(12):
            x_env.xdotool("mousemove", str(300 + 7 * i), str(400 + 3 * i))
        total = Counts()

        def complete() -> bool:
            nonlocal total
            total = total + counter.drain()
            return total.keys >= 30 and total.moves >= 12 and total.scrolls >= 3

        wait_until(complete, what="pynput to see the input")
        total = total + counter.drain()
        assert total == Counts(keys=30, clicks=4, scrolls=3, moves=12, injected=0)
        assert source.problem() is None
    finally:
        source.stop()


def test_input_is_listened_to_only_while_tracking(
    x_env: Xvfb, fake_clock: FakeClock, store: Store, contract_id: int
) -> None:
    x11 = detect_platform()
    assert isinstance(x11.input, PynputInput)
    engine = Engine(
        fake_clock, store, Settings(idle_policy="keep"), ActivityCounter(), input_source=x11.input
    )
    assert not x11.input.listening()
    threads_before = set(threading.enumerate())
    try:
        engine.start(contract_id, "First stretch")
        assert x11.input.listening()
        x_env.xdotool("type", "--delay", "5", "abc")
        run_for(engine, fake_clock, 90)
        engine.stop()
        assert not x11.input.listening()
        x_env.xdotool("type", "--delay", "5", "not counted")
        x_env.xdotool("mousemove", "40", "40", "click", "1")
        # pynput's X listener threads end at the first event after stop(), counting nothing.
        wait_until(lambda: set(threading.enumerate()) <= threads_before, what="listeners to end")
        fake_clock.advance(600)
        engine.start(contract_id, "Second stretch")
        assert x11.input.listening()
        x_env.xdotool("type", "--delay", "5", "de")
        run_for(engine, fake_clock, 90)
        engine.stop()
    finally:
        x11.input.stop()
    first, second = all_views(store)
    assert [sum(m.keys for m in view.minutes) for view in (first, second)] == [3, 2]
    assert sum(m.clicks + m.moves for m in first.minutes + second.minutes) == 0


def test_settle_delivers_input_that_already_happened(x_env: Xvfb) -> None:
    """What stop() relies on: after settle(), every event sent before it has been counted."""
    counter = ActivityCounter()
    source = PynputInput(Connection(x_env.display))
    source.start(counter)
    try:
        x_env.xdotool("mousemove", "5", "5")
        source.settle()
        counter.drain()
        for _ in range(3):  # each burst starts inside a batching pause of both listeners
            x_env.xdotool("type", "--delay", "1", "qwerty")
            x_env.xdotool("mousemove", "50", "60", "mousemove", "70", "80")
        source.settle()
        assert counter.drain() == Counts(keys=18, moves=6)
    finally:
        source.stop()


def test_x_idle_time_resets_on_input(x_env: Xvfb) -> None:
    idle = platform(x_env.display).idle
    x_env.xdotool("mousemove", "10", "10")
    first = idle.seconds_idle()
    assert first is not None and first < 1.0
    wait_until(lambda: (idle.seconds_idle() or 0) > first + 0.2, what="idle time to grow")
    x_env.xdotool("mousemove", "20", "20")
    again = idle.seconds_idle()
    assert again is not None and again < 0.5


def test_screenshot_shows_the_screen(x_env: Xvfb, colour_window: None, data_dir: Path) -> None:
    screen = platform(x_env.display).screen
    shot = ScreenshotTaker(data_dir, screen).take("seg", at_utc_now(), blur=False, monitors="all")
    assert shot.missing_reason is None and shot.path is not None and shot.sha256 is not None
    image = Image.open(data_dir / shot.path)
    assert image.format == "JPEG" and image.size == (1280, 720) == (shot.width, shot.height)
    scale = 1280 / 1920
    inside = image.getpixel((int(600 * scale), int(450 * scale)))
    outside = image.getpixel((int(1500 * scale), int(900 * scale)))
    assert all(abs(a - b) <= 12 for a, b in zip(inside, COLOUR, strict=True)), inside  # type: ignore[arg-type]
    assert sum(outside) < 30, outside  # type: ignore[arg-type]
    assert shot.path.endswith(f"{shot.sha256}.jpg")
    import hashlib

    assert hashlib.sha256((data_dir / shot.path).read_bytes()).hexdigest() == shot.sha256
    assert shot.thumb_path is not None and Image.open(data_dir / shot.thumb_path).size == (320, 180)


def test_blur_is_applied_before_writing(x_env: Xvfb, colour_window: None, data_dir: Path) -> None:
    screen = platform(x_env.display).screen
    sharp = ScreenshotTaker(data_dir, screen).take("seg", at_utc_now(), blur=False, monitors="all")
    blurred = ScreenshotTaker(data_dir, screen).take("seg", at_utc_now(), blur=True, monitors="all")
    assert blurred.blurred and blurred.path and sharp.path

    def edge_jump(path: str) -> int:
        image = Image.open(data_dir / path).convert("L")
        y, x = int(450 * 2 / 3), int(1000 * 2 / 3)  # the window's right edge
        return abs(int(image.getpixel((x - 3, y))) - int(image.getpixel((x + 3, y))))  # type: ignore[arg-type]

    assert edge_jump(sharp.path) > 40
    assert edge_jump(blurred.path) < edge_jump(sharp.path) / 2


@pytest.fixture
def two_monitors(monkeypatch: pytest.MonkeyPatch) -> Iterator[Xvfb]:
    """1920x1080, and 1024x768 to its right, on one X screen of their own."""
    x = Xvfb(1920 + 1024, 1080)
    try:
        monkeypatch.setenv("DISPLAY", x.display)
        x.split_into_monitors((0, 1920, 1080), (1920, 1024, 768))
        yield x
    finally:
        x.stop()


def test_monitor_under_the_pointer(two_monitors: Xvfb, data_dir: Path) -> None:
    x = two_monitors
    screen = platform(x.display).screen
    with x.colour_window():  # on the left monitor
        whole = screen.grab("all")
        x.xdotool("mousemove", "2400", "300")
        right = screen.grab("pointer")
        x.xdotool("mousemove", "100", "900")
        left = screen.grab("pointer")
    assert (whole.width, whole.height, whole.monitors) == (2944, 1080, 2)
    assert (right.width, right.height, right.monitors) == (1024, 768, 1)
    assert (left.width, left.height, left.monitors) == (1920, 1080, 1)

    def pixel(frame: Frame, x: int, y: int) -> tuple[int, int, int]:
        offset = 4 * (y * frame.width + x)
        blue, green, red = frame.bgrx[offset : offset + 3]
        return red, green, blue

    assert pixel(left, 600, 450) == COLOUR  # the window stands on the left monitor
    assert pixel(right, 300, 300) == (0, 0, 0)


def test_disk_full_marks_the_screenshot_missing(x_env: Xvfb, data_dir: Path) -> None:
    """The screenshot is written, its thumbnail finds the disk full: neither stays behind."""
    written: list[Path] = []

    def full_after_one_file(path: Path, data: bytes) -> None:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        write_atomically(path, data)
        written.append(path)

    taker = ScreenshotTaker(data_dir, platform(x_env.display).screen, write=full_after_one_file)
    shot = taker.take("seg", at_utc_now(), blur=False, monitors="all")
    assert shot.sha256 is None
    assert shot.missing_reason == "the disk is full: the screenshot could not be saved"
    assert len(written) == 1 and not written[0].exists()
    assert [p for p in data_dir.rglob("*") if p.is_file()] == []


def test_x_server_gone_is_reported_not_raised(
    own_xserver: Xvfb, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    found = platform(own_xserver.display)
    counter = ActivityCounter()
    monkeypatch.setenv("DISPLAY", own_xserver.display)
    try:
        found.input.start(counter)
        assert found.input.problem() is None
        own_xserver.stop()
        wait_until(lambda: found.input.problem() is not None, what="the listener to notice")
        assert "input listener stopped" in (found.input.problem() or "")
        with pytest.raises(ScreenUnavailable, match="could not be captured"):
            found.screen.grab("all")
        assert found.idle.seconds_idle() is None
    finally:
        found.input.stop()


def test_no_display_and_wayland_are_explained() -> None:
    assert "DISPLAY is not set" in (session_problem({}) or "")
    wayland = session_problem({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}) or ""
    assert "Wayland" in wayland and "black" in wayland
    assert session_problem({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}) is None


def test_unreachable_display_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":399")
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    from tracker.errors import SessionUnsupported

    found = detect_platform()  # connects only when tracking starts
    with pytest.raises(SessionUnsupported, match="Cannot connect to the X display ':399'"):
        found.input.start(ActivityCounter())
    assert found.idle.seconds_idle() is None
    with pytest.raises(ScreenUnavailable, match="could not be captured"):
        found.screen.grab("one")
