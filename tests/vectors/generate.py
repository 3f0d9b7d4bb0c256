"""Make the published test vectors in tests/vectors/: python -m tests.vectors.generate [DIR].

Keys come from fixed seeds and Ed25519 signatures are deterministic, so the output is the same
every time; tests/sync/test_vectors.py checks that the files in the repository are exactly it.
The expected verdicts of the tampered bundles are written here by hand, from docs/protocol.md.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.keys import public_bytes
from sync.protocol import (
    AMENDMENT,
    BUNDLE_FORMAT,
    KEY,
    SEGMENT,
    amendment_details,
    amendment_fields,
    canonical,
    header,
    key_fields,
    key_id,
    segment_details,
    segment_fields,
    sha256_hex,
)
from tracker.records import (
    Amendment,
    AmendmentKind,
    MinuteActivity,
    Screenshot,
    Segment,
    SegmentKind,
)

HERE = Path(__file__).parent
Line = dict[str, Any]

#: A memo with every kind of character the canonical form treats specially.
TRICKY_MEMO = 'Tax rules — “quoted” "too", a back\\slash/, a tab\t, é, 🙂, \u001f and a line\nbreak'


def private_key(name: str) -> Ed25519PrivateKey:
    seed = hashlib.sha256(f"workdiary test vector key: {name}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def kid(key: Ed25519PrivateKey) -> str:
    return key_id(public_bytes(key.public_key()))


def utc(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def ident(what: str, n: int) -> str:
    return hashlib.sha256(f"{what} {n}".encode()).hexdigest()[:32]


class Chain:
    """Builds one device's chain the way the signer does, from fixed ids and times."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key
        self.device = kid(key)
        self.lines: list[Line] = []

    def add(
        self,
        record_type: str,
        contract: str | None,
        fields: dict[str, Any],
        details: dict[str, Any] | None,
        signed_at: datetime,
        signer: Ed25519PrivateKey | None = None,
    ) -> Line:
        signer = signer or self.key
        seq = len(self.lines)
        record = header(
            record_type,
            device=self.device,
            key=kid(signer),
            seq=seq,
            prev=self.lines[-1]["hash"] if self.lines else None,
            signed_at=signed_at,
            contract=contract,
            record_id=ident("record", seq),
        )
        record.update(fields)
        data = canonical(record)
        line: Line = {
            "record": record,
            "hash": sha256_hex(data),
            "signature": signer.sign(data).hex(),
        }
        if details is not None:
            line["details"] = details
        self.lines.append(line)
        return line

    def segment(
        self,
        n: int,
        contract: str,
        start: datetime,
        end: datetime,
        memo: str,
        minutes: list[MinuteActivity],
        shots: list[Screenshot],
        signed_at: datetime,
        kind: SegmentKind = SegmentKind.TRACKED,
        reason: str = "segment ended",
    ) -> Line:
        segment = Segment(
            ident("segment", n), int(contract), kind, start, end, memo, start, end, reason
        )
        details = segment_details(segment, minutes, shots)
        fields = segment_fields(segment, sha256_hex(canonical(details)))
        return self.add(SEGMENT, contract, fields, details, signed_at)

    def amend(self, n: int, contract: str, amendment: Amendment, signed_at: datetime) -> Line:
        details = amendment_details(amendment)
        fields = amendment_fields(amendment, sha256_hex(canonical(details)))
        return self.add(AMENDMENT, contract, fields, details, signed_at)


def minutes(start: datetime, count: int, keys: int = 4) -> list[MinuteActivity]:
    return [
        MinuteActivity(
            start=start.replace(minute=start.minute + i, second=0),
            keys=keys + i,
            clicks=i % 3,
            scrolls=1 if i == 2 else 0,
            moves=10 * i,
            injected=2 if i == 4 else 0,
        )
        for i in range(count)
    ]


def screenshot_files(directory: Path) -> dict[str, bytes]:
    """Two small real JPEGs, made once and kept (a newer Pillow may encode other bytes)."""
    found = {}
    for name, colour in (("first", (208, 48, 111)), ("second", (30, 160, 90))):
        path = directory / f"{name}.jpg"
        if not path.exists():
            from PIL import Image

            Image.new("RGB", (64, 40), colour).save(path, "JPEG", quality=70)
        found[name] = path.read_bytes()
    return found


def valid_chain(images: dict[str, bytes]) -> Chain:
    device = private_key("device")
    rotated = private_key("rotated")
    chain = Chain(device)
    first, second = (hashlib.sha256(images[n]).hexdigest() for n in ("first", "second"))
    chain.add(KEY, None, key_fields(public_bytes(device.public_key())), None, utc(20, 8, 0))
    chain.segment(
        1,
        "1",
        utc(20, 9, 0),
        utc(20, 9, 10),
        "Last week",
        minutes(utc(20, 9, 0), 10),
        [],
        utc(20, 9, 10, 1),
    )
    shot = Screenshot(
        1,
        ident("segment", 2),
        utc(25, 10, 5, 12),
        first,
        "p",
        "t",
        64,
        40,
        1,
        len(images["first"]),
        False,
        None,
    )
    chain.segment(
        2,
        "1",
        utc(25, 10, 3, 27),
        utc(25, 10, 10),
        "Checkout page",
        minutes(utc(25, 10, 3), 7),
        [shot],
        utc(25, 10, 10, 1),
    )
    shot = Screenshot(
        2,
        ident("segment", 3),
        utc(25, 10, 14, 50),
        second,
        "p",
        "t",
        64,
        40,
        1,
        len(images["second"]),
        True,
        None,
    )
    chain.segment(
        3,
        "1",
        utc(25, 10, 10),
        utc(25, 10, 20),
        TRICKY_MEMO,
        minutes(utc(25, 10, 10), 10),
        [shot],
        utc(25, 10, 20, 1),
    )
    chain.segment(
        4,
        "2",
        utc(25, 10, 20),
        utc(25, 10, 30),
        "Another client",
        minutes(utc(25, 10, 20), 10),
        [],
        utc(25, 10, 30, 1),
    )
    chain.add(KEY, None, key_fields(public_bytes(rotated.public_key())), None, utc(25, 10, 31))
    chain.key = rotated
    quiet = [
        *minutes(utc(25, 10, 30), 9),
        MinuteActivity(utc(25, 10, 39), unavailable="input listener stopped"),
    ]
    missing = Screenshot(
        3,
        ident("segment", 5),
        utc(25, 10, 36, 2),
        None,
        None,
        None,
        0,
        0,
        0,
        0,
        False,
        "the disk is full",
    )
    chain.segment(
        5,
        "1",
        utc(25, 10, 30),
        utc(25, 10, 40),
        "Checkout page",
        quiet,
        [missing],
        utc(25, 10, 40, 1),
    )
    chain.amend(
        7,
        "1",
        Amendment(
            1, ident("segment", 3), utc(25, 12, 0), AmendmentKind.MEMO, memo="Tax rules for the EU"
        ),
        utc(25, 12, 0, 1),
    )
    chain.amend(
        8,
        "1",
        Amendment(
            2,
            ident("segment", 5),
            utc(25, 12, 1),
            AmendmentKind.IDLE_DISCARD,
            start=utc(25, 10, 32),
            end=utc(25, 10, 35),
            reason="the user decided",
        ),
        utc(25, 12, 1, 1),
    )
    chain.amend(
        9,
        "1",
        Amendment(
            3,
            ident("segment", 2),
            utc(25, 12, 2),
            AmendmentKind.DELETE_SEGMENT,
            reason="a private call",
        ),
        utc(25, 12, 2, 1),
    )
    chain.segment(
        10,
        "1",
        utc(26, 9, 0),
        utc(26, 9, 10),
        "Call with the client",
        [],
        [],
        utc(26, 9, 30),
        SegmentKind.MANUAL,
        "added by hand",
    )
    return chain


def manifest(lines: list[Line], first_seq: int = 0) -> dict[str, Any]:
    return {
        "format": BUNDLE_FORMAT,
        "week": "2026-W48",
        "period": {"start": "2026-11-23T00:00:00Z", "end": "2026-11-30T00:00:00Z"},
        "contract": "1",
        "created_at": "2026-11-30T09:00:00Z",
        "created_by": "workdiary test vectors",
        "devices": [
            {
                "device": lines[0]["record"]["device"],
                "first_seq": first_seq,
                "head": {"seq": lines[-1]["record"]["seq"], "hash": lines[-1]["hash"]},
            }
        ],
    }


def keys_json(*keys: Ed25519PrivateKey, device: str) -> dict[str, Any]:
    return {
        "keys": [
            {"key": kid(k), "device": device, "public_key": public_bytes(k.public_key()).hex()}
            for k in keys
        ]
    }


# The tampered bundles: what changes, and the verdict docs/protocol.md requires ----------------

Bundle = dict[str, Any]  # manifest, keys, lines, files


def _at(bundle: Bundle, seq: int) -> int:
    return next(i for i, line in enumerate(bundle["lines"]) if line["record"]["seq"] == seq)


def memo_changed(b: Bundle) -> None:
    b["lines"][_at(b, 3)]["details"]["memo"] = "Something more impressive"


def minute_count_changed(b: Bundle) -> None:
    b["lines"][_at(b, 6)]["details"]["minutes"][0]["keys"] += 1


def screenshot_swapped(b: Bundle) -> None:
    """The file of seq 3's screenshot replaced by another real screenshot."""
    (name,) = b["files"]
    b["files"][name] = b["images"]["first"]


def record_removed(b: Bundle) -> None:
    del b["lines"][_at(b, 4)]


def records_reordered(b: Bundle) -> None:
    i, j = _at(b, 3), _at(b, 4)
    b["lines"][i], b["lines"][j] = b["lines"][j], b["lines"][i]


def record_duplicated(b: Bundle) -> None:
    i = _at(b, 3)
    b["lines"].insert(i + 1, json.loads(json.dumps(b["lines"][i])))


def segment_moved(b: Bundle) -> None:
    record = b["lines"][_at(b, 6)]["record"]
    record["start"], record["end"] = "2026-11-25T11:30:00Z", "2026-11-25T11:40:00Z"


def amendment_signature_broken(b: Bundle) -> None:
    line = b["lines"][_at(b, 7)]
    signature = bytearray(bytes.fromhex(line["signature"]))
    signature[0] ^= 0x80
    line["signature"] = signature.hex()


def record_of_another_key(b: Bundle) -> None:
    """A stranger signs an extra segment onto the chain's head and lists their key."""
    stranger = private_key("stranger")
    chain = Chain(private_key("device"))
    chain.lines = b["lines"]
    chain.segment(
        11,
        "1",
        utc(26, 10, 0),
        utc(26, 10, 10),
        "Extra hour",
        minutes(utc(26, 10, 0), 10),
        [],
        utc(26, 10, 10, 1),
    )
    line = chain.lines[-1]
    record = line["record"]
    record["key"] = kid(stranger)
    data = canonical(record)
    line.update(hash=sha256_hex(data), signature=stranger.sign(data).hex())
    b["keys"]["keys"].append(keys_json(stranger, device=record["device"])["keys"][0])
    b["manifest"] = manifest(b["lines"])


def head_cut(b: Bundle) -> None:
    b["lines"].pop()


def start_cut(b: Bundle) -> None:
    b["lines"] = b["lines"][2:]
    b["manifest"]["devices"][0]["first_seq"] = 2


TAMPERS: dict[str, tuple[Callable[[Bundle], None], list[tuple[int, str]]]] = {
    "memo-changed": (memo_changed, [(3, "details")]),
    "minute-count-changed": (minute_count_changed, [(6, "details")]),
    "screenshot-swapped": (screenshot_swapped, [(3, "screenshot")]),
    "record-removed": (record_removed, [(5, "gap")]),
    "records-reordered": (records_reordered, [(3, "order")]),
    "record-duplicated": (record_duplicated, [(3, "duplicate")]),
    "segment-moved": (
        segment_moved,
        # The signature breaks, and everything that pointed into the old time no longer fits.
        [
            (6, "signature"),
            (6, "time"),
            (6, "minutes"),
            (6, "screenshot"),
            (7, "link"),
            (8, "amendment"),
        ],
    ),
    "amendment-bad-signature": (amendment_signature_broken, [(7, "signature")]),
    "record-of-another-key": (record_of_another_key, [(11, "key")]),
    "head-cut": (head_cut, [(9, "head")]),
    "start-cut": (start_cut, [(2, "edge")]),
}

#: Billable seconds of the valid bundle by "contract day": 10:10-10:20, and 10:30-10:40 less
#: the 3 idle minutes discarded; the 10:03:27 segment is deleted; the manual 10 min on the 26th.
VALID_HOURS = {"1 2026-11-25": 600 + 420, "1 2026-11-26": 600}


def write_bundle(directory: Path, bundle: Bundle) -> None:
    directory.mkdir(parents=True)
    (directory / "manifest.json").write_text(json.dumps(bundle["manifest"], indent=2) + "\n")
    (directory / "keys.json").write_text(json.dumps(bundle["keys"], indent=2) + "\n")
    (directory / "records.jsonl").write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in bundle["lines"]),
        encoding="utf-8",
    )
    for name, data in bundle["files"].items():
        (directory / name).parent.mkdir(exist_ok=True)
        (directory / name).write_bytes(data)


def canonical_cases() -> list[dict[str, Any]]:
    values: list[tuple[str, Any]] = [
        ("members sorted by name", {"b": 1, "a": 2, "aa": 3, "A": 4, "_": 5}),
        ("no whitespace, nested", {"list": [1, [2, {}], {"z": None, "y": True}], "f": False}),
        ("integers", [0, 7, 600, 9007199254740991]),
        ("escapes", '"\\/\b\f\n\r\t'),
        ("other control characters", "\u0000\u0001\u001f\u007f"),
        ("non-ASCII as UTF-8", "é — “” 🙂 \u2028"),
        ("a tricky memo", TRICKY_MEMO),
    ]
    return [
        {"name": name, "value": value, "canonical": canonical(value).decode()}
        for name, value in values
    ]


def generate(target: Path) -> None:
    images = screenshot_files(HERE)
    chain = valid_chain(images)
    device = private_key("device")
    base: Bundle = {
        "manifest": manifest(chain.lines),
        "keys": keys_json(device, private_key("rotated"), device=chain.device),
        "lines": chain.lines,
        # The first image belongs to the deleted segment: like an export, leave it out.
        "files": {
            f"screenshots/{hashlib.sha256(images['second']).hexdigest()}.jpg": images["second"]
        },
    }
    for stale in ("valid", "tampered"):
        shutil.rmtree(target / stale, ignore_errors=True)
    write_bundle(target / "valid", base)
    verdicts: dict[str, Any] = {"valid": {"ok": True, "failures": [], "hours": VALID_HOURS}}
    for name, (change, failures) in TAMPERS.items():
        bundle = json.loads(json.dumps({k: v for k, v in base.items() if k != "files"}))
        bundle["files"] = dict(base["files"])
        bundle["images"] = images
        change(bundle)
        write_bundle(target / "tampered" / name, bundle)
        verdicts[name] = {"ok": False, "failures": [{"seq": s, "code": c} for s, c in failures]}
    expected = {
        "keys": {
            name: {
                "seed": private_key(name).private_bytes_raw().hex(),
                "public_key": public_bytes(private_key(name).public_key()).hex(),
                "key_id": kid(private_key(name)),
            }
            for name in ("device", "rotated", "stranger")
        },
        "records": [
            {
                "seq": line["record"]["seq"],
                "canonical": canonical(line["record"]).decode(),
                "hash": line["hash"],
                "signature": line["signature"],
                "details_canonical": canonical(line["details"]).decode()
                if "details" in line
                else None,
                "details_hash": line["record"].get("details"),
            }
            for line in chain.lines
        ],
        "canonical_json": canonical_cases(),
        "verdicts": verdicts,
    }
    (target / "expected.json").write_text(
        json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
