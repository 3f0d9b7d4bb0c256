"""Where each segment of the diary stands with the marketplace: receipted, waiting, or refused
(and why), read from the database alone, so that the app can mark its diary cells without an
HTTP client or the receipts' cryptography."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from tracker.records import Segment
from tracker.store import Store


class SyncState(Enum):
    RECEIPTED = "receipted"
    WAITING = "waiting"
    REFUSED = "refused"
    #: Receipted, and disputed by the client (the reason, and a mediator's decision, in text).
    DISPUTED = "disputed"


@dataclass(frozen=True)
class SyncMark:
    state: SyncState
    #: What a person reads in the cell's tooltip.
    text: str
    #: The client's dispute of the segment, if any: the freelancer may answer it.
    dispute: str | None = None


@dataclass(frozen=True)
class LinkSummary:
    """The marketplace the device syncs to, as the app shows it."""

    url: str
    email: str
    local: bool
    #: The account's role: a freelancer's device tracks; a client's or mediator's reviews.
    role: str = "freelancer"


def _tables(store: Store) -> set[str]:
    """The sync tables exist once the device has signed in or synced (sync/outbox.py)."""
    return {row["name"] for row in store.db.query("SELECT name FROM sqlite_master")}


def link_summary(store: Store, tables: set[str] | None = None) -> LinkSummary | None:
    """The marketplace this device syncs to, None when none (its sync tables may not exist)."""
    if "marketplace" not in (tables if tables is not None else _tables(store)):
        return None
    for row in store.db.query("SELECT * FROM marketplace"):
        columns = row.keys()
        local = "local" in columns and bool(row["local"])
        role = str(row["role"]) if "role" in columns else "freelancer"
        return LinkSummary(row["url"], row["email"], local, role)
    return None


def linked(store: Store) -> bool:
    return link_summary(store) is not None


def sync_marks(store: Store, segments: Sequence[Segment]) -> dict[str, SyncMark]:
    """The marks of the closed segments of marketplace contracts among ``segments``, by id;
    none when the device is not signed in (a device's own contracts are never uploaded)."""
    tables = _tables(store)
    if not segments or link_summary(store, tables) is None:
        return {}
    uploaded = {c.id for c in store.contracts() if c.marketplace_id}
    ids = [s.id for s in segments if s.end is not None and s.contract_id in uploaded]
    if not ids:
        return {}
    state = next(iter(store.db.query("SELECT * FROM sync_state WHERE id = 1")))
    refusal = Refusal(
        state["refused_device"],
        state["refused_seq"],
        state["refused_code"],
        state["refused_detail"],
    )
    marks = {id_: SyncMark(SyncState.WAITING, "Waiting to be signed.") for id_ in ids}
    records: dict[str, list[tuple[str, int, str | None]]] = {}
    places = ", ".join("?" for _ in ids)
    for row in store.db.query(
        "SELECT s.segment_id, s.device_id, s.seq, r.received_at FROM signed_records s"
        " LEFT JOIN receipts r ON r.device_id = s.device_id AND r.seq = s.seq"
        f" WHERE s.segment_id IN ({places}) ORDER BY s.seq",
        ids,
    ):
        records.setdefault(row["segment_id"], []).append(
            (row["device_id"], row["seq"], row["received_at"])
        )
    changes = {
        row["segment_id"]
        for row in store.db.query(
            "SELECT a.segment_id FROM amendments a WHERE NOT EXISTS"
            " (SELECT 1 FROM signed_records r WHERE r.amendment_id = a.id)"
            f" AND a.segment_id IN ({places})",
            ids,
        )
    }
    for segment_id, found in records.items():
        marks[segment_id] = _mark(found, refusal, segment_id in changes)
    if "disputes" in tables:
        for row in store.db.query(
            f"SELECT * FROM disputes WHERE segment IN ({places}) ORDER BY id", ids
        ):
            text = f"Disputed by the client: {row['reason']}"
            if row["decision"]:
                text += f" A mediator decided: {row['decision']} ({row['decision_reason']})."
            else:
                text += " A mediator decides; you can answer the dispute with a comment."
            marks[row["segment"]] = SyncMark(
                SyncState.DISPUTED, f"{text} (dispute {row['id']})", str(row["id"])
            )
    return marks


@dataclass(frozen=True)
class Refusal:
    """The record the marketplace refused last (its device's chain stops there), if any."""

    device: str | None
    seq: int | None
    code: str | None
    detail: str | None


def _mark(
    records: list[tuple[str, int, str | None]], refusal: Refusal, change_unsigned: bool
) -> SyncMark:
    waiting = [(device, seq) for device, seq, received in records if received is None]
    if refusal.code is None or refusal.seq is None:  # none, or a round that ended half-way
        refusal = Refusal(None, None, None, None)
    if (refusal.device, refusal.seq) in waiting:
        return SyncMark(
            SyncState.REFUSED,
            f"Refused by the marketplace ({refusal.code}): {refusal.detail} Nothing recorded "
            "after it is uploaded until this is resolved.",
        )
    if refusal.seq is not None and any(
        device == refusal.device and seq > refusal.seq for device, seq in waiting
    ):
        return SyncMark(
            SyncState.WAITING,
            "Waiting: the marketplace refused an earlier record of this device, and nothing "
            "after a refused record is uploaded.",
        )
    if waiting:
        return SyncMark(SyncState.WAITING, "Waiting to be uploaded to the marketplace.")
    if change_unsigned:
        return SyncMark(SyncState.WAITING, "A change to it waits to be signed and uploaded.")
    received = min(received for _, _, received in records if received is not None)
    return SyncMark(SyncState.RECEIPTED, f"Receipted by the marketplace at {_time(received)}.")


def _time(stamp: str) -> str:
    """2026-11-30T10:12:00Z as 2026-11-30 10:12 UTC."""
    return stamp.replace("T", " ")[:16] + " UTC"
