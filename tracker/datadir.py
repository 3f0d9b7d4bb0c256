"""Where Workdiary keeps its files, and the lock that allows one tracker per data dir."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

import platformdirs

from .errors import AlreadyRunning, DataDirUnusable

ENV_VAR = "WORKDIARY_DATA_DIR"
LOCK_FILE = "tracker.lock"


def resolve_data_dir(explicit: str | None) -> Path:
    """--data-dir wins, then $WORKDIARY_DATA_DIR, then the platform's user data dir."""
    if explicit is not None:
        if not explicit.strip():
            raise DataDirUnusable("The data dir given is empty: name a folder.")
        return Path(explicit).expanduser().absolute()
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env).expanduser().absolute()
    return default_data_dir()


def default_data_dir() -> Path:
    """The platform's user data dir for Workdiary (~/.local/share/workdiary on Linux)."""
    return Path(platformdirs.user_data_dir("workdiary", appauthor=False))


#: The data dir and everything in it are the user's alone: screenshots, memos, the log.
DIR_MODE, FILE_MODE = 0o700, 0o600


def prepare_data_dir(path: Path) -> Path:
    """Create the data dir if needed (private), make one an earlier version left readable to
    others private, and prove it is writable."""
    if path.exists() and not path.is_dir():
        raise DataDirUnusable(f"The data dir {path} is a file, not a folder.")
    try:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        folders = [path, *(p for p in path.iterdir() if p.is_dir() and not p.is_symlink())]
        if any(folder.stat().st_mode & 0o077 for folder in folders):
            make_private(path)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise DataDirUnusable(f"The data dir {path} cannot be written ({reason}).") from error
    return path


def make_private(path: Path) -> None:
    """The data dir 0700, and every folder in it 0700 and file 0600 (once: a data dir whose
    folders are all 0700 already was made so by this)."""
    for folder, _, files in os.walk(path):
        os.chmod(folder, DIR_MODE)
        for name in files:
            file = os.path.join(folder, name)
            if not os.path.islink(file):
                os.chmod(file, FILE_MODE)


class TrackerLock:
    """An exclusive flock on the data dir's lock file; the OS drops it if the process dies."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            owner = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if error.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise AlreadyRunning(
                    f"Another tracker is already running for {self.path.parent} (pid {owner})."
                ) from error
            raise
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> TrackerLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
