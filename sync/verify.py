"""Verify a bundle: signatures, hashes, chain links, screenshots and segment rules; sum the hours.

Needs no keyring, no display and no database: only the bundle (docs/protocol.md).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .bundle import KEYS
from .bundle_reader import Bundle, open_bundle
from .protocol import (
    KEY,
    SEGMENT,
    Json,
    canonical,
    key_id,
    parse_json,
    parse_timestamp,
    sha256_hex,
)
from .rules import check_diary
from .schema import record_problems


@dataclass(frozen=True)
class Failure:
    """One thing that does not verify: a stable code, the record it concerns, and why."""

    code: str
    reason: str
    line: int | None = None
    device: str | None = None
    seq: int | None = None
    record: str | None = None
    #: What the record is, for people: "segment 2026-11-25 10:10:00-10:20:00, contract 1".
    what: str | None = None

    def where(self) -> str:
        parts = []
        if self.device is not None and self.seq is not None:
            parts.append(f"device {self.device[:12]} seq {self.seq}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.what:
            parts.append(self.what)
        return ", ".join(parts) or "bundle"

    def to_json(self) -> Json:
        return {
            "code": self.code,
            "reason": self.reason,
            "line": self.line,
            "device": self.device,
            "seq": self.seq,
            "record": self.record,
            "what": self.what,
        }


@dataclass
class Entry:
    """One line of records.jsonl, with what the verifier computed from it."""

    line: int
    record: Json
    data: bytes
    hash: str
    claimed_hash: Any
    signature: bytes
    details: Json | None
    signature_ok: bool = False

    @property
    def device(self) -> str:
        return str(self.record["device"])

    @property
    def seq(self) -> int:
        return int(self.record["seq"])

    @property
    def type(self) -> str:
        return str(self.record["type"])

    def failure(self, code: str, reason: str) -> Failure:
        return Failure(
            code, reason, self.line, self.device, self.seq, str(self.record["id"]), self.what
        )

    @property
    def what(self) -> str:
        record = self.record
        if self.type == "segment":
            day, start, end = record["start"][:10], record["start"][11:19], record["end"][11:19]
            return f"segment {day} {start}-{end} UTC, contract {record['contract']}"
        if self.type == "amendment":
            return f"{record['kind']} of segment {record['segment'][:8]}, contract {record['contract']}"
        return "key record"


@dataclass
class Verdict:
    """The outcome: every failure, and the hours of the segments that verified."""

    path: Path
    manifest: Json
    records: int = 0
    screenshots: int = 0
    devices: list[Json] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    #: Billable seconds by (contract, UTC day "YYYY-MM-DD"), from segments that verified.
    seconds: dict[tuple[str, str], int] = field(default_factory=dict)
    unverified_segments: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


def verify_bundle(path: Path) -> Verdict:
    with open_bundle(path) as bundle:
        verdict = Verdict(path, bundle.manifest)
        failures = verdict.failures
        failures += _check_keys(bundle)
        entries = _parse_lines(bundle, failures)
        verdict.records = len(entries)
        for entry in entries:
            _check_signature(bundle, entry, failures)
        by_device: dict[str, list[Entry]] = defaultdict(list)
        for entry in entries:
            by_device[entry.device].append(entry)
        listed = {d["device"]: d for d in bundle.manifest["devices"]}
        for device, chain in by_device.items():
            failures += _check_chain(bundle, device, chain, listed.get(device))
            verdict.devices.append(_device_summary(device, chain))
        for device in listed.keys() - by_device.keys():
            failures.append(
                Failure(
                    "head",
                    f"The manifest lists device {device[:12]}, but none of its records are here.",
                )
            )
        outcome = check_diary(entries, bundle, list(failures))
        failures += outcome.failures
        verdict.seconds = outcome.seconds
        verdict.screenshots = outcome.screenshots
        verdict.unverified_segments = outcome.unverified_segments
    return verdict


def _check_keys(bundle: Bundle) -> list[Failure]:
    return [
        Failure(
            "unknown-key",
            f"{KEYS} lists key {kid[:12]} with a public key whose SHA-256 is "
            f"{key_id(public)[:12]}: a key's id must be the SHA-256 of its public key.",
        )
        for kid, public in bundle.keys.items()
        if key_id(public) != kid
    ]


# Records -----------------------------------------------------------------------------------


def _parse_lines(bundle: Bundle, failures: list[Failure]) -> list[Entry]:
    entries = []
    for number, raw in enumerate(bundle.lines, start=1):
        if not raw.strip():
            continue
        try:
            line = parse_json(raw)
            record, signature = line["record"], bytes.fromhex(line["signature"])
        except (ValueError, KeyError, TypeError) as error:
            failures.append(Failure("format", f"The line is not a record entry ({error}).", number))
            continue
        wrong = record_problems(record)
        if wrong:
            failures.append(
                Failure("format", f"The record is malformed: {'; '.join(wrong)}.", number)
            )
            continue
        try:
            data = canonical(record, plain=True)
        except Exception as error:  # rfc8785 refuses numbers beyond 2**53 and the like
            failures.append(
                Failure("format", f"The record has no canonical form ({error}).", number)
            )
            continue
        details = line.get("details")
        entries.append(
            Entry(
                line=number,
                record=record,
                data=data,
                hash=sha256_hex(data),
                claimed_hash=line.get("hash"),
                signature=signature,
                details=details if isinstance(details, dict) else None,
            )
        )
    return entries


def _check_signature(bundle: Bundle, entry: Entry, failures: list[Failure]) -> None:
    kid = entry.record["key"]
    public = bundle.keys.get(kid)
    if public is None:
        failures.append(
            entry.failure(
                "unknown-key",
                f"The record is signed by key {kid[:12]}, which the bundle's {KEYS} does not list.",
            )
        )
        return
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(entry.signature, entry.data)
    except (InvalidSignature, ValueError):
        changed = entry.claimed_hash is not None and entry.claimed_hash != entry.hash
        failures.append(
            entry.failure(
                "signature",
                "The signature does not verify: the record was changed after it was signed"
                + (
                    " (its content no longer matches its hash)."
                    if changed
                    else ", or signed by another key."
                ),
            )
        )
        return
    entry.signature_ok = True
    if entry.claimed_hash is not None and entry.claimed_hash != entry.hash:
        failures.append(
            entry.failure(
                "hash",
                f"The line says the record's hash is {entry.claimed_hash!r}, but it is {entry.hash}.",
            )
        )


def _check_chain(
    bundle: Bundle, device: str, entries: list[Entry], listed: Json | None
) -> list[Failure]:
    """Order, duplicates, gaps, links, keys, signing times, and the chain's two edges."""
    failures: list[Failure] = []
    if listed is None:
        return [
            e.failure(
                "device",
                f"The record is from device {device[:12]}, which this bundle's manifest does not list "
                "(a record of another device spliced in?).",
            )
            for e in entries
        ]
    for before, after in itertools.pairwise(entries):
        if after.seq < before.seq:
            failures.append(
                after.failure(
                    "order",
                    f"Seq {after.seq} comes after seq {before.seq}: the records are out of order.",
                )
            )
            break
    chain: list[Entry] = []
    for entry in sorted(entries, key=lambda e: e.seq):
        if chain and entry.seq == chain[-1].seq:
            same = entry.hash == chain[-1].hash
            failures.append(
                entry.failure(
                    "duplicate",
                    f"Seq {entry.seq} appears twice"
                    + (" (the same record duplicated)." if same else " with different content."),
                )
            )
            continue
        chain.append(entry)
    failures += _check_links(device, chain)
    failures += _check_edges(bundle, device, chain, listed)
    return failures


def _check_links(device: str, chain: list[Entry]) -> list[Failure]:
    failures: list[Failure] = []
    current_key: str | None = None
    for index, entry in enumerate(chain):
        record = entry.record
        before = chain[index - 1] if index else None
        if before is not None and entry.seq != before.seq + 1:
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
        elif before is not None and record["prev"] != before.hash:
            failures.append(
                entry.failure(
                    "link",
                    f"The record does not link to seq {before.seq}: its prev is {str(record['prev'])[:12]}, "
                    f"but seq {before.seq} hashes to {before.hash[:12]}.",
                )
            )
        if before is not None and parse_timestamp(record["signed_at"]) < parse_timestamp(
            before.record["signed_at"]
        ):
            failures.append(
                entry.failure("time", "The record was signed earlier than the record before it.")
            )
        if current_key is None:
            current_key = _first_key(entry, device, failures)
        elif record["key"] != current_key:
            failures.append(
                entry.failure(
                    "key",
                    f"The record is signed by key {record['key'][:12]}, but device {device[:12]} signs "
                    f"with key {current_key[:12]} at this point (a record of another key spliced in?).",
                )
            )
        elif entry.type == KEY and entry.signature_ok:
            current_key = key_id(bytes.fromhex(record["public_key"]))
        if entry.type == KEY and record["contract"] is not None:
            failures.append(entry.failure("format", "A key record names no contract."))
    return failures


def _first_key(entry: Entry, device: str, failures: list[Failure]) -> str:
    record = entry.record
    if entry.seq == 0:
        introduced = key_id(bytes.fromhex(record["public_key"])) if entry.type == KEY else None
        if record["prev"] is not None or introduced != record["key"] or record["key"] != device:
            failures.append(
                entry.failure(
                    "genesis",
                    "Seq 0 must be a key record that introduces its own signing key, whose id is the "
                    "device id, with prev null.",
                )
            )
    return str(record["key"])


def _check_edges(bundle: Bundle, device: str, chain: list[Entry], listed: Json) -> list[Failure]:
    failures: list[Failure] = []
    if not chain:
        return failures
    first, last = chain[0], chain[-1]
    start = bundle.period[0]
    if first.seq != 0 and parse_timestamp(first.record["signed_at"]) >= start:
        failures.append(
            first.failure(
                "edge",
                f"The chain of device {device[:12]} starts at seq {first.seq}, signed after the week "
                "began: the record before it is needed to show no record of the week was left out.",
            )
        )
    head = listed["head"]
    if last.seq != head["seq"] or last.hash != head["hash"]:
        failures.append(
            last.failure(
                "head",
                f"The chain ends at seq {last.seq}, but the manifest says its head is seq "
                f"{head['seq']} ({head['hash'][:12]}): records at the end are missing or changed.",
            )
        )
    if bundle.key_devices.get(first.record["key"], device) != device:
        failures.append(
            first.failure("key", "The signing key belongs to another device in keys.json.")
        )
    return failures


def _device_summary(device: str, chain: list[Entry]) -> Json:
    seqs = [e.seq for e in chain]
    return {
        "device": device,
        "keys": sorted({e.record["key"] for e in chain}),
        "first_seq": min(seqs),
        "last_seq": max(seqs),
        "segments": sum(1 for e in chain if e.type == SEGMENT),
    }
