"""Headless mode: a loop that ticks the engine whenever it is due."""

from __future__ import annotations

import threading
from datetime import datetime

from .clock import Clock
from .engine import Engine

#: Sleep a little past a deadline, so that the tick after a minute boundary lands after it.
PAST_DEADLINE_SECONDS = 0.005
LONGEST_SLEEP_SECONDS = 5.0


#: The close reason of a run that ends at its ``until``.
TIME_RAN_OUT = "the time set for tracking ran out"


def run_until_stopped(
    engine: Engine, clock: Clock, stop: threading.Event, until: datetime | None = None
) -> None:
    """Tick until ``stop`` is set, ``until`` passes or the engine stops itself (weekly limit)."""
    while engine.tracking and not stop.is_set():
        engine.tick()
        now = clock.now()
        if until is not None and now >= until:
            break
        due = engine.next_tick_at()
        if due is None:
            break
        if until is not None:
            due = min(due, until)
        wait = (due - now).total_seconds() + PAST_DEADLINE_SECONDS
        stop.wait(min(max(wait, 0.0), LONGEST_SLEEP_SECONDS))
    engine.stop("stopped" if stop.is_set() or until is None else TIME_RAN_OUT)
