"""Record a diary with the real engine on a fake clock, as a freelancer's day would go."""

from __future__ import annotations

from datetime import datetime

from diary.times import MINUTE, minute_floor
from tests.tracker.helpers import run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine


def work_until(
    engine: Engine,
    clock: FakeClock,
    counter: ActivityCounter,
    end: datetime,
    keys_per_minute: int = 3,
) -> None:
    """A few key presses and a click in every minute until ``end``."""
    while clock.now() < end:
        for _ in range(keys_per_minute):
            counter.key_pressed()
        counter.clicked()
        run_until(engine, clock, min(end, minute_floor(clock.now()) + MINUTE))


def track(
    engine: Engine,
    clock: FakeClock,
    counter: ActivityCounter,
    contract_id: int,
    memo: str,
    start: datetime,
    end: datetime,
    keys_per_minute: int = 3,
) -> None:
    """Track from ``start`` to ``end``, working all along."""
    if clock.now() < start:
        clock.advance((start - clock.now()).total_seconds())
    engine.start(contract_id, memo)
    work_until(engine, clock, counter, end, keys_per_minute)
    engine.stop()
