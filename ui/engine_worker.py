"""The engine's home in the desktop app: a QObject that ticks it with a QTimer and takes commands.

The app moves it to a thread of its own, so that screenshot encoding and database writes never
run on the GUI thread; tests keep it on theirs and tick it by hand on a fake clock. Either way
the engine is only ever touched from the worker's thread: commands arrive as queued slots and
the engine's events leave as a signal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from tracker.clock import Clock
from tracker.errors import TrackerError
from tracker.settings import Settings

from .messages import explain

if TYPE_CHECKING:  # the engine itself is built and imported on its own thread
    from tracker.engine import Engine

log = logging.getLogger(__name__)

#: Tick at least this often, whatever the engine says (it asks for 5 s at most anyway).
LONGEST_WAIT_MS = 5000
#: Land a little after a deadline, so that the tick after a minute boundary is past it.
PAST_DEADLINE_MS = 5


class EngineWorker(QObject):
    """Signals: ``happened(object)`` for each EngineEvent; ``failed(str)`` when a command is refused
    (the message is a whole sentence for the user); ``ready()`` once the engine exists."""

    happened = Signal(object)
    failed = Signal(str)
    ready = Signal()

    def __init__(self, build_engine: Callable[[], Engine], clock: Clock) -> None:
        super().__init__()
        self._build_engine = build_engine
        self._clock = clock
        self._engine: Engine | None = None
        self._timer: QTimer | None = None

    @property
    def engine(self) -> Engine:
        assert self._engine is not None, "setup() has not run yet"
        return self._engine

    @Slot()
    def setup(self) -> None:
        """Build the engine (and its store) on the thread that will run it."""
        self._engine = self._build_engine()
        self._engine.subscribe(self.happened.emit)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.tick)
        for segment in self._engine.recover():
            log.info("closed segment %s left open by an unexpected stop", segment.id)
        self.ready.emit()

    @Slot(int, str)
    def start(self, contract_id: int, memo: str) -> None:
        self._command(lambda: self.engine.start(contract_id, memo))

    @Slot()
    def stop(self) -> None:
        self._command(self.engine.stop)

    @Slot(str)
    def set_memo(self, memo: str) -> None:
        self._command(lambda: self.engine.set_memo(memo))

    @Slot(int, bool)
    def resolve_idle(self, period_id: int, keep: bool) -> None:
        self._command(lambda: self.engine.resolve_idle(period_id, keep))

    @Slot(object)
    def set_settings(self, settings: Settings) -> None:
        """New settings take effect from the next tick (screenshots, idle) on."""
        self._command(lambda: setattr(self.engine, "settings", settings))

    @Slot()
    def tick(self) -> None:
        self._command(self.engine.tick)

    def _command(self, action: Callable[[], object]) -> None:
        if self._engine is None:  # quit before the engine was built: nothing to do
            return
        try:
            action()
        except TrackerError as error:
            self.failed.emit(explain(error))
        except Exception as error:  # a bug of ours: say so, keep the app alive
            log.exception("engine command failed")
            self.failed.emit(
                f"Something went wrong inside Workdiary ({type(error).__name__}: {error}). "
                "Nothing recorded so far is lost. Please report this with the log file."
            )
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is None or self._engine is None:
            return
        due = self._engine.next_tick_at()
        if due is None:
            self._timer.stop()
            return
        wait = (due - self._clock.now()).total_seconds() * 1000 + PAST_DEADLINE_MS
        self._timer.start(int(min(max(wait, 0), LONGEST_WAIT_MS)))
