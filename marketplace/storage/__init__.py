"""Where the marketplace keeps its data: one interface (``Storage``), one implementation per
engine, chosen at start-up (``open_storage``): the data dir's SQLite file (``sqlite.py``), or a
PostgreSQL database (``postgres.py``); their queries and migrations are written once
(``sql*.py``, ``transaction.py``, ``schema.py``). Nothing outside the implementations knows
which one runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import DataDirUnusable
from .address import DatabaseAddress
from .base import Conflict, Storage, Transaction
from .sqlite import SqliteStorage

__all__ = ["Conflict", "Storage", "Transaction", "open_storage"]


def open_storage(address: DatabaseAddress | None, file: Path, share: int = 1) -> Storage:
    """The PostgreSQL database at ``address`` (DatabaseUnusable says what is wrong), or the
    SQLite ``file`` when there is none (DataDirUnusable). ``share``: how many processes of one
    server divide its connections to PostgreSQL between them."""
    if address is None:
        try:
            return SqliteStorage(file)
        except sqlite3.Error as error:
            raise DataDirUnusable(
                f"The marketplace's database {file} cannot be opened or written ({error})."
            ) from error
    # psycopg (some 10 MB) only for a server whose database is PostgreSQL.
    from .postgres import PostgresStorage

    return PostgresStorage.open(address, PostgresStorage.pool_share(share))
