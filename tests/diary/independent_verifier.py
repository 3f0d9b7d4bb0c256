"""A second verifier, written from docs/protocol.md alone: its own canonical JSON, PyNaCl for Ed25519.

It shares no code with the diary package (not even the JSON encoder), so when both agree on the
published vectors, the document and the bytes agree.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import posixpath
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
HEX64 = re.compile(r"[0-9a-f]{64}")
HEX32 = re.compile(r"[0-9a-f]{32}")
HEX128 = re.compile(r"[0-9a-f]{128}")
CONTRACT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
TOP = 2**53 - 1


class Refused(Exception):
    """Not a bundle at all."""


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
    """The canonical bytes; ValueError when there are none (a lone surrogate, say)."""
    return _encode(value).encode("utf-8")  # UnicodeEncodeError is a ValueError


def _encode(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if not 0 <= value <= TOP:
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


def strict_json(data: bytes) -> Any:
    """UTF-8 JSON text: no duplicate names, no fractions or exponents."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            raise ValueError("duplicate member name")
        return dict(pairs)

    def refuse(text: str) -> Any:
        raise ValueError(f"not an integer: {text}")

    return json.loads(
        data.decode("utf-8"),
        object_pairs_hook=no_duplicates,
        parse_float=refuse,
        parse_constant=refuse,
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# Field shapes, from the document's tables ---------------------------------------------------------


def _match(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None


def _is_time(v: Any) -> bool:
    if not _match(TIME)(v):
        return False
    try:
        when(v)
    except ValueError:
        return False
    return True


def _is_int(v: Any) -> bool:
    return type(v) is int and 0 <= v <= TOP


def _or_null(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or check(v)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


COMMON = {
    "format": lambda v: v == "workdiary/1",
    "type": lambda v: v in ("key", "segment", "amendment"),
    "id": _match(HEX32),
    "device": _match(HEX64),
    "key": _match(HEX64),
    "seq": _is_int,
    "prev": _or_null(_match(HEX64)),
    "signed_at": _is_time,
    "contract": _match(CONTRACT),
}
FIELDS = {
    "key": COMMON | {"contract": lambda v: v is None, "public_key": _match(HEX64)},
    "segment": COMMON
    | {
        "segment": _match(HEX32),
        "state": lambda v: v in ("tracked", "manual"),
        "start": _is_time,
        "end": _is_time,
        "details": _match(HEX64),
    },
    "amendment": COMMON
    | {
        "segment": _match(HEX32),
        "kind": lambda v: (
            v in ("memo", "delete-segment", "delete-screenshot", "idle-discard", "over-limit")
        ),
        "made_at": _is_time,
        "start": _or_null(_is_time),
        "end": _or_null(_is_time),
        "screenshot": _or_null(_match(HEX64)),
        "details": _match(HEX64),
    },
}
MINUTE = {
    "start": _is_time,
    **{n: _is_int for n in ("keys", "clicks", "scrolls", "moves", "injected")},
    "unavailable": _or_null(_is_str),
}
SHOT = {
    "taken_at": _is_time,
    "sha256": _or_null(_match(HEX64)),
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
RECEIPT = {
    "format": lambda v: v == "workdiary-receipt/1",
    "marketplace": _match(HEX64),
    "record": _match(HEX64),
    "device": _match(HEX64),
    "seq": _is_int,
    "contract": _or_null(_match(CONTRACT)),
    "received_at": _is_time,
}


def _fits(obj: Any, fields: dict[str, Callable[[Any], bool]]) -> bool:
    return (
        isinstance(obj, dict)
        and set(obj) == set(fields)
        and all(c(obj[n]) for n, c in fields.items())
    )


# Reading a bundle ---------------------------------------------------------------------------------


class Reader:
    """A bundle as a zip file or as a directory of the same members."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            return
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if len(names) != len(set(names)):
            raise Refused("a member name listed twice")
        for name in names:
            if name.startswith("/") or "\\" in name or ".." in posixpath.normpath(name).split("/"):
                raise Refused("a member outside the bundle")

    def read(self, name: str) -> bytes | None:
        if self.path.is_dir():
            member = self.path / name
            return member.read_bytes() if member.is_file() else None
        with zipfile.ZipFile(self.path) as archive:
            try:
                return archive.read(name)
            except KeyError:
                return None


Failures = set[tuple[str | None, int | None, str]]  # (device, seq, code)


def verify(path: Path) -> dict[str, Any]:
    """{"ok", "failures": [(seq, code)] (seq -1: at no record), "hours": {"contract day": s},
    "receipted": how many records taking part carry a receipt that fits them (None: the bundle
    has no receipts), "vouched": [(device, seq)] of the key records introducing a key whose
    receipt fits them}; Refused for a file that is not a bundle."""
    bundle = Reader(path)
    manifest = strict_json(bundle.read("manifest.json") or b"")
    _check_manifest(manifest)
    marketplace = _marketplace_key(bundle)
    listed = {d["device"]: d["head"] for d in manifest["devices"]}
    start, end = when(manifest["period"]["start"]), when(manifest["period"]["end"])
    failures: Failures = set()
    key_chains = {
        device: _key_chain(device, lines, failures)
        for device, lines in _key_lines(bundle, listed, failures).items()
    }

    lines = []
    for raw in _jsonl(bundle.read("records.jsonl") or b""):
        line = _entry(raw, failures)
        if line is None:
            continue
        record = line["record"]
        own = key_chains.get(record["device"], {}).get("keys", {})
        public = own.get(record["key"])
        if public is None:
            failures.add((record["device"], record["seq"], "unknown-key"))
        else:
            try:
                nacl.signing.VerifyKey(public).verify(
                    line["_bytes"], bytes.fromhex(line["signature"])
                )
                line["_ok"] = True
            except nacl.exceptions.BadSignatureError:
                failures.add((record["device"], record["seq"], "signature"))
        if line["_ok"] and "hash" in line and line["hash"] != line["_hash"]:
            failures.add((record["device"], record["seq"], "hash"))
        lines.append(line)

    chains: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        chains.setdefault(line["record"]["device"], []).append(line)
    taking_part: list[dict[str, Any]] = []
    for device, chain in chains.items():
        if device not in listed:
            failures.update((device, line["record"]["seq"], "device") for line in chain)
            continue
        seqs = [line["record"]["seq"] for line in chain]
        for i in range(1, len(seqs)):
            if seqs[i] < seqs[i - 1]:
                failures.add((device, seqs[i], "order"))
                break
        first: dict[int, dict[str, Any]] = {}
        for line in chain:
            seq = line["record"]["seq"]
            if seq in first:
                failures.add((device, seq, "duplicate"))
            else:
                first[seq] = line
        ordered = [first[s] for s in sorted(first)]
        taking_part += ordered
        _chain(device, ordered, key_chains[device], start, failures)
        last = ordered[-1]
        if (
            last["record"]["seq"] != listed[device]["seq"]
            or last["_hash"] != listed[device]["hash"]
        ):
            failures.add((device, last["record"]["seq"], "head"))
    if listed.keys() - chains.keys():  # a listed device without records: at no record
        failures.add((None, None, "head"))
    taking_part.sort(key=lambda line: (line["record"]["device"], line["record"]["seq"]))
    hours = _diary(taking_part, manifest["contract"], start, end, bundle, failures)
    receipted, vouched = None, []
    if marketplace is not None:  # after the hours: receipts never change what counts
        held = {(line["record"]["device"], line["record"]["seq"]): line for line in taking_part}
        # keys.jsonl's key records that introduce a key, where records.jsonl has no record
        introducing = {
            (device, seq): line
            for device, chain in key_chains.items()
            for seq, line in chain["records"].items()
        }
        fitting = _receipts(bundle, marketplace, introducing | held, listed, failures)
        receipted = len(fitting.keys() & held.keys())
        vouched = sorted(at for at, line in introducing.items() if fitting.get(at) == line["_hash"])
    found = sorted({(-1 if seq is None else seq, code) for _, seq, code in failures})
    return {
        "ok": not failures,
        "failures": found,
        "hours": hours,
        "receipted": receipted,
        "vouched": vouched,
    }


def _check_manifest(manifest: dict[str, Any]) -> None:
    if manifest["format"] != "workdiary-bundle/2":
        raise Refused(f"format {manifest['format']}")
    start, end = when(manifest["period"]["start"]), when(manifest["period"]["end"])
    whole = all(t.hour == t.minute == t.second == 0 for t in (start, end))
    if not whole or not start < end or end - start > timedelta(days=35):
        raise Refused("the period")
    if manifest["week"] is not None:
        year, week, weekday = start.isocalendar()
        same = manifest["week"] == f"{year}-W{week:02d}" and weekday == 1
        if not same or end - start != timedelta(days=7):
            raise Refused("the week is not the period")


def _marketplace_key(bundle: Reader) -> bytes | None:
    """The public key of marketplace.json when the bundle has receipts.jsonl; Refused when the
    key is not there or not an Ed25519 key under its own key id."""
    if bundle.read("receipts.jsonl") is None:
        return None
    data = bundle.read("marketplace.json")
    if data is None:
        raise Refused("receipts without the marketplace's key")
    try:
        key = strict_json(data)
    except ValueError as error:
        raise Refused(f"marketplace.json: {error}") from None
    if (
        not isinstance(key, dict)
        or key.get("algorithm") != "Ed25519"
        or not _match(HEX64)(key.get("public_key"))
        or not _match(HEX64)(key.get("key_id"))
        or sha(bytes.fromhex(key["public_key"])) != key["key_id"]
    ):
        raise Refused("marketplace.json is not an Ed25519 key under its key id")
    return bytes.fromhex(key["public_key"])


def _receipts(
    bundle: Reader,
    public: bytes,
    held: dict[tuple[str, int], dict[str, Any]],
    listed: dict[str, Any],
    failures: Failures,
) -> dict[tuple[str, int], str]:
    """Each line a receipt entry, signed by the marketplace's key (which it names), of a listed
    device, at or before its head, and naming exactly the record ``held`` holds there; the
    hash each receipt that fits names, by device and seq."""
    fitting: dict[tuple[str, int], str] = {}
    for raw in _jsonl(bundle.read("receipts.jsonl") or b""):
        try:
            line = strict_json(raw)
        except ValueError:
            failures.add((None, None, "receipt"))
            continue
        if (
            not isinstance(line, dict)
            or set(line) != {"receipt", "signature"}
            or not _fits(line["receipt"], RECEIPT)
            or not _match(HEX128)(line["signature"])
        ):
            failures.add((None, None, "receipt"))
            continue
        receipt = line["receipt"]
        device, seq = receipt["device"], receipt["seq"]
        try:
            if receipt["marketplace"] != sha(public):
                raise nacl.exceptions.BadSignatureError("another marketplace's key")
            nacl.signing.VerifyKey(public).verify(encode(receipt), bytes.fromhex(line["signature"]))
        except nacl.exceptions.BadSignatureError:
            failures.add((device, seq, "receipt"))
            continue
        if device not in listed:
            failures.add((None, None, "receipt"))
        elif seq > listed[device]["seq"]:
            failures.add((device, listed[device]["seq"], "truncated"))
        elif (device, seq) in held:
            record = held[(device, seq)]
            if (
                receipt["record"] != record["_hash"]
                or receipt["contract"] != record["record"]["contract"]
            ):
                failures.add((device, seq, "receipt"))
            else:
                fitting[(device, seq)] = receipt["record"]
    return fitting


def _jsonl(data: bytes) -> list[bytes]:
    raw_lines = data.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()
    return raw_lines


def _key_lines(
    bundle: Reader, listed: dict[str, Any], failures: Failures
) -> dict[str, list[dict[str, Any]]]:
    """keys.jsonl's entries by listed device (others fail `device`)."""
    found: dict[str, list[dict[str, Any]]] = {device: [] for device in listed}
    for raw in _jsonl(bundle.read("keys.jsonl") or b""):
        line = _entry(raw, failures)
        if line is None:
            continue
        record = line["record"]
        if record["device"] not in listed:
            failures.add((record["device"], record["seq"], "device"))
        elif record["seq"] > listed[record["device"]]["seq"]:
            failures.add((record["device"], record["seq"], "head"))
        else:
            found[record["device"]].append(line)
    return found


def _key_chain(device: str, lines: list[dict[str, Any]], failures: Failures) -> dict[str, Any]:
    """{"keys": {key id: public key}, "from": [(seq, key id)], "hash": {seq: hash},
    "records": {seq: line} of the key records that introduce a key}."""
    for before, after in itertools.pairwise(lines):
        if after["record"]["seq"] <= before["record"]["seq"]:
            code = "duplicate" if after["record"]["seq"] == before["record"]["seq"] else "order"
            failures.add((device, after["record"]["seq"], code))
    chain: dict[str, Any] = {"keys": {}, "from": [], "hash": {}, "records": {}}
    first: dict[int, dict[str, Any]] = {}
    for line in lines:
        first.setdefault(line["record"]["seq"], line)
    current: bytes | None = None
    last_signed = ""
    for seq in sorted(first):
        line, record = first[seq], first[seq]["record"]
        chain["hash"][seq] = line["_hash"]
        if record["type"] != "key":
            failures.add((device, seq, "format"))
            continue
        public = bytes.fromhex(record["public_key"])
        if current is None:
            if seq != 0 or record["prev"] is not None or not sha(public) == record["key"] == device:
                failures.add((device, seq, "genesis"))
                continue
            signer = public
        elif record["key"] != sha(current):
            failures.add((device, seq, "key"))
            continue
        else:
            signer = current
        try:
            nacl.signing.VerifyKey(signer).verify(line["_bytes"], bytes.fromhex(line["signature"]))
        except nacl.exceptions.BadSignatureError:
            failures.add((device, seq, "signature"))
            continue
        if record["signed_at"] < last_signed:
            failures.add((device, seq, "time"))
            continue
        last_signed = record["signed_at"]
        current = public
        chain["keys"][sha(public)] = public
        chain["from"].append((seq, sha(public)))
        chain["records"][seq] = line
    return chain


def _key_at(chain: dict[str, Any], seq: int) -> str | None:
    """The key the last verified key record before ``seq`` introduced (seq 0: its own)."""
    found = None
    for introduced_at, kid in chain["from"]:
        if introduced_at < seq or introduced_at == seq == 0:
            found = kid
    return found


def _entry(raw: bytes, failures: Failures) -> dict[str, Any] | None:
    """The line as an entry with its record's bytes and hash, or None (a format failure)."""
    try:
        line = strict_json(raw)
    except ValueError:
        failures.add((None, None, "format"))
        return None
    fine = (
        isinstance(line, dict)
        and {"record", "signature"} <= set(line) <= {"record", "signature", "hash", "details"}
        and isinstance(line["record"], dict)
        and line["record"].get("type") in FIELDS
        and _fits(line["record"], FIELDS[line["record"]["type"]])
        and _match(HEX128)(line["signature"])
        and (
            "details" not in line
            or (isinstance(line["details"], dict) and line["record"]["type"] != "key")
        )
    )
    data = b""
    if fine:
        try:
            data = encode(line["record"])
        except ValueError:
            fine = False
    if not fine:
        record = line.get("record") if isinstance(line, dict) else None
        device = seq = None
        if isinstance(record, dict) and _match(HEX64)(record.get("device")):
            device = record["device"]
            seq = record.get("seq") if _is_int(record.get("seq")) else None
        failures.add((device, seq, "format"))
        return None
    entry: dict[str, Any] = line
    entry["_bytes"], entry["_hash"], entry["_ok"] = data, sha(data), False
    return entry


def _chain(
    device: str,
    chain: list[dict[str, Any]],
    key_chain: dict[str, Any],
    start: datetime,
    failures: Failures,
) -> None:
    head = chain[0]["record"]
    if head["seq"] == 0:
        if (
            head["type"] != "key"
            or head["prev"] is not None
            or not sha(bytes.fromhex(head["public_key"])) == head["key"] == device
        ):
            failures.add((device, 0, "genesis"))
    elif when(head["signed_at"]) >= start:
        failures.add((device, head["seq"], "edge"))
    for i, line in enumerate(chain):
        record = line["record"]
        seq = record["seq"]
        if i:
            before = chain[i - 1]
            if seq != before["record"]["seq"] + 1:
                failures.add((device, seq, "gap"))
            elif record["prev"] != before["_hash"]:
                failures.add((device, seq, "link"))
            if record["signed_at"] < before["record"]["signed_at"]:
                failures.add((device, seq, "time"))
        if record["key"] != _key_at(key_chain, seq):
            failures.add((device, seq, "key"))
        if record["type"] == "key" and key_chain["hash"].get(seq) != line["_hash"]:
            failures.add((device, seq, "key"))  # not the key record keys.jsonl holds


def _covered(state: str, start: datetime, end: datetime) -> list[datetime]:
    if state != "tracked" or end <= start:
        return []
    minute, found = start.replace(second=0), []
    while minute < end:
        found.append(minute)
        minute += timedelta(minutes=1)
    return found


def _diary(
    lines: list[dict[str, Any]],
    contract: str | None,
    start: datetime,
    end: datetime,
    bundle: Reader,
    failures: Failures,
) -> dict[str, int]:
    def at(line: dict[str, Any], code: str) -> None:
        failures.add((line["record"]["device"], line["record"]["seq"], code))

    segments: dict[str, dict[str, Any]] = {}
    for line in lines:
        r = line["record"]
        if r["type"] == "segment":
            s, e = when(r["start"]), when(r["end"])
            slot = s.replace(minute=s.minute - s.minute % 10, second=0)
            if e < s or e > slot + timedelta(minutes=10):
                at(line, "alignment")
            elif r["signed_at"] < r["end"]:
                at(line, "time")
            if r["segment"] in segments:
                at(line, "duplicate")
            else:
                segments[r["segment"]] = line
        if r["type"] == "amendment":
            if r["made_at"] > r["signed_at"]:
                at(line, "time")
            uses = {"idle-discard": {"start", "end"}, "delete-screenshot": {"screenshot"}}.get(
                r["kind"], set()
            )
            wrong = any((r[f] is not None) != (f in uses) for f in ("start", "end", "screenshot"))
            if wrong or (r["kind"] == "idle-discard" and r["start"] >= r["end"]):
                at(line, "amendment")

    timed = [
        line
        for line in lines
        if line["record"]["type"] == "segment" and line["record"]["start"] < line["record"]["end"]
    ]
    timed.sort(
        key=lambda x: (
            x["record"]["start"],
            x["record"]["end"],
            x["record"]["device"],
            x["record"]["seq"],
        )
    )
    reach = ""
    for line in timed:
        if line["record"]["start"] < reach:
            at(line, "overlap")
        reach = max(reach, line["record"]["end"])

    def in_scope(segment_id: str) -> bool:
        seg = segments.get(segment_id)
        if seg is None:
            return False
        r = seg["record"]
        return (contract is None or r["contract"] == contract) and start <= when(r["start"]) < end

    changes: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        if line["record"]["type"] == "amendment":
            changes.setdefault(line["record"]["segment"], []).append(line)
    deleted = {
        segment_id
        for segment_id, amendments in changes.items()
        if any(a["record"]["kind"] in ("delete-segment", "delete-screenshot") for a in amendments)
    }
    good_details: set[int] = set()
    for line in lines:
        r = line["record"]
        if r["type"] == "key":
            continue
        if "details" not in line and in_scope(r["segment"]):
            at(line, "details-missing")
        if "details" in line and _details(line, at, r["segment"] in deleted):
            good_details.add(id(line))
        if r["type"] == "amendment":
            target = segments.get(r["segment"])
            if target is not None:
                _fits_segment(line, target, at)

    for segment_id, line in segments.items():
        if not in_scope(segment_id) or segment_id in deleted or id(line) not in good_details:
            continue
        for shot in line["details"]["screenshots"]:
            if shot["sha256"] is None:
                continue
            data = bundle.read(f"screenshots/{shot['sha256']}.jpg")
            if data is None:
                at(line, "screenshot-missing")
            elif sha(data) != shot["sha256"]:
                at(line, "screenshot")

    bad = {(device, seq) for device, seq, _ in failures}
    hours: dict[str, int] = {}
    for segment_id, line in segments.items():
        amendments = changes.get(segment_id, [])
        key = (line["record"]["device"], line["record"]["seq"])
        if not in_scope(segment_id) or key in bad:
            continue
        if any((a["record"]["device"], a["record"]["seq"]) in bad for a in amendments):
            continue
        seconds = _billable(line, amendments)
        if seconds:
            name = f"{line['record']['contract']} {line['record']['start'][:10]}"
            hours[name] = hours.get(name, 0) + seconds
    return hours


def _details(
    line: dict[str, Any], at: Callable[[dict[str, Any], str], None], deleted: bool
) -> bool:
    """Fields, then hash, then what they say (a deleted segment's screenshots aside); whether
    all of it holds."""
    r, d = line["record"], line["details"]
    if not _fits(d, DETAILS[r["type"]]):
        at(line, "format")
        return False
    try:
        data = encode(d)
    except ValueError:
        at(line, "format")
        return False
    if sha(data) != r["details"]:
        at(line, "details")
        return False
    fine = True
    if r["type"] == "amendment":
        if (r["kind"] == "memo") != bool(d["memo"]) or (
            r["kind"] != "memo" and d["memo"] is not None
        ):
            at(line, "amendment")
            fine = False
        return fine
    s, e = when(r["start"]), when(r["end"])
    if [when(m["start"]) for m in d["minutes"]] != _covered(r["state"], s, e):
        at(line, "minutes")
        fine = False
    active = sum(1 for m in d["minutes"] if m["keys"] + m["clicks"] + m["scrolls"] + m["moves"])
    if active != d["active_minutes"]:
        at(line, "active-minutes")
        fine = False
    previous = ""
    for shot in [] if deleted else d["screenshots"]:
        inside = r["start"] <= shot["taken_at"] <= r["end"] and shot["taken_at"] >= previous
        if not inside or (shot["sha256"] is None) == (shot["missing"] is None):
            at(line, "screenshot")
            fine = False
        previous = max(previous, shot["taken_at"])
    return fine


def _fits_segment(
    line: dict[str, Any], segment: dict[str, Any], at: Callable[[dict[str, Any], str], None]
) -> None:
    a, s = line["record"], segment["record"]
    if a["device"] != s["device"] or a["seq"] < s["seq"] or a["contract"] != s["contract"]:
        at(line, "amendment")
    if (
        a["kind"] == "idle-discard"
        and a["start"] is not None
        and a["end"] is not None
        and not s["start"] <= a["start"] < a["end"] <= s["end"]
    ):
        at(line, "amendment")
    if (
        a["kind"] == "delete-screenshot"
        and _fits(segment.get("details"), DETAILS["segment"])
        and a["screenshot"] not in {x["sha256"] for x in segment["details"]["screenshots"]}
    ):
        at(line, "amendment")


def _billable(line: dict[str, Any], amendments: list[dict[str, Any]]) -> int:
    r = line["record"]
    s, e = when(r["start"]), when(r["end"])
    state = r["state"]
    ranges = []
    for a in sorted(amendments, key=lambda a: (a["record"]["made_at"], a["record"]["seq"])):
        kind = a["record"]["kind"]
        if kind in ("delete-segment", "delete-screenshot"):
            state = "deleted"
        elif kind == "over-limit" and state != "deleted":
            state = "over-limit"
        elif kind == "idle-discard":
            ranges.append((when(a["record"]["start"]), when(a["record"]["end"])))
    # The union of the discarded ranges, inside the segment, second by second.
    idle = sum(
        1
        for second in range(int((e - s).total_seconds()))
        if any(lo <= s + timedelta(seconds=second) < hi for lo, hi in ranges)
    )
    duration = int((e - s).total_seconds())
    if state in ("tracked", "manual") and ranges and idle >= duration:
        state = "idle-discarded"
    if state not in ("tracked", "manual"):
        return 0
    return duration - idle
