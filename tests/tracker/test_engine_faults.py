"""The engine with the real X11 parts when they fail mid-segment: time is still tracked."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from diary.records import SegmentState
from tests.tracker.helpers import all_views, at, run_until
from tests.waiting import wait_until
from tests.xvfb import Xvfb
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.events import ActivityUnavailable, EngineEvent
from tracker.platform.x11 import platform
from tracker.screenshots import ScreenshotTaker
from tracker.settings import Settings
from tracker.store import Store

pytestmark = pytest.mark.x11


def test_x_server_lost_mid_segment(
    own_xserver: Xvfb,
    monkeypatch: pytest.MonkeyPatch,
    fake_clock: FakeClock,
    store: Store,
    data_dir: Path,
    contract_id: int,
) -> None:
    monkeypatch.setenv("DISPLAY", own_xserver.display)
    x11 = platform(own_xserver.display)
    counter = ActivityCounter()
    events: list[EngineEvent] = []
    engine = Engine(
        fake_clock,
        store,
        Settings(idle_policy="keep"),
        counter,
        screenshots=ScreenshotTaker(data_dir, x11.screen),
        idle=x11.idle,
        input_source=x11.input,
    )
    engine.subscribe(events.append)
    try:
        engine.start(contract_id, "Before the display went away")
        run_until(engine, fake_clock, at(10, 5, 30))
        own_xserver.stop()
        wait_until(lambda: x11.input.problem() is not None, what="the listener to notice")
        run_until(engine, fake_clock, at(10, 21))  # a whole segment: its screenshot was due
        engine.stop()
    finally:
        x11.input.stop()
    assert [type(e) for e in events].count(ActivityUnavailable) == 1
    first, second, third = all_views(store)
    assert {first.state, second.state, third.state} == {SegmentState.TRACKED}
    assert first.segment.end == at(10, 10) and second.segment.end == at(10, 20)
    assert first.screenshots[0].missing_reason is None  # taken while the display was there
    assert second.screenshots[0].sha256 is None
    assert "could not be captured" in (second.screenshots[0].missing_reason or "")
    assert [m.unavailable is None for m in first.minutes][:2] == [True, True]
    assert all("input listener stopped" in (m.unavailable or "") for m in second.minutes)
    assert second.activity_unavailable is not None
    assert sum(v.billable_seconds for v in (first, second, third)) == 17 * 60 + 33


def disk_full(path: Path, data: bytes) -> None:
    """A screenshot writer on a disk with no space left."""
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def test_disk_full_keeps_the_segment(
    xserver: Xvfb,
    monkeypatch: pytest.MonkeyPatch,
    fake_clock: FakeClock,
    store: Store,
    data_dir: Path,
    contract_id: int,
) -> None:
    monkeypatch.setenv("DISPLAY", xserver.display)
    engine = Engine(
        fake_clock,
        store,
        Settings(idle_policy="keep"),
        ActivityCounter(),
        screenshots=ScreenshotTaker(data_dir, platform(xserver.display).screen, write=disk_full),
    )
    engine.start(contract_id, "Disk is full")
    run_until(engine, fake_clock, at(10, 8))
    engine.stop()
    (view,) = all_views(store)
    assert view.segment.end == at(10, 8) and view.billable_seconds == 4 * 60 + 33
    assert [s.missing_reason for s in view.screenshots] == [
        "the disk is full: the screenshot could not be saved"
    ]
