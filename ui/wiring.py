"""How the main window and the engine worker talk: one place, used by the app and by the tests."""

from __future__ import annotations

from .engine_worker import EngineWorker
from .main_window import MainWindow


def connect_window(window: MainWindow, worker: EngineWorker) -> None:
    """Commands go to the worker (queued when it runs on its own thread); events come back."""
    window.start_requested.connect(worker.start)
    window.stop_requested.connect(worker.stop)
    window.memo_edited.connect(worker.set_memo)
    window.idle_answered.connect(worker.resolve_idle)
    window.settings_saved.connect(worker.set_settings)
    worker.happened.connect(window.on_engine_event)
    worker.failed.connect(window.on_engine_failed)
