"""The marketplace's tables, for every engine, from one list of named migrations.

The migrations are written in SQLite's words. An engine's dialect (``sql.Dialect``) names its
own types for the three that differ (PostgreSQL: BIGINT for INTEGER, since epoch seconds and
cents pass 32 bits; BYTEA for BLOB; TEXT compared byte by byte, as SQLite compares it, whatever
the database's locale) and the column that numbers rows in the order they were written
(SQLite's rowid is implicit). Each migration runs once, in the transaction that records its name
in `migrations`; the transaction holds the engine's migration lock, so that two servers starting
together on one database never both run one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .sql import Cursor, Dialect

#: (name, script): in order, never edited once released; a change is a new migration.
MIGRATIONS: Sequence[tuple[str, str]] = (
    (
        "0001_marketplace",
        """
        CREATE TABLE accounts (
            id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
            role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id),
            created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER);
        CREATE TABLE devices (
            id TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id),
            enrolled_at INTEGER NOT NULL);
        CREATE TABLE device_keys (
            key_id TEXT PRIMARY KEY, device TEXT NOT NULL REFERENCES devices(id),
            public_key BLOB NOT NULL, seq INTEGER NOT NULL);
        CREATE TABLE contracts (
            id TEXT PRIMARY KEY, client TEXT NOT NULL REFERENCES accounts(id),
            freelancer TEXT NOT NULL REFERENCES accounts(id), title TEXT NOT NULL,
            rate_cents INTEGER NOT NULL, manual_time_allowed INTEGER NOT NULL,
            state TEXT NOT NULL, created_at INTEGER NOT NULL, accepted_at INTEGER);
        CREATE TABLE limit_changes (
            contract TEXT NOT NULL REFERENCES contracts(id), hours INTEGER,
            effective_from INTEGER NOT NULL, made_at INTEGER NOT NULL{rowid});
        CREATE TABLE records (
            device TEXT NOT NULL REFERENCES devices(id), seq INTEGER NOT NULL,
            hash TEXT NOT NULL UNIQUE, type TEXT NOT NULL, contract TEXT, segment TEXT,
            signed_at TEXT NOT NULL, key TEXT NOT NULL, record BLOB NOT NULL,
            signature BLOB NOT NULL, details BLOB, received_at INTEGER NOT NULL,
            receipt BLOB NOT NULL, receipt_signature BLOB NOT NULL,
            PRIMARY KEY (device, seq));
        CREATE INDEX records_segment ON records(segment);
        CREATE TABLE segments (
            id TEXT PRIMARY KEY, device TEXT NOT NULL, account TEXT NOT NULL,
            contract TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            kind TEXT NOT NULL, state TEXT NOT NULL, billable_seconds INTEGER NOT NULL,
            record TEXT NOT NULL);
        CREATE INDEX segments_account ON segments(account, start);
        CREATE INDEX segments_contract ON segments(contract, start);
        CREATE TABLE screenshot_names (
            segment TEXT NOT NULL, account TEXT NOT NULL, sha256 TEXT NOT NULL,
            PRIMARY KEY (segment, sha256));
        CREATE INDEX screenshot_names_sha256 ON screenshot_names(sha256);
        CREATE TABLE weeks (
            contract TEXT NOT NULL REFERENCES contracts(id), start INTEGER NOT NULL,
            state TEXT NOT NULL, billable_seconds INTEGER NOT NULL,
            amount_cents INTEGER NOT NULL, held_cents INTEGER NOT NULL,
            released_cents INTEGER NOT NULL, locked_at INTEGER NOT NULL,
            decided_at INTEGER, released_at INTEGER, PRIMARY KEY (contract, start));
        CREATE TABLE disputes (
            id TEXT PRIMARY KEY, contract TEXT NOT NULL, week INTEGER NOT NULL,
            segments TEXT NOT NULL, reason TEXT NOT NULL, seconds INTEGER NOT NULL,
            amount_cents INTEGER NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE actions (
            account TEXT, contract TEXT NOT NULL, week INTEGER, action TEXT NOT NULL,
            detail TEXT NOT NULL, at INTEGER NOT NULL{rowid});
        CREATE TABLE payments (
            account TEXT NOT NULL, contract TEXT NOT NULL, week INTEGER NOT NULL,
            cents INTEGER NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL);
        """,
    ),
    (
        "0002_mediation",
        """
        ALTER TABLE weeks ADD COLUMN refunded_cents INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE decisions (
            dispute TEXT NOT NULL REFERENCES disputes(id), segment TEXT NOT NULL,
            decision TEXT NOT NULL, reason TEXT NOT NULL, seconds INTEGER NOT NULL,
            cents INTEGER NOT NULL, decided_by TEXT NOT NULL, decided_at INTEGER NOT NULL,
            PRIMARY KEY (dispute, segment));
        CREATE TABLE comments (
            dispute TEXT NOT NULL REFERENCES disputes(id), account TEXT NOT NULL,
            text TEXT NOT NULL, at INTEGER NOT NULL);
        """,
    ),
    (
        "0003_unused_screenshots",
        """
        CREATE TABLE unused_screenshots (sha256 TEXT PRIMARY KEY, since INTEGER NOT NULL);
        """,
    ),
    (
        "0004_sign_in_failures",
        """
        CREATE TABLE sign_in_failures (email TEXT NOT NULL, at INTEGER NOT NULL);
        CREATE INDEX sign_in_failures_email ON sign_in_failures (email, at);
        CREATE INDEX sign_in_failures_at ON sign_in_failures (at);
        """,
    ),
)

_TABLE = "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER)"
_TYPES = re.compile(r"\b(INTEGER|BLOB|TEXT)\b")


def ddl(script: str, dialect: Dialect) -> list[str]:
    """The statements of ``script`` in the engine's words."""
    mapped = _TYPES.sub(lambda m: dialect.types.get(m[1], m[1]), script)
    mapped = mapped.replace("{rowid}", dialect.rowid_column)
    return [statement.strip() for statement in mapped.split(";") if statement.strip()]


def migrate(cursor: Cursor, dialect: Dialect, now: int) -> list[str]:
    """Run, in the caller's transaction, the migrations this database has not run yet, each
    recorded in `migrations` with ``now`` (epoch seconds); the names of those it ran."""
    dialect.lock_migrations(cursor)
    for statement in ddl(_TABLE, dialect):
        cursor.execute(statement)
    cursor.execute("SELECT name FROM migrations")
    done = {row[0] for row in cursor.fetchall()}
    ran = []
    for name, script in MIGRATIONS:
        if name in done:
            continue
        for statement in ddl(script, dialect):
            cursor.execute(statement)
        cursor.execute(dialect.query("INSERT INTO migrations VALUES (?, ?)"), (name, now))
        ran.append(name)
    return ran
