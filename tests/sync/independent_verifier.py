"""A second verifier, written from docs/protocol.md alone: its own canonical JSON, PyNaCl for Ed25519.

It shares no code with sync/ (not even the JSON encoder), so when both agree on the published
vectors, the document and the bytes agree.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")


# Canonical JSON, from the document's "Canonical bytes" section ---------------------------------

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def encode(value: Any) -> bytes:
    return _encode(value).encode("utf-8")


def _encode(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if not 0 <= value <= 2**53 - 1:
            raise ValueError("integer out of range")
        return str(value)
    if isinstance(value, str):
        out = []
        for char in value:
            if char in _ESCAPES:
                out.append(_ESCAPES[char])
            elif ord(char) < 0x20:
                out.append(f"\\u{ord(char):04x}")
            else:
                out.append(char)
        return '"' + "".join(out) + '"'
    if isinstance(value, list):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if isinstance(value, dict):
        names = sorted(value, key=lambda name: name.encode("utf-16-be"))
        return "{" + ",".join(_encode(n) + ":" + _encode(value[n]) for n in names) + "}"
    raise ValueError(f"not allowed in a record: {type(value).__name__}")


def strict_json(text: bytes | str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            raise ValueError("duplicate member name")
        return dict(pairs)

    def refuse(text: str) -> Any:
        raise ValueError(f"not an integer: {text}")

    return json.loads(
        text, object_pairs_hook=no_duplicates, parse_float=refuse, parse_constant=refuse
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# Record fields, from the document's tables --------------------------------------------------------


def _is_time(v: Any) -> bool:
    return isinstance(v, str) and bool(TIME.match(v))


def _is_int(v: Any) -> bool:
    return type(v) is int and 0 <= v <= 2**53 - 1


def _hex(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and bool(pattern.match(v))


def _or_null(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or check(v)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


COMMON = {
    "format": lambda v: v == "workdiary/1",
    "type": lambda v: v in ("key", "segment", "amendment"),
    "id": _hex(HEX32),
    "device": _hex(HEX64),
    "key": _hex(HEX64),
    "seq": _is_int,
    "prev": _or_null(_hex(HEX64)),
    "signed_at": _is_time,
    "contract": _or_null(_is_str),
}
FIELDS = {
    "key": COMMON | {"public_key": _hex(HEX64)},
    "segment": COMMON
    | {
        "segment": _hex(HEX32),
        "state": lambda v: v in ("tracked", "manual"),
        "start": _is_time,
        "end": _is_time,
        "details": _hex(HEX64),
    },
    "amendment": COMMON
    | {
        "segment": _hex(HEX32),
        "kind": lambda v: (
            v in ("memo", "delete-segment", "delete-screenshot", "idle-discard", "over-limit")
        ),
        "made_at": _is_time,
        "start": _or_null(_is_time),
        "end": _or_null(_is_time),
        "screenshot": _or_null(_hex(HEX64)),
        "details": _hex(HEX64),
    },
}
MINUTE = {
    "start": _is_time,
    **{n: _is_int for n in ("keys", "clicks", "scrolls", "moves", "injected")},
    "unavailable": _or_null(_is_str),
}
SHOT = {
    "taken_at": _is_time,
    "sha256": _or_null(_hex(HEX64)),
    "missing": _or_null(_is_str),
    "blurred": lambda v: isinstance(v, bool),
}
DETAILS = {
    "segment": {
        "memo": _is_str,
        "minutes": lambda v: isinstance(v, list) and all(_fits(m, MINUTE) for m in v),
        "active_minutes": _is_int,
        "screenshots": lambda v: isinstance(v, list) and all(_fits(s, SHOT) for s in v),
        "close_reason": _or_null(_is_str),
    },
    "amendment": {"memo": _or_null(_is_str), "reason": _or_null(_is_str)},
}


def _fits(obj: Any, fields: dict[str, Callable[[Any], bool]]) -> bool:
    return (
        isinstance(obj, dict)
        and set(obj) == set(fields)
        and all(c(obj[n]) for n, c in fields.items())
    )


# The verifier ------------------------------------------------------------------------------------


class Reader:
    """A bundle as a zip file or as a directory of the same members."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, name: str) -> bytes | None:
        if self.path.is_dir():
            member = self.path / name
            return member.read_bytes() if member.is_file() else None
        with zipfile.ZipFile(self.path) as archive:
            try:
                return archive.read(name)
            except KeyError:
                return None


def verify(path: Path) -> dict[str, Any]:
    """{"ok", "failures": [(seq, code)], "hours": {"contract day": seconds}}."""
    bundle = Reader(path)
    manifest = strict_json(bundle.read("manifest.json") or b"")
    keys = {
        k["key"]: (bytes.fromhex(k["public_key"]), k["device"])
        for k in strict_json(bundle.read("keys.json") or b"")["keys"]
    }
    failures: set[tuple[int, str]] = set()
    lines = []
    for raw in (bundle.read("records.jsonl") or b"").splitlines():
        line = strict_json(raw)
        record = line["record"]
        if not (
            isinstance(record, dict)
            and record.get("type") in FIELDS
            and _fits(record, FIELDS[record["type"]])
        ):
            failures.add((-1, "format"))
            continue
        data = encode(record)
        line["_hash"], line["_ok"] = sha(data), False
        public = keys.get(record["key"])
        if public is None or sha(public[0]) != record["key"]:
            failures.add((record["seq"], "unknown-key"))
        else:
            try:
                nacl.signing.VerifyKey(public[0]).verify(data, bytes.fromhex(line["signature"]))
                line["_ok"] = True
            except nacl.exceptions.BadSignatureError:
                failures.add((record["seq"], "signature"))
        if line["_ok"] and "hash" in line and line["hash"] != line["_hash"]:
            failures.add((record["seq"], "hash"))
        lines.append(line)

    listed = {d["device"]: d for d in manifest["devices"]}
    start, end = when(manifest["period"]["start"]), when(manifest["period"]["end"])
    chains: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        chains.setdefault(line["record"]["device"], []).append(line)
    kept: list[dict[str, Any]] = []
    for device, chain in chains.items():
        if device not in listed:
            failures.update((line["record"]["seq"], "device") for line in chain)
            continue
        seqs = [line["record"]["seq"] for line in chain]
        for i in range(1, len(seqs)):
            if seqs[i] < seqs[i - 1]:
                failures.add((seqs[i], "order"))
                break
        first: dict[int, dict[str, Any]] = {}
        for line in chain:
            seq = line["record"]["seq"]
            if seq in first:
                failures.add((seq, "duplicate"))
            else:
                first[seq] = line
        ordered = [first[s] for s in sorted(first)]
        kept += ordered
        failures |= _chain(device, ordered, keys, start)
        head = listed[device]["head"]
        if ordered[-1]["record"]["seq"] != head["seq"] or ordered[-1]["_hash"] != head["hash"]:
            failures.add((ordered[-1]["record"]["seq"], "head"))
    hours = _diary(kept, manifest, start, end, bundle, failures)
    return {"ok": not failures, "failures": sorted(failures), "hours": hours}


def _chain(
    device: str, chain: list[dict[str, Any]], keys: dict[str, tuple[bytes, str]], start: datetime
) -> set[tuple[int, str]]:
    failures: set[tuple[int, str]] = set()
    head = chain[0]["record"]
    if head["seq"] == 0:
        if (
            head["type"] != "key"
            or head["prev"] is not None
            or not sha(bytes.fromhex(head["public_key"])) == head["key"] == device
        ):
            failures.add((0, "genesis"))
    elif when(head["signed_at"]) >= start:
        failures.add((head["seq"], "edge"))
    if keys.get(head["key"], (b"", device))[1] != device:
        failures.add((head["seq"], "key"))
    current = head["key"]
    for i, line in enumerate(chain):
        record = line["record"]
        if i:
            before = chain[i - 1]
            if record["seq"] != before["record"]["seq"] + 1:
                failures.add((record["seq"], "gap"))
            elif record["prev"] != before["_hash"]:
                failures.add((record["seq"], "link"))
            if record["signed_at"] < before["record"]["signed_at"]:
                failures.add((record["seq"], "time"))
            if record["key"] != current:
                failures.add((record["seq"], "key"))
            elif record["type"] == "key" and line["_ok"]:
                current = sha(bytes.fromhex(record["public_key"]))
        if record["type"] == "key" and record["contract"] is not None:
            failures.add((record["seq"], "format"))
    return failures


def _diary(
    lines: list[dict[str, Any]],
    manifest: dict[str, Any],
    start: datetime,
    end: datetime,
    bundle: Reader,
    failures: set[tuple[int, str]],
) -> dict[str, int]:
    segments = [line for line in lines if line["record"]["type"] == "segment"]
    seen = set()
    for line in segments:
        r = line["record"]
        s, e = when(r["start"]), when(r["end"])
        slot = s.replace(minute=s.minute - s.minute % 10, second=0)
        if e < s or e > slot + timedelta(minutes=10):
            failures.add((r["seq"], "alignment"))
        elif r["signed_at"] < r["end"]:
            failures.add((r["seq"], "time"))
        if r["segment"] in seen:
            failures.add((r["seq"], "duplicate"))
        seen.add(r["segment"])
    for line in lines:
        r = line["record"]
        if r["type"] == "amendment" and r["made_at"] > r["signed_at"]:
            failures.add((r["seq"], "time"))
    by_start = sorted(segments, key=lambda line: (line["record"]["start"], line["record"]["end"]))
    reach = None
    for line in by_start:
        if reach is not None and line["record"]["start"] < reach:
            failures.add((line["record"]["seq"], "overlap"))
        reach = max(reach or "", line["record"]["end"])

    contract = manifest["contract"]
    scope = {
        line["record"]["segment"]: line
        for line in reversed(segments)
        if (contract is None or line["record"]["contract"] == contract)
        and start <= when(line["record"]["start"]) < end
    }
    changes: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        if line["record"]["type"] == "amendment" and line["record"]["segment"] in scope:
            changes.setdefault(line["record"]["segment"], []).append(line)
    for segment_id, line in scope.items():
        _segment_checks(line, changes.get(segment_id, []), bundle, failures)
    bad = {seq for seq, _ in failures}
    hours: dict[str, int] = {}
    for segment_id, line in scope.items():
        amendments = changes.get(segment_id, [])
        if line["record"]["seq"] in bad or any(a["record"]["seq"] in bad for a in amendments):
            continue
        key = f"{line['record']['contract']} {line['record']['start'][:10]}"
        hours[key] = hours.get(key, 0) + _billable(line, amendments)
    return hours


def _details_fine(line: dict[str, Any], failures: set[tuple[int, str]]) -> bool:
    r = line["record"]
    if "details" not in line:
        failures.add((r["seq"], "details-missing"))
        return False
    if sha(encode(line["details"])) != r["details"]:
        failures.add((r["seq"], "details"))
        return False
    if not _fits(line["details"], DETAILS[r["type"]]):
        failures.add((r["seq"], "format"))
        return False
    return True


def _segment_checks(
    line: dict[str, Any],
    amendments: list[dict[str, Any]],
    bundle: Reader,
    failures: set[tuple[int, str]],
) -> None:
    r = line["record"]
    s, e = when(r["start"]), when(r["end"])
    if _details_fine(line, failures):
        d = line["details"]
        starts = [when(m["start"]) for m in d["minutes"]]
        floor = s.replace(second=0)
        if starts != sorted(set(starts)) or any(m.second or not floor <= m < e for m in starts):
            failures.add((r["seq"], "minutes"))
        if d["active_minutes"] != sum(
            1 for m in d["minutes"] if m["keys"] + m["clicks"] + m["scrolls"] + m["moves"]
        ):
            failures.add((r["seq"], "active-minutes"))
        for shot in d["screenshots"]:
            if not s <= when(shot["taken_at"]) <= e or (shot["sha256"] is None) == (
                shot["missing"] is None
            ):
                failures.add((r["seq"], "screenshot"))
    for a in amendments:
        ar = a["record"]
        _details_fine(a, failures)
        if ar["contract"] != r["contract"] or ar["seq"] < r["seq"]:
            failures.add((ar["seq"], "amendment"))
        if ar["kind"] == "idle-discard" and (
            ar["start"] is None
            or ar["end"] is None
            or not s <= when(ar["start"]) < when(ar["end"]) <= e
        ):
            failures.add((ar["seq"], "amendment"))
        if (
            ar["kind"] == "delete-screenshot"
            and "details" in line
            and ar["screenshot"] not in {x["sha256"] for x in line["details"]["screenshots"]}
        ):
            failures.add((ar["seq"], "amendment"))
        if ar["kind"] == "memo" and "details" in a and not a["details"]["memo"]:
            failures.add((ar["seq"], "amendment"))
    deleted = any(
        a["record"]["kind"] in ("delete-segment", "delete-screenshot") for a in amendments
    )
    if deleted or "details" not in line:
        return
    for shot in line["details"]["screenshots"]:
        if shot["sha256"] is None:
            continue
        data = bundle.read(f"screenshots/{shot['sha256']}.jpg")
        if data is None:
            failures.add((r["seq"], "screenshot-missing"))
        elif sha(data) != shot["sha256"]:
            failures.add((r["seq"], "screenshot"))


def _billable(line: dict[str, Any], amendments: list[dict[str, Any]]) -> int:
    r = line["record"]
    s, e = when(r["start"]), when(r["end"])
    state = r["state"]
    idle = 0
    for a in sorted(amendments, key=lambda a: (a["record"]["made_at"], a["record"]["seq"])):
        kind = a["record"]["kind"]
        if kind in ("delete-segment", "delete-screenshot"):
            state = "deleted"
        elif kind == "over-limit" and state != "deleted":
            state = "over-limit"
        elif kind == "idle-discard":
            lo, hi = max(s, when(a["record"]["start"])), min(e, when(a["record"]["end"]))
            idle += max(0, int((hi - lo).total_seconds()))
    duration = int((e - s).total_seconds())
    if state not in ("tracked", "manual"):
        return 0
    return max(0, duration - idle)
