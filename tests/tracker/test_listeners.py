"""The engine's events: delivered after the change they report, to every listener, whatever one
of them does (on the fake clock)."""

from __future__ import annotations

import logging

import pytest

from diary.records import SegmentState
from tests.tracker.helpers import all_views, at, run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.events import EngineEvent, MinuteRecorded, SegmentClosed, TrackingStarted
from tracker.store import Store


def test_a_listener_that_raises_is_logged_and_tracking_goes_on(
    engine: Engine,
    fake_clock: FakeClock,
    store: Store,
    contract_id: int,
    counter: ActivityCounter,
    events: list[EngineEvent],
    caplog: pytest.LogCaptureFixture,
) -> None:
    failed: list[EngineEvent] = []

    def fragile(event: EngineEvent) -> None:
        if isinstance(event, SegmentClosed) and not failed:
            failed.append(event)
            raise RuntimeError("a bug in a listener")

    after: list[EngineEvent] = []
    engine.subscribe(fragile)
    engine.subscribe(after.append)  # subscribed after the fragile one: still hears everything
    engine.start(contract_id, "Checkout page")
    for minute in range(4, 35):
        counter.key_pressed()
        run_until(engine, fake_clock, at(10, minute + 1))
    engine.stop()

    assert len(failed) == 1 and "a bug in a listener" in caplog.text
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    views = all_views(store)
    assert [(v.segment.start, v.segment.end) for v in views] == [
        (at(10, 3, 27), at(10, 10)),
        (at(10, 10), at(10, 20)),
        (at(10, 20), at(10, 30)),
        (at(10, 30), at(10, 35)),
    ]
    assert all(v.state is SegmentState.TRACKED for v in views)
    assert [len(v.minutes) for v in views] == [7, 10, 10, 5]
    assert after == events
    assert sum(isinstance(e, SegmentClosed) for e in events) == 4


def test_events_go_out_once_the_change_they_report_is_complete(
    engine: Engine, fake_clock: FakeClock, store: Store, contract_id: int
) -> None:
    """At a slot boundary one tick closes a segment and opens the next: a listener of
    SegmentClosed already finds the next one open, and can stop tracking from there."""
    seen: list[str] = []

    def stop_at_the_first_boundary(event: EngineEvent) -> None:
        if isinstance(event, TrackingStarted):
            seen.append("started")
        if isinstance(event, SegmentClosed) and not seen.count("closed"):
            seen.append("closed")
            assert engine.tracking and engine.next_tick_at() is not None
            engine.stop("stopped by a listener")
        if isinstance(event, MinuteRecorded):
            seen.append("minute")

    engine.subscribe(stop_at_the_first_boundary)
    engine.start(contract_id, "Checkout page")
    run_until(engine, fake_clock, at(10, 12))
    assert not engine.tracking
    closed = [v.segment for v in all_views(store)]
    assert [(s.start, s.end, s.close_reason) for s in closed] == [
        (at(10, 3, 27), at(10, 10), "segment ended"),
    ]
    assert seen[0] == "started" and seen.count("closed") == 1
