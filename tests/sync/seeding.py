"""Record a diary with the real engine on a fake clock, as a freelancer's day would go."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from diary.times import MINUTE, minute_floor
from tests.tracker.helpers import run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine

#: Input for the minute numbered n of a session: (keys, clicks, scroll steps, pointer moves).
Pattern = Callable[[int], tuple[int, int, int, int]]


def work_until(
    engine: Engine,
    clock: FakeClock,
    counter: ActivityCounter,
    end: datetime,
    keys_per_minute: int = 3,
    pattern: Pattern | None = None,
) -> None:
    """A few key presses and a click in every minute until ``end`` (or the ``pattern``'s)."""
    minute = 0
    while clock.now() < end:
        keys, clicks, scrolls, moves = (
            (keys_per_minute, 1, 0, 0) if pattern is None else pattern(minute)
        )
        for _ in range(keys):
            counter.key_pressed()
        for _ in range(clicks):
            counter.clicked()
        if scrolls:
            counter.scrolled(scrolls)
        for _ in range(moves):
            counter.moved()
        run_until(engine, clock, min(end, minute_floor(clock.now()) + MINUTE))
        minute += 1


def track(
    engine: Engine,
    clock: FakeClock,
    counter: ActivityCounter,
    contract_id: int,
    memo: str,
    start: datetime,
    end: datetime,
    keys_per_minute: int = 3,
    pattern: Pattern | None = None,
) -> None:
    """Track from ``start`` to ``end``, working all along."""
    if clock.now() < start:
        clock.advance((start - clock.now()).total_seconds())
    engine.start(contract_id, memo)
    work_until(engine, clock, counter, end, keys_per_minute, pattern)
    engine.stop()
