"""The storage interface on one SQLite file (WAL), the embedded default.

Every transaction starts with BEGIN IMMEDIATE, which takes SQLite's one write lock: two
batches of one device (from two threads, or two processes on the file) run one after the
other, and the second sees the head the first left, so a chain never forks. The primary key
(device, seq) of `records` would refuse a second record at a seq even so. Holding the database's
one lock, a transaction needs none of the narrower locks it names (``sql.SqlTransaction``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .schema import migrate
from .sql import Cursor, Dialect, SqlTransaction


def _no_locks(cursor: Cursor, keys: Sequence[int]) -> None:
    """BEGIN IMMEDIATE holds the database's write lock already."""


SQLITE = Dialect(
    name="SQLite",
    placeholder="?",
    integrity_errors=(sqlite3.IntegrityError,),
    take_locks=_no_locks,
)


class SqliteStorage:
    """One connection, shared by the server's threads one transaction at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._lock = threading.Lock()
        with self._immediate() as cursor:
            migrate(cursor, SQLITE, int(time.time()))

    @contextmanager
    def _immediate(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db.cursor()
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        with self._immediate() as cursor:
            yield SqlTransaction(cursor, SQLITE)

    def close(self) -> None:
        with self._lock:
            self._db.close()
