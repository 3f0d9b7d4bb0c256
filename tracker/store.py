"""The local SQLite store (WAL): contracts, segments, minutes, screenshots, amendments, idle periods."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from diary.records import AmendmentKind, MinuteActivity, SegmentKind

from .clock import Clock
from .database_checks import check_database, database_problem, unreadable
from .errors import EnvironmentProblem, InvalidInput, is_disk_full
from .migrations import MIGRATIONS
from .records import Amendment, Contract, IdlePeriod, Screenshot, Segment
from .timeline import from_epoch, to_epoch
from .views import SegmentView, view_segment

DATABASE_FILE = "workdiary.db"


def _maybe(value: int | None) -> datetime | None:
    return None if value is None else from_epoch(value)


def _epoch(value: datetime | None) -> int | None:
    return None if value is None else to_epoch(value)


class Database:
    """The little the store needs from a connection: statements, and rows as dicts.

    (sqlite-utils offers this and much more, but importing it costs about 14 MB of memory
    in a process that runs all day; see docs/performance.md.)
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.conn = connection
        connection.row_factory = sqlite3.Row

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        for row in self.conn.execute(sql, params):
            yield dict(row)


class Store:
    """All reads and writes of the database. Writes group in ``atomic()`` transactions."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        check_database(path)
        try:
            connection = sqlite3.connect(path, isolation_level=None, timeout=10)
            self.db = Database(connection)
            self._depth = 0
            self.db.execute("PRAGMA busy_timeout = 10000")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as error:
            raise unreadable(path, error) from error
        self.migrate(MIGRATIONS)

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction; nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise _write_problem(self.path, error) from error
        self._depth = 1
        try:
            yield
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as error:
            self._rollback()
            raise _write_problem(self.path, error) from error
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0

    def _rollback(self) -> None:
        if self.db.conn.in_transaction:
            self.db.execute("ROLLBACK")

    def migrate(self, migrations: Sequence[tuple[str, str]]) -> None:
        """Apply the named migrations not applied yet (other packages add tables this way)."""
        with self.atomic():
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)"
            )
            applied = {row["name"] for row in self.db.query("SELECT name FROM migrations")}
            for name, script in migrations:
                if name in applied:
                    continue
                for statement in _statements(script):
                    self.db.execute(statement)
                self.db.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                    [name, to_epoch(self._clock.now())],
                )

    def applied_migrations(self) -> list[str]:
        return [row["name"] for row in self.db.query("SELECT name FROM migrations ORDER BY name")]

    # Contracts ---------------------------------------------------------------------------

    def add_contract(
        self,
        title: str,
        client: str,
        rate_cents: int,
        weekly_limit_minutes: int,
        manual_allowed: bool,
    ) -> Contract:
        with self.atomic():
            cursor = self.db.execute(
                "INSERT INTO contracts (title, client, rate_cents, weekly_limit_minutes,"
                " manual_allowed, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    title,
                    client,
                    rate_cents,
                    weekly_limit_minutes,
                    int(manual_allowed),
                    to_epoch(self._clock.now()),
                ],
            )
        return self.contract(int(cursor.lastrowid or 0))

    def contract(self, contract_id: int) -> Contract:
        rows = list(self.db.query("SELECT * FROM contracts WHERE id = ?", [contract_id]))
        if not rows:
            raise InvalidInput(f"There is no contract {contract_id}.", code="unknown-contract")
        return _contract(rows[0])

    def contracts(self, archived: bool = True) -> list[Contract]:
        """Every contract (time recorded for an archived one still counts), or with
        ``archived=False`` only those to pick from."""
        where = "" if archived else " WHERE archived_at IS NULL"
        return [
            _contract(row) for row in self.db.query(f"SELECT * FROM contracts{where} ORDER BY id")
        ]

    def update_contract(
        self,
        contract_id: int,
        title: str,
        client: str,
        rate_cents: int,
        weekly_limit_minutes: int,
        manual_allowed: bool,
    ) -> Contract:
        self.contract(contract_id)  # refuses an unknown id
        with self.atomic():
            self.db.execute(
                "UPDATE contracts SET title = ?, client = ?, rate_cents = ?,"
                " weekly_limit_minutes = ?, manual_allowed = ? WHERE id = ?",
                [title, client, rate_cents, weekly_limit_minutes, int(manual_allowed), contract_id],
            )
        return self.contract(contract_id)

    def set_archived(self, contract_id: int, archived: bool) -> Contract:
        self.contract(contract_id)
        with self.atomic():
            self.db.execute(
                "UPDATE contracts SET archived_at = ? WHERE id = ?",
                [to_epoch(self._clock.now()) if archived else None, contract_id],
            )
        return self.contract(contract_id)

    def link_marketplace(self, contract_id: int, marketplace_id: str) -> Contract:
        """Record that the contract is the marketplace's contract ``marketplace_id``: segments
        signed from now on name that id (changes to a segment name what its record names)."""
        self.contract(contract_id)
        with self.atomic():
            self.db.execute(
                "UPDATE contracts SET marketplace_id = ? WHERE id = ?",
                [marketplace_id, contract_id],
            )
        return self.contract(contract_id)

    def data_version(self) -> int:
        """A number that changes when another connection (the engine's thread, a command in a
        terminal) commits to the database: SQLite's data_version, for views that follow it."""
        try:
            return int(self.db.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as error:
            raise unreadable(self.path, error) from error

    def recent_memos(self, contract_id: int, limit: int = 8) -> list[str]:
        """The contract's last few memos, newest first, each once."""
        return [
            row["memo"]
            for row in self.db.query(
                "SELECT memo, MAX(start_at) AS latest FROM segments WHERE contract_id = ?"
                " AND memo != '' GROUP BY memo ORDER BY latest DESC LIMIT ?",
                [contract_id, limit],
            )
        ]

    # Segments ----------------------------------------------------------------------------

    def open_segment(self, segment: Segment) -> None:
        with self.atomic():
            self.db.execute(
                "INSERT INTO segments (id, contract_id, kind, start_at, end_at, memo, created_at,"
                " closed_at, close_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    segment.id,
                    segment.contract_id,
                    segment.kind.value,
                    to_epoch(segment.start),
                    _epoch(segment.end),
                    segment.memo,
                    to_epoch(segment.created_at),
                    _epoch(segment.closed_at),
                    segment.close_reason,
                ],
            )

    def close_segment(self, segment_id: str, end: datetime, reason: str) -> None:
        with self.atomic():
            self.db.execute(
                "UPDATE segments SET end_at = ?, closed_at = ?, close_reason = ? WHERE id = ?",
                [to_epoch(end), to_epoch(self._clock.now()), reason, segment_id],
            )

    def set_open_memo(self, segment_id: str, memo: str) -> None:
        """Only an open segment's memo changes in place; a closed one takes a memo amendment."""
        with self.atomic():
            self.db.execute(
                "UPDATE segments SET memo = ? WHERE id = ? AND closed_at IS NULL",
                [memo, segment_id],
            )

    def add_minute(self, segment_id: str, minute: MinuteActivity) -> None:
        with self.atomic():
            self.db.execute(
                "INSERT INTO minutes (segment_id, start_at, keys, clicks, scrolls, moves, injected,"
                " unavailable) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    segment_id,
                    to_epoch(minute.start),
                    minute.keys,
                    minute.clicks,
                    minute.scrolls,
                    minute.moves,
                    minute.injected,
                    minute.unavailable,
                ],
            )

    def add_screenshot(self, shot: Screenshot) -> Screenshot:
        with self.atomic():
            cursor = self.db.execute(
                "INSERT INTO screenshots (segment_id, taken_at, sha256, path, thumb_path, width,"
                " height, monitors, size_bytes, blurred, missing_reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    shot.segment_id,
                    to_epoch(shot.taken_at),
                    shot.sha256,
                    shot.path,
                    shot.thumb_path,
                    shot.width,
                    shot.height,
                    shot.monitors,
                    shot.size_bytes,
                    int(shot.blurred),
                    shot.missing_reason,
                ],
            )
        return Screenshot(**{**shot.__dict__, "id": int(cursor.lastrowid or 0)})

    def add_amendment(
        self,
        segment_id: str,
        kind: AmendmentKind,
        *,
        memo: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        reason: str | None = None,
        screenshot_sha256: str | None = None,
    ) -> None:
        with self.atomic():
            self.db.execute(
                "INSERT INTO amendments (segment_id, made_at, kind, memo, start_at, end_at, reason,"
                " screenshot_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    segment_id,
                    to_epoch(self._clock.now()),
                    kind.value,
                    memo,
                    _epoch(start),
                    _epoch(end),
                    reason,
                    screenshot_sha256,
                ],
            )

    def open_segments(self) -> list[Segment]:
        return [
            _segment(r) for r in self.db.query("SELECT * FROM segments WHERE closed_at IS NULL")
        ]

    def segments_between(
        self, start: datetime, end: datetime, contract_id: int | None = None
    ) -> list[Segment]:
        # A segment lies inside one 10-minute slot, and days and weeks are made of whole
        # slots, so a segment belongs to the range that holds its start.
        sql = "SELECT * FROM segments WHERE start_at >= ? AND start_at < ?"
        args: list[Any] = [to_epoch(start), to_epoch(end)]
        if contract_id is not None:
            sql += " AND contract_id = ?"
            args.append(contract_id)
        return [_segment(r) for r in self.db.query(sql + " ORDER BY start_at, created_at", args)]

    def segments_by_id(self, ids: Sequence[str]) -> list[Segment]:
        """The segments with these ids, in the order given."""
        found = {row["id"]: _segment(row) for row in self.rows_in("segments", "id", ids)}
        return [found[i] for i in ids if i in found]

    def amendments_by_id(self, ids: Sequence[int]) -> list[Amendment]:
        """The amendments with these ids, in the order given."""
        found = {row["id"]: _amendment(row) for row in self.rows_in("amendments", "id", ids)}
        return [found[i] for i in ids if i in found]

    def screenshots_by_id(self, ids: Sequence[int]) -> list[Screenshot]:
        found = {row["id"]: _screenshot(row) for row in self.rows_in("screenshots", "id", ids)}
        return [found[i] for i in ids if i in found]

    def screenshots_with_hash(self, sha256: str) -> list[Screenshot]:
        """Every screenshot row with this file (identical screens give identical files)."""
        return [_screenshot(row) for row in self.rows_in("screenshots", "sha256", [sha256])]

    def last_segment_end(self) -> datetime | None:
        """The latest moment any segment reaches: new time must never start before it."""
        rows = list(self.db.query("SELECT MAX(COALESCE(end_at, start_at)) AS last FROM segments"))
        return _maybe(rows[0]["last"])

    def minutes(self, segment_ids: Iterable[str]) -> dict[str, list[MinuteActivity]]:
        found: dict[str, list[MinuteActivity]] = {}
        for row in self._rows_for("minutes", segment_ids, "start_at"):
            found.setdefault(row["segment_id"], []).append(_minute(row))
        return found

    def screenshots(self, segment_ids: Iterable[str]) -> dict[str, list[Screenshot]]:
        found: dict[str, list[Screenshot]] = {}
        for row in self._rows_for("screenshots", segment_ids, "taken_at, id"):
            found.setdefault(row["segment_id"], []).append(_screenshot(row))
        return found

    def amendments(self, segment_ids: Iterable[str]) -> dict[str, list[Amendment]]:
        found: dict[str, list[Amendment]] = {}
        for row in self._rows_for("amendments", segment_ids, "made_at, id"):
            found.setdefault(row["segment_id"], []).append(_amendment(row))
        return found

    def _rows_for(self, table: str, segment_ids: Iterable[str], order: str) -> list[dict[str, Any]]:
        return self.rows_in(table, "segment_id", list(segment_ids), order)

    def rows_in(
        self, table: str, column: str, values: Sequence[Any], order: str = "rowid"
    ) -> list[dict[str, Any]]:
        """Rows whose ``column`` is one of ``values``, queried in chunks SQLite accepts."""
        rows: list[dict[str, Any]] = []
        for i in range(0, len(values), 500):
            chunk = list(values[i : i + 500])
            marks = ",".join("?" * len(chunk))
            rows.extend(
                self.db.query(
                    f"SELECT * FROM {table} WHERE {column} IN ({marks}) ORDER BY {order}", chunk
                )
            )
        return rows

    def views(self, segments: list[Segment], with_minutes: bool = True) -> list[SegmentView]:
        """Segments with their minutes, screenshots and amendments folded in.

        Billable time needs only the amendments; ``with_minutes=False`` skips the rest.
        """
        ids = [s.id for s in segments]
        amendments = self.amendments(ids)
        minutes = self.minutes(ids) if with_minutes else {}
        shots = self.screenshots(ids) if with_minutes else {}
        return [
            view_segment(s, minutes.get(s.id, ()), shots.get(s.id, ()), amendments.get(s.id, ()))
            for s in segments
        ]

    # Idle periods ------------------------------------------------------------------------

    def add_idle_period(self, contract_id: int, start: datetime) -> int:
        with self.atomic():
            cursor = self.db.execute(
                "INSERT INTO idle_periods (contract_id, start_at, detected_at) VALUES (?, ?, ?)",
                [contract_id, to_epoch(start), to_epoch(self._clock.now())],
            )
        return int(cursor.lastrowid or 0)

    def end_idle_period(self, period_id: int, end: datetime) -> None:
        """Record where a pending idle period ends while the user has not yet decided."""
        with self.atomic():
            self.db.execute(
                "UPDATE idle_periods SET end_at = ? WHERE id = ?", [to_epoch(end), period_id]
            )

    def resolve_idle_period(self, period_id: int, end: datetime, resolution: str) -> None:
        with self.atomic():
            self.db.execute(
                "UPDATE idle_periods SET end_at = ?, resolution = ?, resolved_at = ? WHERE id = ?",
                [to_epoch(end), resolution, to_epoch(self._clock.now()), period_id],
            )

    def pending_idle_periods(self) -> list[IdlePeriod]:
        return [
            _idle(row)
            for row in self.db.query(
                "SELECT * FROM idle_periods WHERE resolution IS NULL ORDER BY id"
            )
        ]

    def idle_periods(self) -> list[IdlePeriod]:
        return [_idle(row) for row in self.db.query("SELECT * FROM idle_periods ORDER BY id")]


def _write_problem(path: Path, error: sqlite3.OperationalError) -> EnvironmentProblem:
    """Disk full, read-only or locked, or a damaged file: say what and where."""
    if is_disk_full(error):
        return unreadable(path, error)
    problem = database_problem(path, error)
    if problem.code != "database-io":
        return problem
    return EnvironmentProblem(f"Cannot write the database {path}: {error}.", code="database-io")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


def _contract(row: dict[str, Any]) -> Contract:
    return Contract(
        id=row["id"],
        title=row["title"],
        client=row["client"],
        rate_cents=row["rate_cents"],
        weekly_limit_minutes=row["weekly_limit_minutes"],
        manual_allowed=bool(row["manual_allowed"]),
        created_at=from_epoch(row["created_at"]),
        archived_at=_maybe(row["archived_at"]),
        marketplace_id=row["marketplace_id"],
    )


def _segment(row: dict[str, Any]) -> Segment:
    return Segment(
        id=row["id"],
        contract_id=row["contract_id"],
        kind=SegmentKind(row["kind"]),
        start=from_epoch(row["start_at"]),
        end=_maybe(row["end_at"]),
        memo=row["memo"],
        created_at=from_epoch(row["created_at"]),
        closed_at=_maybe(row["closed_at"]),
        close_reason=row["close_reason"],
    )


def _minute(row: dict[str, Any]) -> MinuteActivity:
    return MinuteActivity(
        start=from_epoch(row["start_at"]),
        keys=row["keys"],
        clicks=row["clicks"],
        scrolls=row["scrolls"],
        moves=row["moves"],
        injected=row["injected"],
        unavailable=row["unavailable"],
    )


def _screenshot(row: dict[str, Any]) -> Screenshot:
    return Screenshot(
        id=row["id"],
        segment_id=row["segment_id"],
        taken_at=from_epoch(row["taken_at"]),
        sha256=row["sha256"],
        path=row["path"],
        thumb_path=row["thumb_path"],
        width=row["width"],
        height=row["height"],
        monitors=row["monitors"],
        size_bytes=row["size_bytes"],
        blurred=bool(row["blurred"]),
        missing_reason=row["missing_reason"],
    )


def _amendment(row: dict[str, Any]) -> Amendment:
    return Amendment(
        id=row["id"],
        segment_id=row["segment_id"],
        made_at=from_epoch(row["made_at"]),
        kind=AmendmentKind(row["kind"]),
        memo=row["memo"],
        start=_maybe(row["start_at"]),
        end=_maybe(row["end_at"]),
        reason=row["reason"],
        screenshot_sha256=row["screenshot_sha256"],
    )


def _idle(row: dict[str, Any]) -> IdlePeriod:
    return IdlePeriod(
        id=row["id"],
        contract_id=row["contract_id"],
        start=from_epoch(row["start_at"]),
        end=_maybe(row["end_at"]),
        detected_at=from_epoch(row["detected_at"]),
        resolution=row["resolution"],
        resolved_at=_maybe(row["resolved_at"]),
    )
