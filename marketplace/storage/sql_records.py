"""The SQL queries of signed records, the segments they make and the screenshots they name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from diary.times import SEGMENT_SECONDS

from ..models import Segment, StoredRecord
from .base import Conflict
from .sql import SqlQueries, epoch, moment


class RecordQueries(SqlQueries):
    """Records with their receipts, segments, and the names of screenshots."""

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
                        epoch(r.received_at),
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
            moment(r[11]),
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
            epoch(segment.start),
            epoch(segment.end),
            segment.kind,
            segment.state,
            segment.billable_seconds,
            segment.record,
        )
        if self._cursor.rowcount == 0:  # nothing written: the transaction goes on
            raise Conflict(f"segment {segment.id} is held for another record")

    def _segment(self, r: Any) -> Segment:
        return Segment(r[0], r[1], r[2], r[3], moment(r[4]), moment(r[5]), r[6], r[7], r[8], r[9])

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
            epoch(end),
            (epoch(start) or 0) - SEGMENT_SECONDS,
            epoch(start),
        )
        return [self._segment(r) for r in rows]

    def contract_segments(self, contract_id: str, start: datetime, end: datetime) -> list[Segment]:
        rows = self._all(
            "SELECT * FROM segments WHERE contract = ? AND start >= ? AND start < ? "
            'ORDER BY start, "end", device, id',
            contract_id,
            epoch(start),
            epoch(end),
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

    def add_unused_screenshot(self, sha256: str, since: datetime) -> None:
        self._execute(
            "INSERT INTO unused_screenshots VALUES (?, ?) ON CONFLICT DO NOTHING",
            sha256,
            epoch(since),
        )

    def unused_screenshots(self, limit: int) -> list[str]:
        rows = self._all(
            "SELECT sha256 FROM unused_screenshots ORDER BY since, sha256 LIMIT ?", limit
        )
        return [r[0] for r in rows]

    def remove_unused_screenshot(self, sha256: str) -> None:
        self._execute("DELETE FROM unused_screenshots WHERE sha256 = ?", sha256)
