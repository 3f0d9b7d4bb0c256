"""What the device keeps to sync with a marketplace: which marketplace (its URL, the account,
and its receipt key, pinned at the first sign-in), the receipts of the records it took, which
screenshot files it holds, and where the uploads stand (the next attempt, the last refusal).

The signed records in the ledger are the queue: a record waits while its device and seq have
no receipt. Nothing here is a second copy of a payload."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from diary.canonical import parse_json
from diary.receipts import MarketplaceKey, Receipt, read_receipt
from tracker.store import Store
from tracker.timeline import from_epoch, to_epoch

OUTBOX_MIGRATIONS: list[tuple[str, str]] = [
    (
        "sync_0002_outbox",
        """
        CREATE TABLE marketplace (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            url TEXT NOT NULL,
            email TEXT NOT NULL,
            account_id TEXT NOT NULL,
            name TEXT NOT NULL,
            key_id TEXT NOT NULL,
            public_key TEXT NOT NULL,
            signed_in_at INTEGER NOT NULL
        );
        CREATE TABLE receipts (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            record_hash TEXT NOT NULL,
            receipt TEXT NOT NULL,
            signature TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (device_id, seq)
        );
        CREATE TABLE uploaded_screenshots (
            sha256 TEXT PRIMARY KEY,
            uploaded_at INTEGER NOT NULL
        );
        CREATE TABLE sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            failures INTEGER NOT NULL DEFAULT 0,
            next_attempt INTEGER,
            last_error TEXT,
            last_error_code TEXT,
            last_success INTEGER,
            refused_device TEXT,
            refused_seq INTEGER,
            refused_code TEXT,
            refused_detail TEXT
        );
        INSERT INTO sync_state (id) VALUES (1);
        """,
    ),
    (
        "sync_0003_local_marketplace",
        # 1: the marketplace on this computer, whose address changes when its port was taken.
        "ALTER TABLE marketplace ADD COLUMN local INTEGER NOT NULL DEFAULT 0;",
    ),
    (
        "sync_0004_role",
        # Who signed in: a freelancer's device uploads; a client or a mediator reviews.
        "ALTER TABLE marketplace ADD COLUMN role TEXT NOT NULL DEFAULT 'freelancer';",
    ),
    (
        "sync_0005_disputes",
        # The client's disputes of this device's segments, as the marketplace last said them.
        """
        CREATE TABLE disputes (
            id TEXT NOT NULL,
            segment TEXT NOT NULL,
            reason TEXT NOT NULL,
            decision TEXT,
            decision_reason TEXT,
            PRIMARY KEY (id, segment)
        );
        """,
    ),
]


@dataclass(frozen=True)
class MarketplaceLink:
    """The marketplace this device syncs to, and the receipt key it pinned."""

    url: str
    email: str
    account_id: str
    name: str
    key: MarketplaceKey
    signed_in_at: datetime
    #: The marketplace on this computer (sync/local_marketplace.py), started when needed.
    local: bool = False
    #: The account's role: freelancer (this device uploads), client or mediator (reviews).
    role: str = "freelancer"


@dataclass(frozen=True)
class SyncState:
    failures: int = 0
    next_attempt: datetime | None = None
    last_error: str | None = None
    last_error_code: str | None = None
    last_success: datetime | None = None
    refused_device: str | None = None
    refused_seq: int | None = None
    refused_code: str | None = None
    refused_detail: str | None = None


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate(OUTBOX_MIGRATIONS)

    # The marketplace -----------------------------------------------------------------------

    def link(self) -> MarketplaceLink | None:
        rows = list(self.store.db.query("SELECT * FROM marketplace WHERE id = 1"))
        if not rows:
            return None
        row = rows[0]
        key = MarketplaceKey.from_json(
            {"algorithm": "Ed25519", "key_id": row["key_id"], "public_key": row["public_key"]}
        )
        return MarketplaceLink(
            row["url"], row["email"], row["account_id"], row["name"], key,
            from_epoch(row["signed_in_at"]), bool(row["local"]), row["role"],
        )  # fmt: skip

    def set_link(self, link: MarketplaceLink) -> None:
        with self.store.atomic():
            self.store.db.execute("DELETE FROM marketplace")
            self.store.db.execute(
                "INSERT INTO marketplace VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    link.url,
                    link.email,
                    link.account_id,
                    link.name,
                    link.key.key_id,
                    link.key.public_key.hex(),
                    to_epoch(link.signed_in_at),
                    int(link.local),
                    link.role,
                ],
            )

    def forget_link(self) -> None:
        with self.store.atomic():
            self.store.db.execute("DELETE FROM marketplace")

    # Receipts ------------------------------------------------------------------------------

    def add_receipts(self, receipts: list[Receipt]) -> None:
        with self.store.atomic():
            for receipt in receipts:
                device, seq = receipt.at
                self.store.db.execute(
                    "INSERT OR IGNORE INTO receipts VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        device,
                        seq,
                        receipt.record,
                        receipt.data.decode("utf-8"),
                        receipt.signature.hex(),
                        receipt.received_at,
                    ],
                )

    def receipted_head(self, device_id: str) -> int | None:
        """The last seq of the device's chain with a receipt (receipts come in chain order)."""
        rows = list(
            self.store.db.query(
                "SELECT max(seq) AS seq FROM receipts WHERE device_id = ?", [device_id]
            )
        )
        return None if rows[0]["seq"] is None else int(rows[0]["seq"])

    def receipts(self, device_id: str, from_seq: int = 0) -> list[Receipt]:
        """The receipts kept of the device's records from ``from_seq`` on, in seq order."""
        return [
            _receipt(row)
            for row in self.store.db.query(
                "SELECT * FROM receipts WHERE device_id = ? AND seq >= ? ORDER BY seq",
                [device_id, from_seq],
            )
        ]

    def receipts_at(self, device_id: str, seqs: Iterable[int]) -> list[Receipt]:
        """The receipts kept of the device's records at ``seqs`` (a few), in seq order."""
        return [
            _receipt(row)
            for seq in sorted(set(seqs))
            for row in self.store.db.query(
                "SELECT * FROM receipts WHERE device_id = ? AND seq = ?", [device_id, seq]
            )
        ]

    # Screenshots ---------------------------------------------------------------------------

    def uploaded(self, sha256: str) -> bool:
        rows = self.store.db.query("SELECT 1 FROM uploaded_screenshots WHERE sha256 = ?", [sha256])
        return any(True for _ in rows)

    def mark_uploaded(self, sha256: str, now: datetime) -> None:
        with self.store.atomic():
            self.store.db.execute(
                "INSERT OR IGNORE INTO uploaded_screenshots VALUES (?, ?)", [sha256, to_epoch(now)]
            )

    # Disputes ------------------------------------------------------------------------------

    def set_disputes(self, disputes: list[Any]) -> None:
        """The disputes as the marketplace lists them now (each with its segments' decisions)."""
        with self.store.atomic():
            self.store.db.execute("DELETE FROM disputes")
            for dispute in disputes:
                for segment in dispute["segments"]:
                    decision = segment.get("decision") or {}
                    self.store.db.execute(
                        "INSERT OR REPLACE INTO disputes VALUES (?, ?, ?, ?, ?)",
                        [
                            str(dispute["id"]),
                            str(segment["segment"]),
                            str(dispute["reason"]),
                            decision.get("decision"),
                            decision.get("reason"),
                        ],
                    )

    # Where the uploads stand ---------------------------------------------------------------

    def state(self) -> SyncState:
        row = next(iter(self.store.db.query("SELECT * FROM sync_state WHERE id = 1")))
        return SyncState(
            failures=row["failures"],
            next_attempt=_maybe(row["next_attempt"]),
            last_error=row["last_error"],
            last_error_code=row["last_error_code"],
            last_success=_maybe(row["last_success"]),
            refused_device=row["refused_device"],
            refused_seq=row["refused_seq"],
            refused_code=row["refused_code"],
            refused_detail=row["refused_detail"],
        )

    def set_state(self, **fields: Any) -> None:
        """Change some fields of the sync state (datetimes are stored as epoch seconds)."""
        values = [to_epoch(v) if isinstance(v, datetime) else v for v in fields.values()]
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.store.atomic():
            self.store.db.execute(f"UPDATE sync_state SET {assignments} WHERE id = 1", values)


def _maybe(seconds: int | None) -> datetime | None:
    return None if seconds is None else from_epoch(seconds)


def _receipt(row: Any) -> Receipt:
    return read_receipt({"receipt": parse_json(row["receipt"]), "signature": row["signature"]})
