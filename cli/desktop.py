"""No command: the desktop app (app.py), with the window, the engine's thread and the tray; with
--quit, ask the app already running for the data dir to quit."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from composition import Composition
from tracker.datadir import TrackerLock
from tracker.errors import AlreadyRunning

from .program import command
from .terminal import safe

#: How long --quit waits for the app to stop: its last round of signing may take a while.
QUIT_WAIT_SECONDS = 90.0


def run(args: argparse.Namespace, parts: Composition) -> int:
    if args.quit:
        return quit_running_app(parts.data_dir)
    from app import run_app

    return run_app(parts, command(), side=args.side)


def quit_running_app(data_dir: Path, wait: float = QUIT_WAIT_SECONDS) -> int:
    """Ask the running app to quit, then wait until it has let go of the data dir: 0 once it
    has, 1 if no app runs for this data dir, 3 if it does not stop in time."""
    # The socket's client needs no display; importing it loads QtCore only.
    from ui.single_instance import QUIT, ask_running_app

    where = safe(str(data_dir))
    lock = TrackerLock(data_dir)
    if not ask_running_app(data_dir, QUIT):
        try:
            lock.acquire()
        except AlreadyRunning as error:  # a tracker in a terminal has no socket to ask
            print(
                f"workdiary: {safe(str(error))} It is not the app: stop it with Ctrl+C.",
                file=sys.stderr,
            )
            return 1
        lock.release()
        print(f"Workdiary is not running for {where}: nothing to quit.", file=sys.stderr)
        return 1
    deadline = time.monotonic() + wait
    while True:
        try:
            lock.acquire()
        except AlreadyRunning as error:
            if time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            print(
                f"workdiary: {safe(str(error))} It was asked to quit {wait:.0f} s ago and has "
                "not stopped: quit it from its tray menu, or end it with kill and that pid.",
                file=sys.stderr,
            )
            return 3
        lock.release()
        print(f"Workdiary has quit: tracking stopped and everything recorded is saved ({where}).")
        return 0
