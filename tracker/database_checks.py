"""Before the store opens its database: a damaged file is refused untouched, with one copy of
it kept aside; a disk that is full or failing is said to be that, never a damaged diary."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from .errors import DatabaseCorrupt, EnvironmentProblem, is_disk_full

#: SQLite's result codes for a file that is not a sound database (anything else is the disk's,
#: the permissions' or another process's doing, and the file itself may be fine).
DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def check_database(path: Path) -> None:
    """Refuse a damaged database without touching it, keeping a copy of it beside it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    # Only SQLite itself may open the file: closing any other descriptor of it would drop the
    # POSIX locks this process's open connections hold, and another process could then delete
    # the write-ahead log under them (the app has two connections; see docs/architecture.md).
    try:
        reader = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            result = [row[0] for row in reader.execute("PRAGMA quick_check")]
        finally:
            reader.close()
    except sqlite3.DatabaseError as error:
        if not str(getattr(error, "sqlite_errorname", "")).startswith(DAMAGED):
            raise unreadable(path, error) from error
        damage = "it is not an SQLite database" if "not a database" in str(error) else str(error)
        raise _damaged(path, damage) from error
    if result != ["ok"]:
        raise _damaged(path, "; ".join(result[:3]))


def database_problem(path: Path, error: sqlite3.Error) -> EnvironmentProblem:
    """What a failed read or write of the database means: a damaged file (its contents cannot
    be read as what they should be) or the machine's doing (a full disk, permissions)."""
    damaged = str(getattr(error, "sqlite_errorname", "")).startswith(DAMAGED)
    if damaged or "could not decode" in str(error).lower():
        return _damaged(path, str(error))
    return unreadable(path, error)


def unreadable(path: Path, error: sqlite3.Error) -> EnvironmentProblem:
    """The database cannot be read or written for a reason of the machine's: say which."""
    if is_disk_full(error) or _no_space(path):
        return EnvironmentProblem(
            f"The disk holding {path} is full: nothing more can be recorded. Free some space; "
            "everything recorded up to now is kept.",
            code="disk-full",
        )
    return EnvironmentProblem(f"Cannot use the database {path}: {error}.", code="database-io")


def _no_space(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 1024 * 1024
    except OSError:
        return False


def _damaged(path: Path, problem: str) -> DatabaseCorrupt:
    return DatabaseCorrupt(
        f"The database {path} is damaged ({problem}). It was left untouched. {_keep_copy(path)} "
        "Restore it from a backup, or move it away to start with an empty diary."
    )


def _keep_copy(path: Path) -> str:
    """One copy of each damaged content, named by it: a command run again makes no other."""
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:  # read only after SQLite has let go of it
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        copy = path.with_name(f"{path.name}.corrupt-{digest.hexdigest()[:16]}")
        if not copy.exists():
            shutil.copy2(path, copy)
    except OSError as error:
        return f"Making a copy failed too ({error.strerror})."
    return f"A copy is at {copy}."
