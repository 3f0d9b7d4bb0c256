"""The chain rule (docs/protocol.md): signatures, then each device's order, numbering, links,
signing times and keys, from its genesis, from a known head, or from the edge of a period."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .canonical import key_id
from .entries import Entry
from .failures import Failure
from .records import RecordType
from .times import parse_timestamp


@dataclass(frozen=True)
class PublicKey:
    """A device key's public half, and the device it belongs to."""

    key_id: str
    device: str
    public_key: bytes


@dataclass(frozen=True)
class ChainHead:
    """Where a device's chain stands: its last record, and the key that signs the next one."""

    device: str
    seq: int
    hash: str
    signed_at: str
    key: str

    @classmethod
    def after(cls, chain: Sequence[Entry], before: ChainHead | None = None) -> ChainHead | None:
        """The head once ``chain`` (verified, in order) follows ``before``."""
        head = before
        for entry in chain:
            key = head.key if head is not None else entry.record["key"]
            if entry.type == RecordType.KEY:
                key = key_id(bytes.fromhex(entry.record["public_key"]))
            head = cls(entry.device, entry.seq, entry.hash, entry.record["signed_at"], key)
        return head


def check_signature(
    entry: Entry, keys: Mapping[str, PublicKey], unusable: Mapping[str, str] | None = None
) -> list[Failure]:
    """Whether the entry is signed by the key it names (``unusable``: keys listed, but not to be
    used, and why); sets ``entry.signature_ok``."""
    kid = entry.record["key"]
    public = keys.get(kid)
    if public is None:
        why = (unusable or {}).get(kid, "which is not listed")
        return [
            entry.failure(
                "unknown-key",
                f"The record is signed by key {kid[:12]}, "
                + (why if why.startswith("which") else f"which is not used: {why}")
                + ".",
            )
        ]
    try:
        Ed25519PublicKey.from_public_bytes(public.public_key).verify(entry.signature, entry.data)
    except (InvalidSignature, ValueError):
        changed = entry.claimed_hash is not None and entry.claimed_hash != entry.hash
        return [
            entry.failure(
                "signature",
                "The signature does not verify: the record was changed after it was signed"
                + (
                    " (its content no longer matches its hash)."
                    if changed
                    else ", or signed by another key."
                ),
            )
        ]
    entry.signature_ok = True
    if entry.claimed_hash is not None and entry.claimed_hash != entry.hash:
        return [
            entry.failure(
                "hash",
                f"The line says the record's hash is {str(entry.claimed_hash)[:70]!r}, "
                f"but it is {entry.hash}.",
            )
        ]
    return []


def first_of_each_seq(device: str, entries: Sequence[Entry]) -> tuple[list[Entry], list[Failure]]:
    """A device's lines in chain order, one a seq (the first line of each), with the `order`
    failure (once, where the seq first drops) and a `duplicate` failure for each later line."""
    failures: list[Failure] = []
    for before, after in itertools.pairwise(entries):
        if after.seq < before.seq:
            failures.append(
                after.failure(
                    "order",
                    f"Seq {after.seq} comes after seq {before.seq}: the records are out of order.",
                )
            )
            break
    chain: dict[int, Entry] = {}
    for entry in entries:
        first = chain.get(entry.seq)
        if first is None:
            chain[entry.seq] = entry
            continue
        same = entry.hash == first.hash
        failures.append(
            entry.failure(
                "duplicate",
                f"Seq {entry.seq} appears twice"
                + (" (the same record duplicated)." if same else " with different content."),
            )
        )
    return [chain[seq] for seq in sorted(chain)], failures


def check_links(
    chain: Sequence[Entry],
    anchor: ChainHead | None,
    keys: Mapping[str, PublicKey],
    period_start: datetime | None = None,
    key_at: Callable[[int], str | None] | None = None,
) -> list[Failure]:
    """Numbering, links, signing times and keys along one device's chain (in seq order).

    The chain continues ``anchor`` when one is known (the marketplace's last accepted record).
    Without one it starts at its genesis (seq 0), or, in a bundle, at the last record signed
    before ``period_start`` (the `edge` rule). Which key signs each record comes from
    ``key_at`` where the device's key chain is known (a bundle's keys.jsonl), else from the
    anchor and the key records in ``chain``.
    """
    failures: list[Failure] = []
    if not chain:
        return failures
    first = chain[0]
    if anchor is None:
        failures += _start(first, keys, period_start)
        before: ChainHead | None = None
        current = first.record["key"]
    else:
        before, current = anchor, anchor.key
    for entry in chain:
        record = entry.record
        if before is not None:
            failures += _link(entry, before)
        if key_at is not None:
            current = key_at(entry.seq) or "no key: the device's key chain does not reach here"
        if record["key"] != current:
            failures.append(
                entry.failure(
                    "key",
                    f"The record is signed by key {record['key'][:12]}, but device "
                    f"{entry.device[:12]} signs with {_key_name(current)} at this point "
                    "(a record of another key spliced in?).",
                )
            )
        elif keys.get(record["key"]) is not None and keys[record["key"]].device != entry.device:
            failures.append(entry.failure("key", "The signing key is listed for another device."))
        elif entry.type == RecordType.KEY and entry.signature_ok:
            current = key_id(bytes.fromhex(record["public_key"]))
        before = ChainHead(entry.device, entry.seq, entry.hash, record["signed_at"], current)
    return failures


def _key_name(current: str) -> str:
    return f"key {current[:12]}" if len(current) == 64 else current


def _start(
    first: Entry, keys: Mapping[str, PublicKey], period_start: datetime | None
) -> list[Failure]:
    record = first.record
    if first.seq == 0:
        introduced = key_id(bytes.fromhex(record["public_key"])) if first.type == "key" else None
        if (
            record["prev"] is not None
            or introduced != record["key"]
            or record["key"] != first.device
        ):
            return [
                first.failure(
                    "genesis",
                    "Seq 0 must be a key record that introduces its own signing key, whose id is "
                    "the device id, with prev null.",
                )
            ]
        return []
    if period_start is None:
        return [
            first.failure(
                "gap", f"The chain starts at seq {first.seq}: seq 0 to {first.seq - 1} are missing."
            )
        ]
    if parse_timestamp(record["signed_at"]) >= period_start:
        return [
            first.failure(
                "edge",
                f"The chain of device {first.device[:12]} starts at seq {first.seq}, signed after "
                "the period began: the record before it is needed to show that no record of "
                "the period was left out.",
            )
        ]
    return []


def _link(entry: Entry, before: ChainHead) -> list[Failure]:
    record = entry.record
    failures = []
    if entry.seq != before.seq + 1:
        missing = (
            f"{before.seq + 1}"
            if entry.seq == before.seq + 2
            else f"{before.seq + 1} to {entry.seq - 1}"
        )
        failures.append(
            entry.failure(
                "gap", f"Seq {missing} is missing before this record: a record was removed."
            )
        )
    elif record["prev"] != before.hash:
        failures.append(
            entry.failure(
                "link",
                f"The record does not link to seq {before.seq}: its prev is "
                f"{str(record['prev'])[:12]}, but seq {before.seq} hashes to {before.hash[:12]}.",
            )
        )
    if record["signed_at"] < before.signed_at:  # timestamps compare in time order as text
        failures.append(
            entry.failure("time", "The record was signed earlier than the record before it.")
        )
    return failures
