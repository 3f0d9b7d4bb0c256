"""The storage interface's queries, written once for every SQL engine: ``SqlTransaction`` runs
them on a DB-API cursor, with what differs between engines injected as a ``Dialect`` (the
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


def _ts(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _dt(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class SqlTransaction:
    """One transaction's reads and writes (the storage interface's ``Transaction``)."""

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

    def session_account(self, token_hash: str) -> tuple[Session, Account] | None:
        row = self._one(
            "SELECT s.token_hash, s.account, s.created_at, s.expires_at, s.revoked_at, a.*"
            " FROM sessions s JOIN accounts a ON a.id = s.account WHERE s.token_hash = ?",
            token_hash,
        )
        if row is None:
            return None
        session = Session(row[0], row[1], _at(row[2]), _at(row[3]), _dt(row[4]))
        account = self._account(row[5:])
        assert account is not None
        return session, account

    def revoke_session(self, token_hash: str, at: datetime) -> None:
        self._execute(
            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
            _ts(at),
            token_hash,
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
        # One round trip: the last record, and the key that signs from there.
        row = self._one(
            "SELECT seq, hash, signed_at, (SELECT key_id FROM device_keys WHERE device = ?"
            " ORDER BY seq DESC LIMIT 1) FROM records WHERE device = ? ORDER BY seq DESC LIMIT 1",
            device_id,
            device_id,
        )
        if row is None:
            return None
        return ChainHead(device_id, row[0], row[1], row[2], row[3])

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
        self._execute(
            "UPDATE contracts SET state = ?, accepted_at = ? WHERE id = ?",
            state.value,
            _ts(accepted_at),
            contract_id,
        )

    def add_limit_change(self, change: LimitChange) -> None:
        self._insert(
            "INSERT INTO limit_changes (contract, hours, effective_from, made_at)"
            " VALUES (?, ?, ?, ?)",
            change.contract,
            change.hours,
            _ts(change.effective_from),
            _ts(change.made_at),
        )

    def limit_changes(self, contract_id: str) -> list[LimitChange]:
        rows = self._all(
            "SELECT contract, hours, effective_from, made_at FROM limit_changes"
            " WHERE contract = ? ORDER BY made_at, rowid",
            contract_id,
        )
        return [LimitChange(r[0], r[1], _at(r[2]), _at(r[3])) for r in rows]

    # Records -----------------------------------------------------------------------------

    def add_records(self, records: Sequence[StoredRecord]) -> None:
        with self._refusable():
            self._cursor.executemany(
                self._dialect.query(
                    "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
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
        # Only a segment's own record rewrites its row (a new count after an amendment): a
        # record of another device that chose the same segment id is refused, never mixed in.
        self._execute(
            "INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
            " billable_seconds = excluded.billable_seconds"
            " WHERE segments.record = excluded.record",
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
        )
        if self._cursor.rowcount == 0:  # nothing written: the transaction goes on
            raise Conflict(f"segment {segment.id} is held for another record")

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
            'SELECT * FROM segments WHERE account = ? AND start < ? AND start > ? AND "end" > ?'
            ' AND "end" > start',
            account_id,
            _ts(end),
            (_ts(start) or 0) - SEGMENT_SECONDS,
            _ts(start),
        )
        return [self._segment(r) for r in rows]

    def contract_segments(self, contract_id: str, start: datetime, end: datetime) -> list[Segment]:
        rows = self._all(
            "SELECT * FROM segments WHERE contract = ? AND start >= ? AND start < ? "
            'ORDER BY start, "end", device, id',
            contract_id,
            _ts(start),
            _ts(end),
        )
        return [self._segment(r) for r in rows]

    def add_screenshot_names(self, account_id: str, segment_id: str, hashes: Sequence[str]) -> None:
        self._cursor.executemany(
            self._dialect.query(
                "INSERT INTO screenshot_names VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
            ),
            [(segment_id, account_id, sha) for sha in hashes],
        )

    def screenshot_names(self, segment_id: str) -> list[str]:
        rows = self._all("SELECT sha256 FROM screenshot_names WHERE segment = ?", segment_id)
        return [r[0] for r in rows]

    def names_screenshot(self, account_id: str | None, sha256: str) -> bool:
        """Whether a segment that was not deleted names the file (of the account, or of any
        account when ``account_id`` is None)."""
        query = (
            "SELECT 1 FROM screenshot_names n JOIN segments s ON s.id = n.segment"
            " WHERE n.sha256 = ? AND s.state != 'deleted'"
        )
        if account_id is None:
            return self._one(query + " LIMIT 1", sha256) is not None
        return self._one(query + " AND n.account = ? LIMIT 1", sha256, account_id) is not None

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
        self._execute(
            "INSERT INTO weeks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (contract, start) DO UPDATE SET state = excluded.state,"
            " billable_seconds = excluded.billable_seconds,"
            " amount_cents = excluded.amount_cents, held_cents = excluded.held_cents,"
            " released_cents = excluded.released_cents, locked_at = excluded.locked_at,"
            " decided_at = excluded.decided_at, released_at = excluded.released_at,"
            " refunded_cents = excluded.refunded_cents",
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
        self._execute(
            "INSERT INTO actions (account, contract, week, action, detail, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            action.account,
            action.contract,
            _ts(action.week),
            action.action,
            action.detail,
            _ts(action.at),
        )

    def actions(self, contract_id: str) -> list[Action]:
        rows = self._all(
            "SELECT account, contract, week, action, detail, at FROM actions"
            " WHERE contract = ? ORDER BY rowid",
            contract_id,
        )
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
        self._execute(
            "INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?)",
            account_id,
            contract_id,
            _ts(week),
            cents,
            kind,
            _ts(at),
        )

    def balance(self, account_id: str) -> dict[str, int]:
        rows = self._all(
            "SELECT kind, sum(cents) FROM payments WHERE account = ? GROUP BY kind", account_id
        )
        # int(): PostgreSQL sums BIGINT as NUMERIC.
        return {kind: int(total) for kind, total in rows}
