"""The injected clock: aware UTC wall time plus a monotonic counter that sleep does not advance."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the engine needs to know about time."""

    def now(self) -> datetime:
        """The wall time, aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back and stops while the machine sleeps."""
        ...


class SystemClock:
    """The real clock. On Linux time.monotonic() is CLOCK_MONOTONIC, which stands still in suspend."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that moves only when told to; wall and monotonic time can be moved apart."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._monotonic = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        """Time passes normally: wall and monotonic move together."""
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds

    def suspend(self, seconds: float) -> None:
        """The machine sleeps: wall time moves, monotonic time does not."""
        self._now += timedelta(seconds=seconds)

    def set_wall(self, when: datetime) -> None:
        """Someone sets the system clock: wall time jumps, monotonic time does not."""
        self._now = when.astimezone(UTC)
