"""The storage interface on PostgreSQL (psycopg 3 and a connection pool), for a marketplace
whose server processes (on one machine or many) share one database.

Every transaction runs at READ COMMITTED, set on each connection (whatever the database's
default): each statement sees what was committed before it began. That is what makes a lock
taken in the middle of a transaction enough: what it reads after the lock includes everything
that the lock's previous holder wrote. (At REPEATABLE READ the transaction's first statement
would fix what it sees, before the lock.)

The locks are advisory locks held until the transaction ends (``pg_advisory_xact_lock``), on
a 64-bit hash of a kind and a name (``sql.lock_key``), named by the code that decides:

- a freelancer's lock (their account id), taken by a batch of records (ingest.upload) before it
  reads the device's chain head, and by every clock transition of a week (weeks.settle_week),
  approval, dispute, decision and read of a contract's weeks (routes/contracts.py) before it
  reads the week. A device's records, its freelancer's overlapping segments and the weeks of
  their contracts are all the freelancer's: a device belongs to one account, and a contract to
  one freelancer. A lock per device would let two devices of one freelancer add segments over
  the same minutes (the overlap check reads the other devices' segments); a lock per contract
  would let a batch add a segment to a week while another server locks it and fixes its amount
  without it. The freelancer is the narrowest name that covers all three; different freelancers
  never wait for each other.
- a device's lock while it enrolls: two accounts may claim a new device at once.
- a screenshot's lock (its SHA-256) while a batch names it, while a server stores it, and while
  a server decides that no segment names it any more and deletes the file.

What the locks make orderly, the constraints also guarantee on their own: the primary key
(device, seq) of `records` makes a fork impossible, its unique `hash` a record accepted twice,
and the primary key (contract, start) of `weeks` a week locked twice. Without the lock the
second server would fail (a 500) where it should answer with the receipts of what the first
accepted; with it, it waits for the first to commit, then finds the records held.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import cast

import psycopg
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool, PoolTimeout

from ..errors import DatabaseUnusable
from .address import DatabaseAddress
from .schema import MIGRATIONS, migrate
from .sql import Cursor, Dialect
from .transaction import SqlTransaction

#: Connections a server process keeps open at most: one a request in a transaction. Four
#: processes leave room on PostgreSQL's default of 100 connections.
POOL_SIZE = 20
#: How long opening waits for the server to answer.
CONNECT_TIMEOUT = 10
#: How long a request waits for a connection of the pool: all busy that long means the
#: database is gone or overwhelmed, and the request is answered 503 (try again later).
POOL_WAIT = 10


def _advisory_locks(cursor: Cursor, keys: Sequence[int]) -> None:
    if len(keys) == 1:  # the usual case: a plain query, which psycopg sends with no pipeline
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", keys)
        return
    # One round trip for all (psycopg pipelines executemany); the server takes them in order.
    cursor.executemany("SELECT pg_advisory_xact_lock(%s)", [(key,) for key in keys])


POSTGRES = Dialect(
    name="PostgreSQL",
    placeholder="%s",
    integrity_errors=(psycopg.IntegrityError,),
    take_locks=_advisory_locks,
    types={"INTEGER": "BIGINT", "BLOB": "BYTEA", "TEXT": 'TEXT COLLATE "C"'},
    rowid_column=", rowid BIGINT GENERATED ALWAYS AS IDENTITY",
)


def _configure(connection: psycopg.Connection) -> None:
    connection.isolation_level = psycopg.IsolationLevel.READ_COMMITTED


class PostgresStorage:
    """A pool of connections to one database, each transaction on one connection."""

    def __init__(self, address: DatabaseAddress, pool: ConnectionPool) -> None:
        self.address = address
        self._pool = pool

    @staticmethod
    def pool_share(processes: int) -> int:
        """Each process's connections when ``processes`` serve together: one server holds
        POOL_SIZE in all, however many workers it runs (PostgreSQL's default limit is 100),
        and each worker at least 4."""
        return max(4, POOL_SIZE // processes)

    @classmethod
    def open(cls, address: DatabaseAddress, pool_size: int = POOL_SIZE) -> PostgresStorage:
        """The database at ``address``, its migrations run; DatabaseUnusable says what is
        wrong (never with the address's password)."""
        try:
            with psycopg.connect(address.url, connect_timeout=CONNECT_TIMEOUT) as connection:
                _configure(connection)
                with connection.cursor() as cursor:
                    migrate(cast(Cursor, cursor), POSTGRES, int(time.time()))
        except psycopg.Error as error:
            raise DatabaseUnusable(_reason(address, error)) from None
        pool = ConnectionPool(
            address.url,
            # All opened at start-up: a connection opened under load (PostgreSQL starts a
            # process for each) made the requests that waited for it slow.
            min_size=pool_size,
            max_size=pool_size,
            kwargs={"connect_timeout": CONNECT_TIMEOUT},
            timeout=POOL_WAIT,
            configure=_configure,
            # A connection the server dropped (a restart, an idle timeout) is replaced before
            # a request gets it, not failed in the request.
            check=ConnectionPool.check_connection,
            name="marketplace",
            open=True,
        )
        return cls(address, pool)

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        # The pool's connection commits when the block ends normally and rolls back otherwise.
        with (
            self._reachable(),
            self._pool.connection() as connection,
            connection.cursor() as cursor,
        ):
            yield SqlTransaction(cast(Cursor, cursor), POSTGRES)
            if connection.info.transaction_status is TransactionStatus.INERROR:
                # A failed statement whose error was caught: PostgreSQL would turn the commit
                # into a rollback without a word.
                raise RuntimeError("A statement of the transaction failed: nothing was kept.")

    @contextmanager
    def reading(self) -> Iterator[SqlTransaction]:
        # Autocommit: no BEGIN and no COMMIT, each statement on its own (two round trips
        # fewer), and no advisory lock (SqlTransaction refuses one).
        with self._reachable(), self._pool.connection() as connection:
            connection.autocommit = True
            try:
                with connection.cursor() as cursor:
                    yield SqlTransaction(cast(Cursor, cursor), POSTGRES, read_only=True)
            finally:
                # Back to transactions before the pool hands it out again; a connection that
                # broke meanwhile is not idle, and the pool replaces it.
                if connection.info.transaction_status is TransactionStatus.IDLE:
                    connection.autocommit = False

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """DatabaseUnusable (a 503 to the API) when the database is lost on the way: its
        server stopped or restarts, or no connection came within POOL_WAIT. A transaction whose
        connection broke was not committed, so nothing of it was kept."""
        try:
            yield
        except PoolTimeout:
            raise DatabaseUnusable(
                f"The database {self.address.where} gave no connection within {POOL_WAIT} s: "
                "its server does not answer, or every connection is busy."
            ) from None
        except psycopg.OperationalError as error:
            raise DatabaseUnusable(_reason(self.address, error)) from None

    def close(self) -> None:
        self._pool.close()


def _reason(address: DatabaseAddress, error: psycopg.Error) -> str:
    lines = [" ".join(line.split()) for line in str(error).splitlines()]
    said = "; ".join(line for line in lines if line) or type(error).__name__
    if isinstance(error, psycopg.errors.DuplicateTable | psycopg.errors.UndefinedColumn):
        said = (
            f"{said}; the database holds tables the marketplace did not make: give it a "
            f"database of its own (its migrations are {', '.join(n for n, _ in MIGRATIONS)})"
        )
    end = "" if said.endswith((".", "?", "!")) else "."
    return address.redact(f"The database {address.where} cannot be used: {said}{end}")
