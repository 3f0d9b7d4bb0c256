"""Signed records as they travel: one entry a record, read from a line of records.jsonl (or
from an upload), with the canonical bytes and hash the verifier computed for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .canonical import MAX_INTEGER, Json, canonical, parse_json, sha256_hex
from .failures import Failure
from .records import RecordType
from .schema import HASH, SIGNATURE, record_problems

#: The members a line may have; record and signature are required.
LINE_MEMBERS = frozenset({"record", "signature", "hash", "details"})


@dataclass
class Entry:
    """One signed record: the record, its canonical bytes and hash, its signature and details."""

    record: Json
    data: bytes
    hash: str
    signature: bytes
    details: Json | None = None
    #: The hash the line claims (any JSON value), or None when it claims none.
    claimed_hash: Any = None
    line: int | None = None
    signature_ok: bool = False
    #: The details' canonical bytes, once ``check_details`` has computed them.
    details_data: bytes | None = None

    @property
    def device(self) -> str:
        return str(self.record["device"])

    @property
    def seq(self) -> int:
        return int(self.record["seq"])

    @property
    def at(self) -> tuple[str, int]:
        return self.device, self.seq

    @property
    def type(self) -> str:
        return str(self.record["type"])

    @property
    def id(self) -> str:
        return str(self.record["id"])

    def failure(self, code: str, reason: str) -> Failure:
        return Failure(code, reason, self.line, self.device, self.seq, self.id, self.what)

    @property
    def what(self) -> str:
        record = self.record
        if self.type == RecordType.SEGMENT:
            day, start, end = record["start"][:10], record["start"][11:19], record["end"][11:19]
            return f"segment {day} {start}-{end} UTC, contract {record['contract']}"
        if self.type == RecordType.AMENDMENT:
            return f"{record['kind']} of segment {record['segment'][:8]}, contract {record['contract']}"
        return "key record"


def read_entry(line: Any, number: int | None = None) -> Entry | Failure:
    """An entry from a parsed line ``{"record", "signature"[, "hash"][, "details"]}``, or the
    `format` failure that says why it is none (a malformed line takes no further part)."""
    if type(line) is not dict or not line.keys() >= {"record", "signature"}:
        return _malformed(line, number, "it is not an object with a record and a signature")
    unknown = sorted(line.keys() - LINE_MEMBERS)
    if unknown:
        return _malformed(line, number, f"unknown member(s) {', '.join(unknown)[:80]}")
    record, signature, details = line["record"], line["signature"], line.get("details")
    wrong = record_problems(record)
    if wrong:
        return _malformed(line, number, f"the record is malformed: {'; '.join(wrong)}")
    if not SIGNATURE(signature):
        return _malformed(line, number, "the signature is not 128 lowercase hex characters")
    if "details" in line and (type(details) is not dict or record["type"] == RecordType.KEY):
        return _malformed(
            line, number, "details are an object, and only segments and amendments have them"
        )
    try:
        data = canonical(record, plain=True)
    except ValueError as error:
        return _malformed(line, number, f"the record has no canonical form ({error})")
    return Entry(
        record=record,
        data=data,
        hash=sha256_hex(data),
        signature=bytes.fromhex(signature),
        details=details,
        claimed_hash=line.get("hash"),
        line=number,
    )


def read_line(raw: bytes, number: int) -> Entry | Failure:
    """One line of records.jsonl (without its LF): UTF-8 JSON text holding one entry."""
    if not raw.strip():
        return Failure("format", "The line is empty: every line holds one record entry.", number)
    try:
        line = parse_json(raw)
    except ValueError as error:
        return Failure("format", f"The line is not a record entry ({str(error)[:120]}).", number)
    return read_entry(line, number)


def _malformed(line: Any, number: int | None, why: str) -> Failure:
    """A format failure, placed at the record's device and seq when those are readable."""
    record = line.get("record") if type(line) is dict else None
    device = seq = None
    if type(record) is dict:
        if HASH(record.get("device")):
            device = record["device"]
        if type(record.get("seq")) is int and 0 <= record["seq"] <= MAX_INTEGER:
            seq = record["seq"]
    if device is None:
        seq = None
    return Failure("format", f"The line is not a valid record entry: {why}.", number, device, seq)
