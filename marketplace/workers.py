"""`serve --workers N`: N server processes on one listening socket, forked from the process
that bound it, which supervises them: a stop (SIGINT, SIGTERM) goes to every worker, and a
worker that dies takes the others down with it, so that a broken server never answers in part.

Each worker opens its own storage and blob store after the fork (connections are never shared
between processes) and takes connections from the one socket as the kernel hands them out.
Nothing one worker keeps in memory is needed by another: sessions, chains, weeks and money
live in the database, screenshots in the blob store, the receipt key in its file."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType

#: How a worker that ended by itself says so (the supervisor then stops the others).
WORKER_FAILED = 70


def run_workers(
    count: int,
    work: Callable[[], None],
    say: Callable[[str], None],
    started: Callable[[], None] | None = None,
) -> int:
    """Run ``work`` in ``count`` forked processes until a stop signal or until one of them
    ends; ``started`` runs in this process once they all are (and its stop signals reach
    them). The exit code: 0 after a stop, else the failed worker's."""
    children: list[int] = []
    stopping = False

    def stop(number: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            _signal(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(count):
            pid = os.fork()
            if pid == 0:  # the worker
                for number, handler in previous.items():
                    signal.signal(number, handler)
                code = 0
                try:
                    work()
                except KeyboardInterrupt:
                    pass
                except BaseException as error:  # said, then the worker ends
                    say(f"A worker stopped: {type(error).__name__}: {error}")
                    code = WORKER_FAILED
                finally:
                    sys.stdout.flush()
                    os._exit(code)
            children.append(pid)
        if started is not None:
            started()
        code = 0
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            children.remove(pid)
            ended = os.waitstatus_to_exitcode(status)
            if not stopping:
                # One worker ended on its own: the others stop too, and the exit code says so.
                say(f"A worker (pid {pid}) ended with {ended}: stopping the others.")
                code = ended if ended > 0 else WORKER_FAILED
                stop(signal.SIGTERM, None)
        return code
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended already
        os.kill(pid, number)
