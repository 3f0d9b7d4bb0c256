"""Writing bundles (docs/protocol.md, "Bundles"): which records and details a period's bundle
holds, its manifest, and the zip. Used by the device's export and by the marketplace."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from .bundle import BUNDLE_FORMAT, ContractName
from .canonical import Json
from .members import KEYS, MANIFEST, MARKETPLACE, RECEIPTS, RECORDS, screenshot_member
from .records import DELETING, RecordType
from .times import WEEK, timestamp
from .verify import Scope


@dataclass(frozen=True)
class SignedRecord:
    """A signed record as a bundle carries it: the record, its hash and signature, and its
    details (None when they are not known or not to be shown)."""

    record: Json
    hash: str
    signature: bytes
    details: Json | None = None

    @property
    def seq(self) -> int:
        return int(self.record["seq"])


def week_label(start: datetime) -> str:
    """The ISO name of the week that starts at ``start``: 2026-W48."""
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def record_line(signed: SignedRecord, details: Json | None = None) -> str:
    """A record entry: one line of records.jsonl or keys.jsonl."""
    line: dict[str, Any] = {
        "record": signed.record,
        "hash": signed.hash,
        "signature": signed.signature.hex(),
    }
    if details is not None:
        line["details"] = details
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def receipt_line(data: bytes, signature: bytes) -> str:
    """A receipt entry: one line of receipts.jsonl. ``data`` are the receipt's canonical bytes,
    written as the marketplace signed them rather than serialised again."""
    return '{"receipt":' + data.decode("utf-8") + ',"signature":"' + signature.hex() + '"}'


@dataclass
class Stretch:
    """What one device contributes to a bundle: its lines, and the in-scope segments that
    still count (whose screenshot files travel with the bundle)."""

    lines: list[str]
    in_scope: int
    counting: list[SignedRecord]


def device_stretch(chain: Sequence[SignedRecord], scope: Scope) -> Stretch:
    """One line a record of ``chain`` (the device's records from the last one signed before
    the period to its head); details only for the records of the period (and contract)."""
    in_scope = {s.record["segment"] for s in chain if scope.holds(s.record)}
    deleted = {
        s.record["segment"]
        for s in chain
        if s.record["type"] == RecordType.AMENDMENT
        and s.record["segment"] in in_scope
        and s.record["kind"] in DELETING
    }
    stretch = Stretch([], 0, [])
    for signed in chain:
        record = signed.record
        details = None
        if record["type"] != RecordType.KEY and record["segment"] in in_scope and signed.details:
            details = signed.details
            stretch.in_scope += 1
            if record["type"] == RecordType.SEGMENT and record["segment"] not in deleted:
                stretch.counting.append(signed)
        stretch.lines.append(record_line(signed, details))
    return stretch


def manifest(
    scope: Scope,
    devices: Iterable[Json],
    created_at: datetime,
    created_by: str,
    names: Mapping[str, ContractName] | None = None,
) -> Json:
    """The manifest of a bundle of ``scope``; ``devices`` as ``device_entry`` makes them; and
    the contracts' ``names`` (title and client, by contract id) as the maker knows them."""
    found: Json = {
        "format": BUNDLE_FORMAT,
        "week": week_label(scope.start) if scope.end == scope.start + WEEK else None,
        "period": {"start": timestamp(scope.start), "end": timestamp(scope.end)},
        "contract": scope.contract,
        "created_at": timestamp(created_at),
        "created_by": created_by,
        "devices": list(devices),
    }
    if names is not None:
        found["contracts"] = {c: names[c].to_json() for c in sorted(names)}
    return found


def device_entry(chain: Sequence[SignedRecord]) -> Json:
    return {
        "device": chain[0].record["device"],
        "first_seq": chain[0].seq,
        "head": {"seq": chain[-1].seq, "hash": chain[-1].hash},
    }


def screenshot_hashes(segment: SignedRecord) -> list[str]:
    """The screenshot files a segment's details name."""
    shots = (segment.details or {}).get("screenshots") or []
    return [s["sha256"] for s in shots if s.get("sha256")]


def write_bundle(
    file: IO[bytes],
    manifest: Json,
    key_lines: Sequence[str],
    lines: Sequence[str],
    screenshots: Mapping[str, Callable[[], IO[bytes]]],
    receipts: Sequence[str] | None = None,
    marketplace: Json | None = None,
) -> None:
    """Write the zip to ``file``: the manifest, the key chains, the records, then each
    screenshot file (opened by its callable) stored as it is (JPEGs do not compress), and a
    marketplace's receipts and receipt key when given."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
        bundle.writestr(KEYS, "".join(line + "\n" for line in key_lines))
        bundle.writestr(RECORDS, "".join(line + "\n" for line in lines))
        if receipts is not None and marketplace is not None:
            bundle.writestr(MARKETPLACE, json.dumps(marketplace, indent=2) + "\n")
            bundle.writestr(RECEIPTS, "".join(line + "\n" for line in receipts))
        for sha256, opener in sorted(screenshots.items()):
            info = zipfile.ZipInfo(screenshot_member(sha256), date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            with opener() as source, bundle.open(info, "w") as target:
                shutil.copyfileobj(source, target, 1 << 20)
