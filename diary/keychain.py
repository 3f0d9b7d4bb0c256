"""A device's key chain: its genesis and every key rotation, each signed by the key before it.

A bundle carries every key record of each device's chain (keys.jsonl), from seq 0 on, even when
its stretch of records starts later: they prove which key belongs to the device at each seq, so
that nobody can present a key of their own as the device's (docs/protocol.md, "Key chains").
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .canonical import key_id
from .chain import PublicKey
from .entries import Entry
from .failures import Failure
from .records import RecordType


@dataclass
class KeyChain:
    """The keys one device's key records introduce, verified, and the seq each takes over at."""

    device: str
    #: (seq of the key record, key id it introduces), in seq order, verified ones only.
    introductions: list[tuple[int, str]] = field(default_factory=list)
    keys: dict[str, PublicKey] = field(default_factory=dict)
    #: The hash of each key record keys.jsonl holds, by seq (verified or not).
    hashes: dict[int, str] = field(default_factory=dict)
    #: The key records that introduce a key (those of ``introductions``), by seq.
    records: dict[int, Entry] = field(default_factory=dict)

    def key_at(self, seq: int) -> str | None:
        """The key that signs the device's record at ``seq``: the one the last key record
        before it introduced (the genesis signs itself). None before a verified genesis."""
        found = None
        for introduced_at, kid in self.introductions:
            if introduced_at < seq or (introduced_at == seq == 0):
                found = kid
            else:
                break
        return found


def check_key_chain(device: str, entries: Sequence[Entry]) -> tuple[KeyChain, list[Failure]]:
    """Verify one device's key records as keys.jsonl lists them; a key record that fails
    introduces no key (the records it would have covered then fail `key`)."""
    chain = KeyChain(device)
    failures: list[Failure] = []
    for before, after in itertools.pairwise(entries):
        if after.seq <= before.seq:
            code = "duplicate" if after.seq == before.seq else "order"
            failures.append(
                after.failure(code, "keys.jsonl lists a device's key records once each, in order.")
            )
    current: PublicKey | None = None
    last_signed = ""
    for entry in sorted({e.seq: e for e in reversed(entries)}.values(), key=lambda e: e.seq):
        record = entry.record
        chain.hashes[entry.seq] = entry.hash
        if entry.type != RecordType.KEY:
            failures.append(entry.failure("format", "keys.jsonl holds key records only."))
            continue
        introduced = PublicKey(
            key_id(bytes.fromhex(record["public_key"])), device, bytes.fromhex(record["public_key"])
        )
        if current is None:
            if (
                entry.seq != 0
                or record["prev"] is not None
                or not (introduced.key_id == record["key"] == device)
            ):
                failures.append(
                    entry.failure(
                        "genesis",
                        f"The key chain of device {device[:12]} must start with its genesis: seq "
                        "0, a key record that introduces its own key, whose id is the device id.",
                    )
                )
                continue
            signer = introduced
        elif record["key"] != current.key_id:
            failures.append(
                entry.failure(
                    "key",
                    f"The key record is signed by key {record['key'][:12]}, not by the key the "
                    f"device's key record before it introduced ({current.key_id[:12]}).",
                )
            )
            continue
        else:
            signer = current
        if not _signed_by(entry, signer):
            failures.append(
                entry.failure("signature", "The key record's signature does not verify.")
            )
            continue
        if record["signed_at"] < last_signed:
            failures.append(
                entry.failure("time", "The key record was signed before the one before it.")
            )
            continue
        last_signed = record["signed_at"]
        current = introduced
        chain.keys[introduced.key_id] = introduced
        chain.introductions.append((entry.seq, introduced.key_id))
        chain.records[entry.seq] = entry
    return chain, failures


def _signed_by(entry: Entry, key: PublicKey) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(entry.signature, entry.data)
    except (InvalidSignature, ValueError):
        return False
    return True
