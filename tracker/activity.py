"""Counting input: callbacks only bump counters; the engine drains them once per tick."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    """Input counted since the last drain."""

    keys: int = 0
    clicks: int = 0
    scrolls: int = 0
    moves: int = 0
    injected: int = 0

    @property
    def any_input(self) -> bool:
        return (self.keys + self.clicks + self.scrolls + self.moves) > 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.keys + other.keys,
            self.clicks + other.clicks,
            self.scrolls + other.scrolls,
            self.moves + other.moves,
            self.injected + other.injected,
        )


class ActivityCounter:
    """Thread-safe counters written by the input listeners' threads.

    The lock guards nothing but these integers and is never held during I/O, so a callback
    waits at most for another callback's increment or for a drain (a few attribute reads).
    Injected events (synthetic input that the platform flags as such) are counted apart and
    never count as activity.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys = self._clicks = self._scrolls = self._moves = self._injected = 0

    def key_pressed(self, injected: bool = False) -> None:
        with self._lock:
            if injected:
                self._injected += 1
            else:
                self._keys += 1

    def clicked(self, injected: bool = False) -> None:
        with self._lock:
            if injected:
                self._injected += 1
            else:
                self._clicks += 1

    def scrolled(self, steps: int = 1, injected: bool = False) -> None:
        with self._lock:
            if injected:
                self._injected += steps
            else:
                self._scrolls += steps

    def moved(self, injected: bool = False) -> None:
        with self._lock:
            if injected:
                self._injected += 1
            else:
                self._moves += 1

    def peek(self) -> Counts:
        """Everything counted since the previous drain, left in place (the engine drains)."""
        with self._lock:
            return Counts(self._keys, self._clicks, self._scrolls, self._moves, self._injected)

    def drain(self) -> Counts:
        """Everything counted since the previous drain; the counters restart at zero."""
        with self._lock:
            counts = Counts(self._keys, self._clicks, self._scrolls, self._moves, self._injected)
            self._keys = self._clicks = self._scrolls = self._moves = self._injected = 0
        return counts
