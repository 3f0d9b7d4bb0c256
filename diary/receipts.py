"""Receipts: what a marketplace signs for each record it accepts, and how anyone checks one
(docs/protocol.md, "Receipts")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .canonical import Json, canonical, key_id
from .entries import Entry
from .failures import Failure
from .keychain import KeyChain
from .schema import CONTRACT, HASH, SIGNATURE, Check, problems
from .times import is_timestamp, timestamp

#: The receipt format; a verifier refuses receipts of a format it does not know.
RECEIPT_FORMAT = "workdiary-receipt/1"


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value <= 2**53 - 1


RECEIPT_FIELDS: dict[str, Check] = {
    "format": lambda v: v == RECEIPT_FORMAT,
    "marketplace": HASH,
    "record": HASH,
    "device": HASH,
    "seq": _count,
    "contract": lambda v: v is None or CONTRACT(v),
    "received_at": is_timestamp,
}

#: The members of a receipt entry (a line of receipts.jsonl, or an item of an upload's answer).
ENTRY_MEMBERS = frozenset({"receipt", "signature"})


@dataclass(frozen=True)
class MarketplaceKey:
    """A marketplace's receipt key: its id (the SHA-256 of the raw public key) and the key."""

    key_id: str
    public_key: bytes

    @classmethod
    def from_public(cls, public_key: bytes) -> MarketplaceKey:
        return cls(key_id(public_key), public_key)

    @classmethod
    def from_json(cls, value: Any) -> MarketplaceKey:
        """From ``{"algorithm": "Ed25519", "key_id": ..., "public_key": ...}``; ValueError when
        it is not that, or the id is not the key's."""
        if type(value) is not dict or not HASH(value.get("key_id")):
            raise ValueError("a marketplace key is an object with a key_id and a public_key")
        if value.get("algorithm") != "Ed25519":
            raise ValueError("the algorithm is not Ed25519")
        if not HASH(value.get("public_key")):
            raise ValueError("a public key is 64 lowercase hex characters")
        public = bytes.fromhex(value["public_key"])
        if key_id(public) != value["key_id"]:
            raise ValueError("the key_id is not the SHA-256 of the public key")
        return cls(value["key_id"], public)

    def to_json(self) -> Json:
        return {"algorithm": "Ed25519", "key_id": self.key_id, "public_key": self.public_key.hex()}


@dataclass(frozen=True)
class Receipt:
    """A signed receipt: its fields, their canonical bytes, and the marketplace's signature."""

    fields: Json
    data: bytes
    signature: bytes

    @property
    def at(self) -> tuple[str, int]:
        return str(self.fields["device"]), int(self.fields["seq"])

    @property
    def record(self) -> str:
        return str(self.fields["record"])

    @property
    def received_at(self) -> str:
        return str(self.fields["received_at"])

    def to_json(self) -> Json:
        return {"receipt": self.fields, "signature": self.signature.hex()}


def receipt_fields(marketplace: str, entry: Entry, received_at: datetime) -> Json:
    """What a marketplace signs when it accepts ``entry``: the record's hash, device, seq and
    contract, its own key id, and when it received the record."""
    return {
        "format": RECEIPT_FORMAT,
        "marketplace": marketplace,
        "record": entry.hash,
        "device": entry.device,
        "seq": entry.seq,
        "contract": entry.record["contract"],
        "received_at": timestamp(received_at),
    }


def read_receipt(value: Any) -> Receipt:
    """A receipt from a parsed entry ``{"receipt": {...}, "signature": "..."}``; ValueError
    saying why it is none."""
    if type(value) is not dict or value.keys() != ENTRY_MEMBERS:
        raise ValueError("a receipt entry is an object with exactly a receipt and a signature")
    wrong = problems(value["receipt"], RECEIPT_FIELDS)
    if wrong:
        raise ValueError(f"the receipt is malformed: {'; '.join(wrong)}")
    if not SIGNATURE(value["signature"]):
        raise ValueError("the signature is not 128 lowercase hex characters")
    fields = value["receipt"]
    return Receipt(fields, canonical(fields, plain=True), bytes.fromhex(value["signature"]))


def signed_by(receipt: Receipt, key: MarketplaceKey) -> bool:
    """Whether the receipt names ``key`` and its signature verifies with it."""
    if receipt.fields["marketplace"] != key.key_id:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(receipt.signature, receipt.data)
    except (InvalidSignature, ValueError):
        return False
    return True


def mismatch(receipt: Receipt, entry: Entry) -> str | None:
    """Why the receipt does not name exactly this record (same device and seq), or None."""
    if receipt.record != entry.hash:
        return (
            f"the receipt names record {receipt.record[:12]} at this seq, but the record here "
            f"hashes to {entry.hash[:12]}"
        )
    if receipt.fields["contract"] != entry.record["contract"]:
        return "the receipt names another contract than the record"
    return None


def check_receipts(
    receipts: Iterable[Receipt | Failure],
    key: MarketplaceKey,
    records: Mapping[tuple[str, int], Entry],
    heads: Mapping[str, int],
) -> tuple[list[Failure], dict[tuple[str, int], Receipt]]:
    """Check a bundle's receipts against its marketplace's key and its records (docs/protocol.md,
    "Receipts in a bundle"): each is signed by that key, names a device the bundle holds, and
    names exactly the record at its device and seq when the bundle holds that record; one that
    names a seq after the device's head shows that records were cut off the end (`truncated`).
    Returns the failures and the receipts that verified, by the (device, seq) they name."""
    failures: list[Failure] = []
    verified: dict[tuple[str, int], Receipt] = {}
    for item in receipts:
        if isinstance(item, Failure):
            failures.append(item)
            continue
        device, seq = item.at
        if not signed_by(item, key):
            failures.append(
                Failure(
                    "receipt",
                    f"The receipt for seq {seq} is not signed by the bundle's marketplace key "
                    f"{key.key_id[:16]}.",
                    None,
                    device,
                    seq,
                )
            )
            continue
        if device not in heads:
            failures.append(
                Failure(
                    "receipt",
                    f"The receipt names device {device[:12]}, which the bundle does not hold.",
                )
            )
            continue
        if seq > heads[device]:
            failures.append(
                Failure(
                    "truncated",
                    f"The marketplace received seq {seq} of this device at {item.received_at}, "
                    f"but the bundle ends at seq {heads[device]}: records were cut off the end.",
                    None,
                    device,
                    heads[device],
                )
            )
            continue
        entry = records.get((device, seq))
        if entry is None:
            continue  # before the bundle's stretch of the chain: nothing to compare it with
        wrong = mismatch(item, entry)
        if wrong is not None:
            failures.append(entry.failure("receipt", f"The receipt does not fit: {wrong}."))
            continue
        verified.setdefault((device, seq), item)
    return failures, verified


def vouching(
    chain: KeyChain,
    head: int,
    key: MarketplaceKey | None,
    verified: Mapping[tuple[str, int], Receipt],
) -> list[Json]:
    """Each key a device's key chain introduces up to its head, and whether a marketplace vouched
    for it: the bundle's marketplace (``key``) receipted exactly the key record that introduces
    it (``verified``: the receipts that passed, by device and seq). The receipt of the genesis is
    the device's enrollment, that of a later key record the rotation's; a key without one is
    self-issued as far as the bundle shows (docs/protocol.md, "Keys a marketplace vouched for")."""
    keys: list[Json] = []
    for seq, kid in chain.introductions:
        if seq > head:
            break
        receipt = verified.get((chain.device, seq))
        if key is None or receipt is None or receipt.record != chain.records[seq].hash:
            keys.append({"key": kid, "seq": seq, "vouched_by": None, "received_at": None})
        else:
            keys.append(
                {
                    "key": kid,
                    "seq": seq,
                    "vouched_by": key.key_id,
                    "received_at": receipt.received_at,
                }
            )
    return keys
