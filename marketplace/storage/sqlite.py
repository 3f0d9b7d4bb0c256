"""The storage interface on one SQLite file (WAL), the embedded default.

Every transaction starts with BEGIN IMMEDIATE, which takes SQLite's one write lock: two
batches of one device (from two threads, or two processes on the file) run one after the
other, and the second sees the head the first left, so a chain never forks. The primary key
(device, seq) of `records` would refuse a second record at a seq even so.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from diary.chain import ChainHead
from diary.times import SEGMENT_SECONDS

from ..models import (
    Account,
    Action,
    Comment,
    Contract,
    ContractState,
    Decision,
    Device,
    DeviceKey,
    Dispute,
    LimitChange,
    Role,
    Segment,
    Session,
    StoredRecord,
    Week,
    WeekState,
)
from .base import Conflict

SCHEMA = [
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
            effective_from INTEGER NOT NULL, made_at INTEGER NOT NULL);
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
            contract TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
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
            detail TEXT NOT NULL, at INTEGER NOT NULL);
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
]


def _ts(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _dt(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


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
        self._migrate()

    def _migrate(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER)"
                )
                done = {r[0] for r in self._db.execute("SELECT name FROM migrations")}
                for name, script in SCHEMA:
                    if name not in done:
                        for statement in script.split(";"):
                            if statement.strip():
                                self._db.execute(statement)
                        self._db.execute(
                            "INSERT INTO migrations VALUES (?, strftime('%s','now'))", (name,)
                        )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    @contextmanager
    def transaction(self) -> Iterator[SqliteTransaction]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


class SqliteTransaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def _one(self, sql: str, *args: Any) -> Any:
        return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, *args: Any) -> list[Any]:
        return self._db.execute(sql, args).fetchall()

    def _insert(self, sql: str, *args: Any) -> None:
        try:
            self._db.execute(sql, args)
        except sqlite3.IntegrityError as error:
            raise Conflict(str(error)) from None

    # Accounts and sessions ---------------------------------------------------------------

    def add_account(self, account: Account) -> None:
        self._insert(
            "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?)",
            account.id,
            account.email,
            account.name,
            account.role.value,
            account.password_hash,
            _ts(account.created_at),
        )

    def _account(self, row: Any) -> Account | None:
        if row is None:
            return None
        return Account(row[0], row[1], row[2], Role(row[3]), row[4], _at(row[5]))

    def account(self, account_id: str) -> Account | None:
        return self._account(self._one("SELECT * FROM accounts WHERE id = ?", account_id))

    def account_by_email(self, email: str) -> Account | None:
        return self._account(self._one("SELECT * FROM accounts WHERE email = ?", email))

    def add_session(self, session: Session) -> None:
        self._insert(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, NULL)",
            session.token_hash,
            session.account,
            _ts(session.created_at),
            _ts(session.expires_at),
        )

    def session(self, token_hash: str) -> Session | None:
        row = self._one("SELECT * FROM sessions WHERE token_hash = ?", token_hash)
        if row is None:
            return None
        return Session(row[0], row[1], _at(row[2]), _at(row[3]), _dt(row[4]))

    def revoke_session(self, token_hash: str, at: datetime) -> None:
        self._db.execute(
            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
            (_ts(at), token_hash),
        )

    # Devices -----------------------------------------------------------------------------

    def add_device(self, device: Device) -> None:
        self._insert(
            "INSERT INTO devices VALUES (?, ?, ?)",
            device.id,
            device.account,
            _ts(device.enrolled_at),
        )

    def device(self, device_id: str) -> Device | None:
        row = self._one("SELECT * FROM devices WHERE id = ?", device_id)
        return None if row is None else Device(row[0], row[1], _at(row[2]))

    def devices(self, account_id: str) -> list[Device]:
        rows = self._all("SELECT * FROM devices WHERE account = ? ORDER BY enrolled_at", account_id)
        return [Device(r[0], r[1], _at(r[2])) for r in rows]

    def add_key(self, key: DeviceKey) -> None:
        self._insert(
            "INSERT INTO device_keys VALUES (?, ?, ?, ?)",
            key.key_id,
            key.device,
            key.public_key,
            key.seq,
        )

    def keys(self, device_id: str) -> list[DeviceKey]:
        rows = self._all("SELECT * FROM device_keys WHERE device = ? ORDER BY seq", device_id)
        return [DeviceKey(r[0], r[1], bytes(r[2]), r[3]) for r in rows]

    def head(self, device_id: str) -> ChainHead | None:
        row = self._one(
            "SELECT seq, hash, signed_at FROM records WHERE device = ? ORDER BY seq DESC LIMIT 1",
            device_id,
        )
        if row is None:
            return None
        current = self._one(
            "SELECT key_id FROM device_keys WHERE device = ? ORDER BY seq DESC LIMIT 1", device_id
        )
        return ChainHead(device_id, row[0], row[1], row[2], current[0])

    # Contracts ---------------------------------------------------------------------------

    def add_contract(self, contract: Contract) -> None:
        self._insert(
            "INSERT INTO contracts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            contract.id,
            contract.client,
            contract.freelancer,
            contract.title,
            contract.rate_cents,
            int(contract.manual_time_allowed),
            contract.state.value,
            _ts(contract.created_at),
            _ts(contract.accepted_at),
        )

    def _contract(self, r: Any) -> Contract:
        return Contract(
            r[0], r[1], r[2], r[3], r[4], bool(r[5]), ContractState(r[6]), _at(r[7]), _dt(r[8])
        )

    def contract(self, contract_id: str) -> Contract | None:
        row = self._one("SELECT * FROM contracts WHERE id = ?", contract_id)
        return None if row is None else self._contract(row)

    def contracts(self, account_id: str) -> list[Contract]:
        rows = self._all(
            "SELECT * FROM contracts WHERE client = ? OR freelancer = ? ORDER BY created_at, id",
            account_id,
            account_id,
        )
        return [self._contract(r) for r in rows]

    def set_contract_state(
        self, contract_id: str, state: ContractState, accepted_at: datetime | None
    ) -> None:
        self._db.execute(
            "UPDATE contracts SET state = ?, accepted_at = ? WHERE id = ?",
            (state.value, _ts(accepted_at), contract_id),
        )

    def add_limit_change(self, change: LimitChange) -> None:
        self._insert(
            "INSERT INTO limit_changes VALUES (?, ?, ?, ?)",
            change.contract,
            change.hours,
            _ts(change.effective_from),
            _ts(change.made_at),
        )

    def limit_changes(self, contract_id: str) -> list[LimitChange]:
        rows = self._all(
            "SELECT * FROM limit_changes WHERE contract = ? ORDER BY made_at, rowid", contract_id
        )
        return [LimitChange(r[0], r[1], _at(r[2]), _at(r[3])) for r in rows]

    # Records -----------------------------------------------------------------------------

    def add_records(self, records: Sequence[StoredRecord]) -> None:
        try:
            self._db.executemany(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.device,
                        r.seq,
                        r.hash,
                        r.type,
                        r.contract,
                        r.segment,
                        r.signed_at,
                        r.key,
                        r.record,
                        r.signature,
                        r.details,
                        _ts(r.received_at),
                        r.receipt,
                        r.receipt_signature,
                    )
                    for r in records
                ],
            )
        except sqlite3.IntegrityError as error:
            raise Conflict(str(error)) from None

    _RECORD = (
        "SELECT hash, device, seq, type, contract, segment, signed_at, key, record, signature, "
        "details, received_at, receipt, receipt_signature FROM records "
    )

    def _record(self, r: Any) -> StoredRecord:
        return StoredRecord(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            bytes(r[8]),
            bytes(r[9]),
            None if r[10] is None else bytes(r[10]),
            _at(r[11]),
            bytes(r[12]),
            bytes(r[13]),
        )

    def record(self, record_hash: str) -> StoredRecord | None:
        row = self._one(self._RECORD + "WHERE hash = ?", record_hash)
        return None if row is None else self._record(row)

    def record_at(self, device_id: str, seq: int) -> StoredRecord | None:
        row = self._one(self._RECORD + "WHERE device = ? AND seq = ?", device_id, seq)
        return None if row is None else self._record(row)

    def chain(self, device_id: str, first_seq: int) -> list[StoredRecord]:
        rows = self._all(
            self._RECORD + "WHERE device = ? AND seq >= ? ORDER BY seq", device_id, first_seq
        )
        return [self._record(r) for r in rows]

    def key_records(self, device_id: str) -> list[StoredRecord]:
        rows = self._all(self._RECORD + "WHERE device = ? AND type = 'key' ORDER BY seq", device_id)
        return [self._record(r) for r in rows]

    def last_signed_before(self, device_id: str, moment: datetime) -> int | None:
        stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        row = self._one(
            "SELECT max(seq) FROM records WHERE device = ? AND signed_at < ?", device_id, stamp
        )
        return None if row is None else row[0]

    def segment_records(self, segment_id: str) -> list[StoredRecord]:
        rows = self._all(self._RECORD + "WHERE segment = ? ORDER BY device, seq", segment_id)
        return [self._record(r) for r in rows]

    def put_segment(self, segment: Segment) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                segment.id,
                segment.device,
                segment.account,
                segment.contract,
                _ts(segment.start),
                _ts(segment.end),
                segment.kind,
                segment.state,
                segment.billable_seconds,
                segment.record,
            ),
        )

    def _segment(self, r: Any) -> Segment:
        return Segment(r[0], r[1], r[2], r[3], _at(r[4]), _at(r[5]), r[6], r[7], r[8], r[9])

    def segment(self, segment_id: str) -> Segment | None:
        row = self._one("SELECT * FROM segments WHERE id = ?", segment_id)
        return None if row is None else self._segment(row)

    def segments_overlapping(
        self, account_id: str, start: datetime, end: datetime
    ) -> list[Segment]:
        # A segment lies inside one 10-minute slot, so one that overlaps [start, end) starts
        # less than 600 s before it: the bound lets the index skip the account's history.
        rows = self._all(
            "SELECT * FROM segments WHERE account = ? AND start < ? AND start > ? AND end > ?"
            " AND end > start",
            account_id,
            _ts(end),
            (_ts(start) or 0) - SEGMENT_SECONDS,
            _ts(start),
        )
        return [self._segment(r) for r in rows]

    def contract_segments(self, contract_id: str, start: datetime, end: datetime) -> list[Segment]:
        rows = self._all(
            "SELECT * FROM segments WHERE contract = ? AND start >= ? AND start < ? "
            "ORDER BY start, end, device, id",
            contract_id,
            _ts(start),
            _ts(end),
        )
        return [self._segment(r) for r in rows]

    def add_screenshot_names(self, account_id: str, segment_id: str, hashes: Sequence[str]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO screenshot_names VALUES (?, ?, ?)",
            [(segment_id, account_id, sha) for sha in hashes],
        )

    def screenshot_names(self, segment_id: str) -> list[str]:
        rows = self._all("SELECT sha256 FROM screenshot_names WHERE segment = ?", segment_id)
        return [r[0] for r in rows]

    def names_screenshot(self, account_id: str | None, sha256: str) -> bool:
        """Whether a segment that was not deleted names the file (of the account, or of any
        account when ``account_id`` is None)."""
        row = self._one(
            "SELECT 1 FROM screenshot_names n JOIN segments s ON s.id = n.segment"
            " WHERE n.sha256 = ? AND (? IS NULL OR n.account = ?) AND s.state != 'deleted'"
            " LIMIT 1",
            sha256,
            account_id,
            account_id,
        )
        return row is not None

    # Billing weeks -----------------------------------------------------------------------

    def _week(self, r: Any) -> Week:
        return Week(
            r[0],
            _at(r[1]),
            WeekState(r[2]),
            r[3],
            r[4],
            r[5],
            r[6],
            _at(r[7]),
            _dt(r[8]),
            _dt(r[9]),
            r[10],
        )

    def week(self, contract_id: str, start: datetime) -> Week | None:
        row = self._one(
            "SELECT * FROM weeks WHERE contract = ? AND start = ?", contract_id, _ts(start)
        )
        return None if row is None else self._week(row)

    def put_week(self, week: Week) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO weeks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                week.contract,
                _ts(week.start),
                week.state.value,
                week.billable_seconds,
                week.amount_cents,
                week.held_cents,
                week.released_cents,
                _ts(week.locked_at),
                _ts(week.decided_at),
                _ts(week.released_at),
                week.refunded_cents,
            ),
        )

    def weeks(self, contract_id: str) -> list[Week]:
        rows = self._all("SELECT * FROM weeks WHERE contract = ? ORDER BY start", contract_id)
        return [self._week(r) for r in rows]

    def add_dispute(self, dispute: Dispute) -> None:
        self._insert(
            "INSERT INTO disputes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            dispute.id,
            dispute.contract,
            _ts(dispute.week),
            ",".join(dispute.segments),
            dispute.reason,
            dispute.seconds,
            dispute.amount_cents,
            dispute.created_by,
            _ts(dispute.created_at),
        )

    def disputes(self, contract_id: str, start: datetime) -> list[Dispute]:
        rows = self._all(
            "SELECT * FROM disputes WHERE contract = ? AND week = ? ORDER BY created_at, id",
            contract_id,
            _ts(start),
        )
        return [self._dispute(r) for r in rows]

    def _dispute(self, r: Any) -> Dispute:
        return Dispute(
            r[0], r[1], _at(r[2]), tuple(r[3].split(",")), r[4], r[5], r[6], r[7], _at(r[8])
        )

    def add_action(self, action: Action) -> None:
        self._db.execute(
            "INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?)",
            (
                action.account,
                action.contract,
                _ts(action.week),
                action.action,
                action.detail,
                _ts(action.at),
            ),
        )

    def actions(self, contract_id: str) -> list[Action]:
        rows = self._all("SELECT * FROM actions WHERE contract = ? ORDER BY rowid", contract_id)
        return [Action(r[0], r[1], _dt(r[2]), r[3], r[4], _at(r[5])) for r in rows]

    def dispute(self, dispute_id: str) -> Dispute | None:
        row = self._one("SELECT * FROM disputes WHERE id = ?", dispute_id)
        return None if row is None else self._dispute(row)

    def open_disputes(self) -> list[Dispute]:
        rows = self._all(
            "SELECT * FROM disputes d WHERE (SELECT count(*) FROM decisions WHERE dispute = d.id)"
            " < length(d.segments) - length(replace(d.segments, ',', '')) + 1"
            " ORDER BY created_at, id"
        )
        return [self._dispute(r) for r in rows]

    def add_decision(self, decision: Decision) -> None:
        self._insert(
            "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            decision.dispute,
            decision.segment,
            decision.decision,
            decision.reason,
            decision.seconds,
            decision.cents,
            decision.decided_by,
            _ts(decision.decided_at),
        )

    def decisions(self, dispute_id: str) -> list[Decision]:
        rows = self._all(
            "SELECT * FROM decisions WHERE dispute = ? ORDER BY decided_at, segment", dispute_id
        )
        return [Decision(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _at(r[7])) for r in rows]

    def add_comment(self, comment: Comment) -> None:
        self._insert(
            "INSERT INTO comments VALUES (?, ?, ?, ?)",
            comment.dispute,
            comment.account,
            comment.text,
            _ts(comment.at),
        )

    def comments(self, dispute_id: str) -> list[Comment]:
        rows = self._all("SELECT * FROM comments WHERE dispute = ? ORDER BY at", dispute_id)
        return [Comment(r[0], r[1], r[2], _at(r[3])) for r in rows]

    def add_payment(
        self, account_id: str, contract_id: str, week: datetime, cents: int, kind: str, at: datetime
    ) -> None:
        self._db.execute(
            "INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?)",
            (account_id, contract_id, _ts(week), cents, kind, _ts(at)),
        )

    def balance(self, account_id: str) -> dict[str, int]:
        rows = self._all(
            "SELECT kind, sum(cents) FROM payments WHERE account = ? GROUP BY kind", account_id
        )
        return {kind: total for kind, total in rows}
