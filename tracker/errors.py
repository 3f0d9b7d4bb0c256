"""The engine's error family: the environment's fault (tell the user what to do) versus ours."""

from __future__ import annotations

import errno
import sqlite3


class TrackerError(Exception):
    """Base of every error the engine raises on purpose.

    ``str(error)`` is a complete sentence for the user: what happened and what to do.
    """

    #: The process exit code the command line uses for this error.
    exit_code = 1


class InvalidInput(TrackerError):
    """The user asked for something the engine cannot accept (bad value, unknown id)."""

    exit_code = 2


class EnvironmentProblem(TrackerError):
    """Something outside the program stops it: disk, display, permissions, another instance."""

    exit_code = 3


class DataDirUnusable(EnvironmentProblem):
    """The data directory cannot be created or written."""


class DatabaseCorrupt(EnvironmentProblem):
    """The database file is damaged; it is left untouched and a copy is kept."""


class AlreadyRunning(EnvironmentProblem):
    """Another tracker holds this data directory's lock."""


class SessionUnsupported(EnvironmentProblem):
    """No X11 display (or a Wayland session): activity and screenshots cannot be recorded."""


class LimitReached(TrackerError):
    """The contract's weekly limit is already used up."""

    exit_code = 4


class InternalError(TrackerError):
    """A bug of ours: logged with context; the message asks the user to report it."""

    exit_code = 70


def is_disk_full(error: BaseException) -> bool:
    """Whether a write failed because the disk (or the user's quota) is full."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(error, sqlite3.OperationalError) and "full" in str(error).lower()
