"""Accepting signed records: device enrollment and batch uploads, each record verified with
the protocol package and receipted (docs/api.md, "Records").

A batch extends one device's chain. Records the marketplace holds already are answered with
their receipts (a retry after a lost answer changes nothing); the rest must extend the chain
from its head and pass every check; the first that fails stops the batch there: the records
before it are kept and receipted, nothing of it or after it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from diary.canonical import canonical, key_id, parse_json
from diary.chain import PublicKey
from diary.entries import Entry, read_entry
from diary.extension import verify_extension
from diary.failures import Failure
from diary.receipts import Receipt
from diary.records import DELETING, RecordType, is_device_contract
from diary.rules import Counted
from diary.times import parse_timestamp, week_start
from diary.verify import count_entries

from .billing import is_locked
from .models import Account, Contract, ContractState, Device, DeviceKey, Role, Segment, StoredRecord
from .problems import Problem
from .receipt_key import ReceiptKey
from .storage import Transaction

#: The most records one request may carry.
MAX_BATCH = 500
#: How far ahead of the server's clock a record may be signed.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class Upload:
    """What became of a batch: the receipts of its records up to the first refused (held
    before, or accepted now), and the refusal."""

    receipts: list[Receipt] = field(default_factory=list)
    #: The records accepted now (after those held before), in order.
    kept: list[Entry] = field(default_factory=list)
    accepted: int = 0
    already_held: int = 0
    refused: Problem | None = None


def require_freelancer(account: Account) -> None:
    if account.role is not Role.FREELANCER:
        raise Problem("wrong-role", "Only a freelancer's account has devices and records.")


def enroll(
    tx: Transaction, account: Account, line: Any, key: ReceiptKey, now: datetime
) -> tuple[Device, Receipt, bool]:
    """Enroll a device by its genesis key record; enrolling it again returns the same."""
    require_freelancer(account)
    entry = _entry(line, 0)
    if entry.type != RecordType.KEY or entry.seq != 0:
        raise Problem("genesis", "A device enrolls with its genesis: the key record at seq 0.")
    tx.lock_freelancers(account.id)
    tx.lock_device(entry.device)  # two accounts may claim it at once
    device = tx.device(entry.device)
    if device is not None:
        if device.account != account.id:
            raise Problem("device-taken", "This device is enrolled to another account.")
        held = tx.record_at(entry.device, 0)
        assert held is not None
        if held.hash != entry.hash:
            raise Problem("fork", "The device is enrolled with another genesis record.")
        return device, _receipt(held), False
    extension = verify_extension(None, [entry], [])
    if extension.failures:
        raise _refusal(extension.failures[0], 0)
    _future(entry, now, 0)
    device = Device(entry.device, account.id, now)
    tx.add_device(device)
    receipt = _store(tx, account, [entry], key, now, {})[0]
    return device, receipt, True


def upload(
    tx: Transaction, account: Account, lines: Sequence[Any], key: ReceiptKey, now: datetime
) -> Upload:
    require_freelancer(account)
    if len(lines) > MAX_BATCH:
        raise Problem(
            "batch-too-large", f"The batch holds {len(lines)} records; send at most {MAX_BATCH}."
        )
    result = Upload()
    entries: list[Entry] = []
    for index, line in enumerate(lines):
        try:
            entries.append(_entry(line, index))
        except Problem as problem:
            result.refused = problem
            break
    if not entries:
        return result
    # The freelancer's chains, segments and weeks stand still from here to the commit: a batch
    # sent twice at once (to two servers) is taken once, and the other answered with receipts.
    tx.lock_freelancers(account.id)
    device = tx.device(entries[0].device)
    if device is None or device.account != account.id:
        raise Problem(
            "device-not-enrolled",
            f"Device {entries[0].device[:12]} is not enrolled to your account: enroll it with "
            "its genesis key record first (POST /v1/devices).",
        )
    new: list[Entry] = []
    for index, entry in enumerate(entries):
        if entry.device != device.id:
            return _stop(
                result, Problem("device", "A batch holds the records of one device.", _at(index))
            )
        held = tx.record_at(entry.device, entry.seq)
        if held is None:
            new = entries[index:]
            break
        if held.hash != entry.hash:
            return _stop(
                result,
                Problem(
                    "fork",
                    f"The marketplace holds another record at seq {entry.seq} of this device.",
                    _at(index),
                ),
            )
        result.receipts.append(_receipt(held))
        result.already_held += 1
    offset = len(entries) - len(new)
    accepted, refusal, counted = _verify(tx, account, new, offset, now)
    result.receipts += _store(tx, account, accepted, key, now, counted)
    result.kept = accepted
    result.accepted = len(accepted)
    if refusal is not None:
        result.refused = refusal
    return result


def _stop(result: Upload, problem: Problem) -> Upload:
    result.refused = problem
    return result


def _at(index: int) -> dict[str, Any]:
    return {"index": index}


def _entry(line: Any, index: int) -> Entry:
    entry = read_entry(line)
    if isinstance(entry, Failure):
        raise _refusal(entry, index)
    return entry


def _refusal(failure: Failure, index: int) -> Problem:
    extra: dict[str, Any] = {"index": index}
    if failure.seq is not None:
        extra["seq"] = failure.seq
    return Problem(failure.code, failure.reason, extra)


def _verify(
    tx: Transaction, account: Account, entries: list[Entry], offset: int, now: datetime
) -> tuple[list[Entry], Problem | None, Mapping[str, Counted]]:
    """The records of ``entries`` that extend the chain and pass every check, in order, and
    the refusal of the first that does not."""
    if not entries:
        return [], None, {}
    device = entries[0].device
    keys = [PublicKey(k.key_id, k.device, k.public_key) for k in tx.keys(device)]
    extension = verify_extension(
        tx.head(device),
        entries,
        keys,
        _known_segments(tx, entries),
        needs_details=lambda e: not is_device_contract(e.record["contract"]),
    )
    accepted: list[Entry] = []
    batch_segments: list[Entry] = []
    contracts: dict[str, Contract | None] = {}
    locked: dict[tuple[str, datetime], bool] = {}
    for index, entry in enumerate(extension.accepted):
        try:
            _marketplace_checks(
                tx, account, entry, batch_segments, contracts, locked, now, offset + index
            )
        except Problem as problem:
            return accepted, problem, {}
        accepted.append(entry)
        if entry.type == RecordType.SEGMENT:
            batch_segments.append(entry)
    if extension.failures:
        stopped = offset + len(extension.accepted)
        return accepted, _refusal(extension.failures[0], stopped), extension.counted
    # Every record verify_extension took was kept: what it counted is what was stored.
    return accepted, None, extension.counted


def _known_segments(tx: Transaction, entries: list[Entry]) -> dict[str, Entry]:
    """The segment records, held already, that the batch's amendments change."""
    in_batch = {e.record["segment"] for e in entries if e.type == RecordType.SEGMENT}
    known: dict[str, Entry] = {}
    for entry in entries:
        if entry.type != RecordType.AMENDMENT or entry.record["segment"] in in_batch:
            continue
        segment = entry.record["segment"]
        if segment not in known:
            for held in tx.segment_records(segment):
                if held.type == RecordType.SEGMENT:
                    known[segment] = stored_entry(held)
    return known


def stored_entry(held: StoredRecord) -> Entry:
    line: dict[str, Any] = {"record": _json(held.record), "signature": held.signature.hex()}
    if held.details is not None:
        line["details"] = _json(held.details)
    entry = read_entry(line)
    assert isinstance(entry, Entry), "a record the marketplace accepted reads back"
    return entry


def _json(data: bytes) -> Any:
    return parse_json(data)


def _marketplace_checks(
    tx: Transaction,
    account: Account,
    entry: Entry,
    batch_segments: list[Entry],
    contracts: dict[str, Contract | None],
    locked: dict[tuple[str, datetime], bool],
    now: datetime,
    index: int,
) -> None:
    """What only the marketplace can check: the clock, the contract, the locked week, and time
    shared with the freelancer's other devices' segments."""
    _future(entry, now, index)
    record = entry.record
    contract_id = record["contract"]
    if entry.type == RecordType.KEY:
        return
    where = {"index": index, "seq": entry.seq}
    start = _segment_start(tx, entry, batch_segments)
    if not is_device_contract(contract_id):
        if contract_id not in contracts:  # one read a batch, not one a record
            contracts[contract_id] = tx.contract(contract_id)
        contract = contracts[contract_id]
        if (
            contract is None
            or contract.freelancer != account.id
            or contract.state is not ContractState.ACTIVE
        ):
            raise Problem(
                "contract-not-accepted",
                f"The record names contract {contract_id[:40]}, which is not a contract of yours "
                "that you accepted.",
                where,
            )
        manual = entry.type == RecordType.SEGMENT and record["state"] == "manual"
        if manual and not contract.manual_time_allowed:
            raise Problem(
                "manual-time-not-allowed",
                f"Contract {contract.title!r} does not allow manual time.",
                where,
            )
        if start is not None and _week_locked(tx, contract, week_start(start), now, locked):
            raise Problem(
                "week-locked",
                f"The {'segment' if entry.type == RecordType.SEGMENT else 'change'} belongs to "
                f"the week of {week_start(start):%Y-%m-%d}, which locked at 12:00 UTC the Monday "
                "after it: records of a week must reach the marketplace before then.",
                where,
            )
    if entry.type == RecordType.SEGMENT and tx.segment(record["segment"]) is not None:
        raise Problem(
            "duplicate",
            f"Segment {record['segment'][:12]} has a record already: a segment is recorded once.",
            where,
        )
    if entry.type == RecordType.SEGMENT and record["end"] > record["start"]:
        begin, end = parse_timestamp(record["start"]), parse_timestamp(record["end"])
        others = tx.segments_overlapping(account.id, begin, end)
        if others:
            other = others[0]
            raise Problem(
                "overlap",
                f"The segment {begin:%Y-%m-%d %H:%M:%S}-{end:%H:%M:%S} UTC shares time with "
                f"segment {other.start:%H:%M:%S}-{other.end:%H:%M:%S} of device "
                f"{other.device[:12]}: no second is billed twice.",
                where,
            )


def _week_locked(
    tx: Transaction,
    contract: Contract,
    start: datetime,
    now: datetime,
    locked: dict[tuple[str, datetime], bool],
) -> bool:
    """Whether the week takes no more records: it locked by the clock, or its amount is fixed
    already (by a request that read a later time than this one, or a server whose clock runs
    ahead, and locked the week first: its count is final all the same)."""
    if is_locked(start, now):
        return True
    if (contract.id, start) not in locked:  # one read a batch, not one a record
        locked[contract.id, start] = tx.week(contract.id, start) is not None
    return locked[contract.id, start]


def _segment_start(tx: Transaction, entry: Entry, batch: list[Entry]) -> datetime | None:
    if entry.type == RecordType.SEGMENT:
        return parse_timestamp(entry.record["start"])
    segment = entry.record["segment"]
    for candidate in batch:
        if candidate.record["segment"] == segment:
            return parse_timestamp(candidate.record["start"])
    held = tx.segment(segment)
    return None if held is None else held.start


def _future(entry: Entry, now: datetime, index: int) -> None:
    if parse_timestamp(entry.record["signed_at"]) > now + CLOCK_SKEW:
        raise Problem(
            "future",
            f"The record was signed at {entry.record['signed_at']}, more than "
            f"{CLOCK_SKEW.seconds // 60} minutes after the marketplace's time "
            f"{now:%Y-%m-%dT%H:%M:%SZ}: check the device's clock.",
            {"index": index, "seq": entry.seq},
        )


def _receipt(held: StoredRecord) -> Receipt:
    return Receipt(_json(held.receipt), held.receipt, held.receipt_signature)


def _store(
    tx: Transaction,
    account: Account,
    entries: list[Entry],
    key: ReceiptKey,
    now: datetime,
    counted: Mapping[str, Counted],
) -> list[Receipt]:
    """Keep the accepted records with their receipts, the keys they introduce, and what each
    segment they concern counts for now."""
    receipts: list[Receipt] = []
    rows: list[StoredRecord] = []
    for entry in entries:
        receipt = key.receipt(entry, now)
        receipts.append(receipt)
        record = entry.record
        rows.append(
            StoredRecord(
                hash=entry.hash,
                device=entry.device,
                seq=entry.seq,
                type=entry.type,
                contract=record["contract"],
                segment=record.get("segment"),
                signed_at=record["signed_at"],
                key=record["key"],
                record=entry.data,
                signature=entry.signature,
                # A device's own contract's details are the freelancer's alone: never kept.
                details=None
                if entry.details is None or is_device_contract(record["contract"])
                else entry.details_data or _canonical(entry.details),
                received_at=now,
                receipt=receipt.data,
                receipt_signature=receipt.signature,
            )
        )
    tx.add_records(rows)
    for entry in entries:
        if entry.type == RecordType.KEY:
            public = bytes.fromhex(entry.record["public_key"])
            tx.add_key(DeviceKey(key_id(public), entry.device, public, entry.seq))
    in_batch: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.type != RecordType.KEY:
            in_batch[entry.record["segment"]].append(entry)
    for segment_id, found in in_batch.items():
        if found[0].type == RecordType.SEGMENT:  # new here: the batch holds all there is of it
            _put_count(tx, account, found[0], found[1:], counted.get(segment_id))
        else:  # a change to a segment held before: count it with every change so far
            held = [stored_entry(h) for h in tx.segment_records(segment_id)]
            segment = next(e for e in held if e.type == RecordType.SEGMENT)
            _put_count(tx, account, segment, [e for e in held if e.type == RecordType.AMENDMENT])
    named = {
        entry.record["segment"]: [s["sha256"] for s in entry.details["screenshots"] if s["sha256"]]
        for entry in entries
        if entry.type == RecordType.SEGMENT
        and entry.details is not None
        and not is_device_contract(entry.record["contract"])
    }
    # Not while a deletion decides that no segment names one of them (routes/records.py).
    tx.lock_screenshots(*(sha256 for names in named.values() for sha256 in names))
    for segment_id, names in named.items():
        tx.add_screenshot_names(account.id, segment_id, names)
    return receipts


def deleted_screenshots(tx: Transaction, kept: Sequence[Entry]) -> set[str]:
    """The screenshot files of segments a batch deleted (``kept``: the records it accepted):
    once no segment that counts names one, the marketplace deletes the file (the freelancer
    deleted it)."""
    found: set[str] = set()
    for entry in kept:
        segment = entry.record.get("segment")
        if entry.type == RecordType.AMENDMENT and segment and entry.record["kind"] in DELETING:
            found.update(tx.screenshot_names(segment))
    return found


def _canonical(details: Any) -> bytes:
    return canonical(details, plain=True)


def _put_count(
    tx: Transaction,
    account: Account,
    segment: Entry,
    changes: list[Entry],
    counted: Counted | None = None,
) -> None:
    """Keep what the segment counts for now, with ``changes`` (its amendments); ``counted``:
    what verify_extension counted it for, with the same changes."""
    counted = counted or count_entries(segment, changes)
    record = segment.record
    tx.put_segment(
        Segment(
            id=record["segment"],
            device=segment.device,
            account=account.id,
            contract=record["contract"],
            start=parse_timestamp(record["start"]),
            end=parse_timestamp(record["end"]),
            kind=record["state"],
            state=counted.state.value,
            billable_seconds=counted.billable_seconds,
            record=segment.hash,
        )
    )
