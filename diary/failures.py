"""What does not verify: a failure's code, the record it concerns, and why (docs/protocol.md)."""

from __future__ import annotations

from dataclasses import dataclass

from .canonical import Json

#: Every check code, with what it checks, in the order docs/protocol.md lists them.
CODES: dict[str, str] = {
    "format": "each line is a record entry; records and details have exactly their fields",
    "unknown-key": "the signing key is listed in keys.json, under its right id",
    "signature": "the signature verifies over the record's canonical bytes",
    "hash": "a line's hash, when given, is the record's hash",
    "device": "the record's device is listed in the manifest",
    "order": "a device's lines appear in increasing seq",
    "duplicate": "no seq twice in a device; no segment twice",
    "gap": "a device's seq numbers are contiguous",
    "link": "each record's prev is the hash of the record before it",
    "genesis": "seq 0 is a key record that introduces its own key",
    "key": "each record is signed by its device's current key",
    "time": "signing times never decrease; records are signed after what they record",
    "edge": "a device's first record is seq 0 or signed before the period",
    "head": "a device's last record is the head the manifest names",
    "alignment": "a segment lies inside one 10-minute slot",
    "overlap": "no two segments share a second",
    "details-missing": "in-scope records carry their details",
    "details": "details hash to the record's details field",
    "minutes": "a tracked segment lists exactly the minutes it covers",
    "active-minutes": "active_minutes counts the active minutes",
    "screenshot": "screenshots lie in their segment; their files hash to their names",
    "screenshot-missing": "the screenshot files of in-scope segments that count are present",
    "amendment": "an amendment fits its segment and uses only its kind's fields",
    "receipt": "each receipt is signed by the marketplace's key and names exactly its record",
    "truncated": "no receipt names a record after its device's head",
}


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

    def __post_init__(self) -> None:
        assert self.code in CODES, self.code

    @property
    def at(self) -> tuple[str, int] | None:
        """The (device, seq) of the record it concerns, if it concerns one."""
        if self.device is None or self.seq is None:
            return None
        return self.device, self.seq

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
