"""The signed records and device public keys, in the diary's database beside the engine's tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.records import Amendment, Segment
from tracker.store import Store
from tracker.timeline import from_epoch, to_epoch

LEDGER_MIGRATIONS: list[tuple[str, str]] = [
    (
        "sync_0001_ledger",
        """
        CREATE TABLE device_keys (
            key_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL,
            public_key TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            retired_at INTEGER,
            retired_why TEXT
        );

        CREATE TABLE signed_records (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 0),
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL CHECK (type IN ('key', 'segment', 'amendment')),
            key_id TEXT NOT NULL REFERENCES device_keys(key_id),
            contract TEXT,
            segment_id TEXT,
            amendment_id INTEGER UNIQUE,
            signed_at INTEGER NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            record TEXT NOT NULL,
            signature TEXT NOT NULL,
            details TEXT,
            PRIMARY KEY (device_id, seq)
        );
        CREATE INDEX signed_records_by_segment ON signed_records(segment_id);
        CREATE UNIQUE INDEX one_record_per_segment ON signed_records(segment_id)
            WHERE type = 'segment';

        CREATE TRIGGER signed_records_never_change BEFORE UPDATE ON signed_records
        BEGIN SELECT RAISE(ABORT, 'signed records never change'); END;
        CREATE TRIGGER signed_records_never_deleted BEFORE DELETE ON signed_records
        BEGIN SELECT RAISE(ABORT, 'signed records are never deleted'); END;
        CREATE TRIGGER retired_keys_never_change BEFORE UPDATE ON device_keys
        WHEN OLD.retired_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'retired keys never change'); END;
        """,
    ),
]


@dataclass(frozen=True)
class DeviceKeyRow:
    """A device key's public half as the database keeps it."""

    key_id: str
    device_id: str
    public_key: bytes
    created_at: datetime
    retired_at: datetime | None = None
    retired_why: str | None = None


@dataclass(frozen=True)
class SignedRecord:
    """One record of a device's chain: its canonical bytes, hash, signature and details."""

    device_id: str
    seq: int
    id: str
    type: str
    key_id: str
    contract: str | None
    segment_id: str | None
    amendment_id: int | None
    signed_at: datetime
    hash: str
    record: bytes
    signature: bytes
    details: bytes | None


class Ledger:
    """Reads and appends signed records; signing itself is the Signer's job."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate(LEDGER_MIGRATIONS)

    # Keys ----------------------------------------------------------------------------------

    def add_key(self, row: DeviceKeyRow) -> None:
        with self.store.atomic():
            self.store.db.execute(
                "INSERT INTO device_keys (key_id, device_id, public_key, created_at)"
                " VALUES (?, ?, ?, ?)",
                [row.key_id, row.device_id, row.public_key.hex(), to_epoch(row.created_at)],
            )

    def retire_key(self, key_id: str, when: datetime, why: str) -> None:
        with self.store.atomic():
            self.store.db.execute(
                "UPDATE device_keys SET retired_at = ?, retired_why = ? WHERE key_id = ?",
                [to_epoch(when), why, key_id],
            )

    def current_key(self) -> DeviceKeyRow | None:
        """The key new records are signed with: the newest one not retired."""
        rows = self._keys("WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1")
        return rows[0] if rows else None

    def keys(self, device_id: str | None = None) -> list[DeviceKeyRow]:
        if device_id is None:
            return self._keys("ORDER BY created_at, rowid")
        return self._keys("WHERE device_id = ? ORDER BY created_at, rowid", [device_id])

    def _keys(self, where: str, args: list[Any] | None = None) -> list[DeviceKeyRow]:
        return [
            DeviceKeyRow(
                key_id=row["key_id"],
                device_id=row["device_id"],
                public_key=bytes.fromhex(row["public_key"]),
                created_at=from_epoch(row["created_at"]),
                retired_at=None if row["retired_at"] is None else from_epoch(row["retired_at"]),
                retired_why=row["retired_why"],
            )
            for row in self.store.db.query(f"SELECT * FROM device_keys {where}", args or [])
        ]

    # Records -------------------------------------------------------------------------------

    def append(self, record: SignedRecord) -> None:
        with self.store.atomic():
            self.store.db.execute(
                "INSERT INTO signed_records (device_id, seq, id, type, key_id, contract,"
                " segment_id, amendment_id, signed_at, hash, record, signature, details)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    record.device_id,
                    record.seq,
                    record.id,
                    record.type,
                    record.key_id,
                    record.contract,
                    record.segment_id,
                    record.amendment_id,
                    to_epoch(record.signed_at),
                    record.hash,
                    record.record.decode(),
                    record.signature.hex(),
                    None if record.details is None else record.details.decode(),
                ],
            )

    def head(self, device_id: str) -> SignedRecord | None:
        rows = self._records("WHERE device_id = ? ORDER BY seq DESC LIMIT 1", [device_id])
        return rows[0] if rows else None

    def devices(self) -> list[str]:
        """Every device that has signed records, oldest first."""
        rows = self.store.db.query(
            "SELECT device_id FROM signed_records GROUP BY device_id ORDER BY MIN(signed_at), device_id"
        )
        return [row["device_id"] for row in rows]

    def chain(self, device_id: str, from_seq: int = 0) -> list[SignedRecord]:
        return self._records("WHERE device_id = ? AND seq >= ? ORDER BY seq", [device_id, from_seq])

    def key_records(self, device_id: str) -> list[SignedRecord]:
        """The device's key records, its genesis and every rotation, in chain order."""
        return self._records("WHERE device_id = ? AND type = 'key' ORDER BY seq", [device_id])

    def last_signed_before(self, device_id: str, when: datetime) -> SignedRecord | None:
        rows = self._records(
            "WHERE device_id = ? AND signed_at < ? ORDER BY seq DESC LIMIT 1",
            [device_id, to_epoch(when)],
        )
        return rows[0] if rows else None

    def _records(self, where: str, args: list[Any]) -> list[SignedRecord]:
        return [
            SignedRecord(
                device_id=row["device_id"],
                seq=row["seq"],
                id=row["id"],
                type=row["type"],
                key_id=row["key_id"],
                contract=row["contract"],
                segment_id=row["segment_id"],
                amendment_id=row["amendment_id"],
                signed_at=from_epoch(row["signed_at"]),
                hash=row["hash"],
                record=row["record"].encode(),
                signature=bytes.fromhex(row["signature"]),
                details=None if row["details"] is None else row["details"].encode(),
            )
            for row in self.store.db.query(f"SELECT * FROM signed_records {where}", args)
        ]

    def signed_segments(self, segment_ids: list[str]) -> set[str]:
        """Which of these segments have a signed record."""
        rows = self.store.rows_in("signed_records", "segment_id", segment_ids, "seq")
        return {row["segment_id"] for row in rows if row["type"] == "segment"}

    def segment_contracts_up_to(
        self, device_id: str, last_seq: int | None
    ) -> list[tuple[str, str]]:
        """(segment id, contract) of the device's segment records, up to ``last_seq`` (all
        when None): without reading the records themselves."""
        rows = self.store.db.query(
            "SELECT segment_id, contract FROM signed_records WHERE device_id = ? AND type ="
            " 'segment' AND (? IS NULL OR seq <= ?) ORDER BY seq",
            [device_id, last_seq, last_seq],
        )
        return [(row["segment_id"], row["contract"]) for row in rows]

    def names_contract(self, contract: str) -> bool:
        """Whether any signed record names this contract id."""
        rows = self.store.db.query(
            "SELECT 1 FROM signed_records WHERE contract = ? LIMIT 1", [contract]
        )
        return any(True for _ in rows)

    def segment_contracts(self, segment_ids: list[str]) -> dict[str, str]:
        """How the signed records of these segments name their contracts: an amendment names
        its segment's contract exactly so (docs/protocol.md, "amendment")."""
        rows = self.store.rows_in("signed_records", "segment_id", segment_ids, "seq")
        return {row["segment_id"]: row["contract"] for row in rows if row["type"] == "segment"}

    # What waits to be signed ------------------------------------------------------------------

    def unsigned_segments(self) -> list[Segment]:
        """Closed segments without a record, in the order they closed."""
        ids = [
            row["id"]
            for row in self.store.db.query(
                "SELECT id FROM segments WHERE closed_at IS NOT NULL AND id NOT IN"
                " (SELECT segment_id FROM signed_records WHERE type = 'segment')"
                " ORDER BY closed_at, start_at, id"
            )
        ]
        return self.store.segments_by_id(ids)

    def unsigned_amendments(self) -> list[Amendment]:
        """Amendments not yet signed whose segment is, in the order they were made."""
        ids = [
            row["id"]
            for row in self.store.db.query(
                "SELECT a.id FROM amendments a"
                " JOIN signed_records s ON s.segment_id = a.segment_id AND s.type = 'segment'"
                " WHERE NOT EXISTS (SELECT 1 FROM signed_records r WHERE r.amendment_id = a.id)"
                " ORDER BY a.made_at, a.id"
            )
        ]
        return self.store.amendments_by_id(ids)

    def unsigned_count(self) -> int:
        rows = list(
            self.store.db.query(
                "SELECT (SELECT COUNT(*) FROM segments WHERE closed_at IS NOT NULL AND id NOT IN"
                " (SELECT segment_id FROM signed_records WHERE type = 'segment'))"
                " + (SELECT COUNT(*) FROM amendments a WHERE NOT EXISTS"
                " (SELECT 1 FROM signed_records r WHERE r.amendment_id = a.id)) AS n"
            )
        )
        return int(rows[0]["n"])
