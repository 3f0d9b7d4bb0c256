"""The engine's error family: the environment's fault (tell the user what to do) versus ours."""

from __future__ import annotations

import errno
import sqlite3


class TrackerError(Exception):
    """Base of every error the engine raises on purpose.

    ``str(error)`` says what happened, in whole sentences, and what to do where that does not
    depend on the front end. ``code`` names the kind of error; each front end (the command line,
    the app) adds its own advice by code, so that no message here names a command or a flag.
    """

    #: The process exit code the command line uses for this error.
    exit_code = 1
    #: A stable name for this kind of error.
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidInput(TrackerError):
    """The user asked for something the engine cannot accept (bad value, unknown id)."""

    code = "invalid-input"
    exit_code = 2


class EnvironmentProblem(TrackerError):
    """Something outside the program stops it: disk, display, permissions, another instance."""

    code = "environment"
    exit_code = 3


class DataDirUnusable(EnvironmentProblem):
    """The data directory cannot be created or written."""

    code = "data-dir-unusable"


class DatabaseCorrupt(EnvironmentProblem):
    """The database file is damaged; it is left untouched and a copy is kept."""

    code = "database-corrupt"


class AlreadyRunning(EnvironmentProblem):
    """Another tracker holds this data directory's lock."""

    code = "already-running"


class SessionUnsupported(EnvironmentProblem):
    """No X11 display (or a Wayland session): activity and screenshots cannot be recorded."""

    code = "session-unsupported"


class AutostartUnusable(EnvironmentProblem):
    """The autostart entry (in the user's config dir) cannot be read or written."""

    code = "autostart-unusable"


class LimitReached(TrackerError):
    """The contract's weekly limit is already used up."""

    code = "limit-reached"
    exit_code = 4


class InternalError(TrackerError):
    """A bug of ours: logged with context; the message asks the user to report it."""

    code = "internal"

    exit_code = 70


def is_disk_full(error: BaseException) -> bool:
    """Whether a write failed because the disk (or the user's quota) is full."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(error, sqlite3.OperationalError) and "full" in str(error).lower()
