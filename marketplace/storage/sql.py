"""The storage interface's queries, written once for every SQL engine, run on a DB-API cursor, with what differs between engines injected as a ``Dialect`` (the
placeholder, the driver's integrity error, the types of the migrations, and the write locks).

Times are whole seconds since the epoch, UTC; text compares byte by byte on every engine.

Locks. A transaction names what it is about to decide on (``lock_freelancers``,
``lock_device``, ``lock_screenshots``) before it reads what it decides from; the dialect takes
one lock a name, held until the transaction ends (SQLite takes none: each of its transactions
holds the database's one write lock from its start). Two transactions can never wait for each
other: a transaction takes the names of one kind in one call, in one order (sorted), and the
kinds in one order (freelancers, then a device, then screenshots); a later call may repeat names
it holds, or name a later kind, and anything else is refused (``LockOrderError``), on every
engine, so a test on SQLite finds it too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from .base import Conflict


class Cursor(Protocol):
    """What the queries need of a DB-API cursor (sqlite3's, psycopg's)."""

    @property
    def rowcount(self) -> int: ...
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> object: ...
    def executemany(self, sql: str, params: Iterable[Sequence[Any]], /) -> object: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class Dialect:
    """What one engine does its own way."""

    name: str
    #: The driver's mark for a parameter in a query (the queries are written with "?").
    placeholder: str
    #: What the driver raises when a uniqueness (or other integrity) rule refuses a write.
    integrity_errors: tuple[type[Exception], ...]
    #: Take the write locks with these keys (sorted), each held until the transaction ends.
    take_locks: Callable[[Cursor, Sequence[int]], None]
    #: The engine's names for the types the migrations are written with (SQLite's).
    types: Mapping[str, str] = field(default_factory=dict)
    #: A column that numbers rows in the order they were written ("": SQLite's rowid).
    rowid_column: str = ""

    def query(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def lock_migrations(self, cursor: Cursor) -> None:
        self.take_locks(cursor, [lock_key("migrations", "")])


def lock_key(kind: str, name: str) -> int:
    """A lock's key, the same in every process: a signed 64-bit hash of its kind and name. Two
    names that hash alike only make their transactions wait for each other."""
    digest = hashlib.blake2b(f"{kind}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class LockOrderError(RuntimeError):
    """Locks asked for out of their order (a fault of ours: it could deadlock)."""


#: The kinds of lock, in the order a transaction may take them.
_KINDS = ("freelancer", "device", "screenshot")
_FREELANCER, _DEVICE, _SCREENSHOT = range(len(_KINDS))


def epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def moment_or_none(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class SqlQueries:
    """What every group of queries runs on: one transaction's cursor, its dialect, and the
    locks it holds. ``transaction.SqlTransaction`` gathers the groups into the storage
    interface's ``Transaction``."""

    def __init__(self, cursor: Cursor, dialect: Dialect, *, read_only: bool = False) -> None:
        self._cursor = cursor
        self._dialect = dialect
        self._read_only = read_only
        self._held: set[int] = set()
        self._last_kind = -1

    def _execute(self, sql: str, *args: Any) -> None:
        self._cursor.execute(self._dialect.query(sql), args)

    def _one(self, sql: str, *args: Any) -> Any:
        self._execute(sql, *args)
        return self._cursor.fetchone()

    def _all(self, sql: str, *args: Any) -> list[Any]:
        self._execute(sql, *args)
        return self._cursor.fetchall()

    def _insert(self, sql: str, *args: Any) -> None:
        with self._refusable():
            self._execute(sql, *args)

    @contextmanager
    def _refusable(self) -> Iterator[None]:
        """Writes that a uniqueness rule may refuse: all or none of them, and a refusal
        (Conflict) leaves the transaction going on. (A refused write fails a PostgreSQL
        transaction as a whole, and SQLite undoes only the refused row: a savepoint makes them
        alike.)"""
        self._cursor.execute("SAVEPOINT refusable")
        try:
            yield
        except self._dialect.integrity_errors as error:
            self._cursor.execute("ROLLBACK TO SAVEPOINT refusable")
            raise Conflict(str(error)) from None
        self._cursor.execute("RELEASE SAVEPOINT refusable")

    # Locks -------------------------------------------------------------------------------

    def _lock(self, kind: int, names: Iterable[str]) -> None:
        keys = sorted({lock_key(_KINDS[kind], name) for name in names} - self._held)
        if not keys:
            return
        if self._read_only:
            raise LockOrderError(
                f"A {_KINDS[kind]}'s lock asked for in a transaction that only reads: what it "
                "decides on is decided in a transaction that may write."
            )
        if kind <= self._last_kind:
            raise LockOrderError(
                f"A {_KINDS[kind]}'s lock asked for after a {_KINDS[self._last_kind]}'s: a "
                "transaction takes each kind once, freelancers, then a device, then screenshots."
            )
        self._dialect.take_locks(self._cursor, keys)
        self._held.update(keys)
        self._last_kind = kind

    def lock_freelancers(self, *account_ids: str) -> None:
        self._lock(_FREELANCER, account_ids)

    def lock_device(self, device_id: str) -> None:
        self._lock(_DEVICE, [device_id])

    def lock_screenshots(self, *sha256: str) -> None:
        self._lock(_SCREENSHOT, sha256)
