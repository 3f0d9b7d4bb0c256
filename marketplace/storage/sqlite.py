"""The storage interface on one SQLite file (WAL), the embedded default.

Every transaction that may write starts with BEGIN IMMEDIATE, which takes SQLite's one write
lock: two batches of one device (from two threads, or two processes on the file) run one after
the other, and the second sees the head the first left, so a chain never forks. The primary key
(device, seq) of `records` would refuse a second record at a seq even so. Holding the database's
one lock, a transaction needs none of the narrower locks it names (``sql.SqlTransaction``).

A transaction that only reads (``reading``: checking a token, whether a screenshot is named)
takes no lock: it runs on a connection of its own (kept for the next reader), in a deferred
transaction that reads one snapshot of what was committed, side by side with the writer (WAL
lets readers and the one writer go on together). The connection is ``query_only``: a write there
is refused.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .schema import migrate
from .sql import Cursor, Dialect
from .transaction import SqlTransaction


def _no_locks(cursor: Cursor, keys: Sequence[int]) -> None:
    """BEGIN IMMEDIATE holds the database's write lock already."""


SQLITE = Dialect(
    name="SQLite",
    placeholder="?",
    integrity_errors=(sqlite3.IntegrityError,),
    take_locks=_no_locks,
)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=10000")
    return db


class SqliteStorage:
    """One connection for the transactions that write, shared by the server's threads one
    transaction at a time; as many as read at once for those that only read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = _connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()
        #: Reading connections not in use (a server's threads come and go: never one each).
        self._idle: list[sqlite3.Connection] = []
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        with self._immediate() as cursor:
            migrate(cursor, SQLITE, int(time.time()))

    @contextmanager
    def _immediate(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            cursor = self._db.cursor()
            try:
                yield cursor
            except BaseException:
                cursor.close()
                self._db.execute("ROLLBACK")
                raise
            # Closed here, under the lock: a cursor dropped later, on whichever thread lets go
            # of its transaction last, would reset its statement (one the connection's cache
            # hands to the next transaction too) while another thread steps it.
            cursor.close()
            self._db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        with self._immediate() as cursor:
            yield SqlTransaction(cursor, SQLITE)

    def _reader(self) -> sqlite3.Connection:
        with self._readers_lock:
            if self._idle:
                return self._idle.pop()
        db = _connect(self.path)
        db.execute("PRAGMA query_only=ON")
        with self._readers_lock:
            self._readers.append(db)
        return db

    @contextmanager
    def reading(self) -> Iterator[SqlTransaction]:
        db = self._reader()
        try:
            db.execute("BEGIN")  # deferred: the first read fixes the snapshot, no lock is taken
            cursor = db.cursor()
            try:
                yield SqlTransaction(cursor, SQLITE, read_only=True)
            finally:
                cursor.close()  # before another thread may take the connection (as above)
                db.execute("COMMIT")
        finally:
            with self._readers_lock:
                self._idle.append(db)

    def close(self) -> None:
        with self._lock, self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
            self._idle.clear()
            self._db.close()
