"""Helpers for driving the engine on a fake clock the way the headless loop does."""

from __future__ import annotations

from datetime import UTC, datetime

from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.headless import PAST_DEADLINE_SECONDS
from tracker.store import Store
from tracker.views import SegmentView


def run_for(engine: Engine, clock: FakeClock, seconds: float) -> None:
    """Let ``seconds`` pass, ticking whenever the engine is due (as the headless loop does)."""
    end = clock.monotonic() + seconds
    while clock.monotonic() < end - 1e-9:
        due = engine.next_tick_at()
        step = end - clock.monotonic()
        if due is not None:
            step = min(step, max(0.0, (due - clock.now()).total_seconds()) + PAST_DEADLINE_SECONDS)
        clock.advance(step)
        engine.tick()


def run_until(engine: Engine, clock: FakeClock, when: datetime) -> None:
    run_for(engine, clock, (when - clock.now()).total_seconds())


def at_utc_now() -> datetime:
    """The real current time in whole seconds, for tests of the real platform parts."""
    return datetime.now(UTC).replace(microsecond=0)


def at(hour: int, minute: int, second: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def all_views(store: Store) -> list[SegmentView]:
    segments = store.segments_between(
        datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    return store.views(segments)
