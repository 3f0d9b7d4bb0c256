"""Delivering the engine's events: after the change they report, in order, to every listener,
whatever any one of them does."""

from __future__ import annotations

import functools
import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from .events import EngineEvent

log = logging.getLogger(__name__)

Listener = Callable[[EngineEvent], None]


class Listeners:
    """The engine's listeners. Events emitted during a change wait in a queue and go out when
    the change is complete (the outermost ``change()`` ends), so a listener always sees the
    engine in a consistent state; a listener that raises is logged and skipped, never able to
    stop the engine or keep the event from the others."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._queue: deque[EngineEvent] = deque()
        self._depth = 0

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def emit(self, event: EngineEvent) -> None:
        self._queue.append(event)
        if not self._depth:
            self._deliver()

    @contextmanager
    def change(self) -> Iterator[None]:
        """Hold events back until the change (and any change it makes) is complete."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth:
                self._deliver()

    def _deliver(self) -> None:
        # A listener may change the engine in turn: its events join the queue, in order.
        while self._queue:
            event = self._queue.popleft()
            for listener in list(self._listeners):
                try:
                    listener(event)
                except Exception:
                    log.exception("an engine listener (%r) failed on %r", listener, event)


class _Changing(Protocol):
    listeners: Listeners


P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound=_Changing)


def delivering(method: Callable[Concatenate[E, P], R]) -> Callable[Concatenate[E, P], R]:
    """A public engine method: its events go out once it has done its whole change."""

    def wrapper(self: E, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.listeners.change():
            return method(self, *args, **kwargs)

    functools.update_wrapper(wrapper, method)
    return wrapper
