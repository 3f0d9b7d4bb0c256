"""Make the published test vectors in tests/vectors/: python -m tests.vectors.generate [DIR].

Keys come from fixed seeds and Ed25519 signatures are deterministic, so the output is the same
every time; tests/diary/test_vectors.py checks that the files in the repository are exactly it.
The expected verdicts (failures and hours) are written here by hand, from docs/protocol.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from diary.build import (
    amendment_details,
    amendment_fields,
    header,
    key_fields,
    segment_details,
    segment_fields,
)
from diary.bundle import BUNDLE_FORMAT
from diary.canonical import canonical, key_id, sha256_hex
from diary.receipts import RECEIPT_FORMAT
from diary.records import AmendmentKind, MinuteActivity, RecordType, ScreenshotEntry, SegmentKind
from diary.times import parse_timestamp, timestamp

HERE = Path(__file__).parent
Line = dict[str, Any]
KEY, SEGMENT, AMENDMENT = RecordType.KEY, RecordType.SEGMENT, RecordType.AMENDMENT

#: A memo with every kind of character the canonical form treats specially.
TRICKY_MEMO = 'Tax rules — “quoted” "too", a back\\slash/, a tab\t, é, 🙂, \u001f and a line\nbreak'


def private_key(name: str) -> Ed25519PrivateKey:
    seed = hashlib.sha256(f"workdiary test vector key: {name}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def kid(key: Ed25519PrivateKey) -> str:
    return key_id(public(key))


def utc(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def ident(what: str, n: int) -> str:
    return hashlib.sha256(f"{what} {n}".encode()).hexdigest()[:32]


class Chain:
    """Builds one device's chain the way the signer does, from fixed ids and times."""

    def __init__(self, key: Ed25519PrivateKey, name: str = "device") -> None:
        self.key = key
        self.device = kid(key)
        self.name = name
        self.lines: list[Line] = []

    def add(
        self,
        record_type: RecordType,
        contract: str | None,
        fields: dict[str, Any],
        details: dict[str, Any] | None,
        signed_at: datetime,
    ) -> Line:
        seq = len(self.lines)
        record = header(
            record_type,
            device=self.device,
            key=kid(self.key),
            seq=seq,
            prev=self.lines[-1]["hash"] if self.lines else None,
            signed_at=signed_at,
            contract=contract,
            record_id=ident(f"{self.name} record", seq),
        )
        record.update(fields)
        return self.append(record, details)

    def append(self, record: dict[str, Any], details: dict[str, Any] | None) -> Line:
        """Sign ``record`` as it is and add it as the next line."""
        data = canonical(record)
        line: Line = {"record": record, "hash": sha256_hex(data), "signature": ""}
        line["signature"] = self.key.sign(data).hex()
        if details is not None:
            line["details"] = details
        self.lines.append(line)
        return line

    def genesis(self, signed_at: datetime) -> Line:
        return self.add(KEY, None, key_fields(public(self.key)), None, signed_at)

    def rotate(self, new: Ed25519PrivateKey, signed_at: datetime) -> Line:
        line = self.add(KEY, None, key_fields(public(new)), None, signed_at)
        self.key = new
        return line

    def segment(
        self,
        n: int,
        contract: str,
        start: datetime,
        end: datetime,
        memo: str,
        minutes: list[MinuteActivity],
        shots: list[ScreenshotEntry],
        signed_at: datetime,
        kind: SegmentKind = SegmentKind.TRACKED,
        reason: str = "segment ended",
        change: Callable[[dict[str, Any]], None] | None = None,
    ) -> Line:
        """A segment; ``change`` alters its details before they are hashed and signed."""
        details = segment_details(memo, minutes, shots, reason)
        if change is not None:
            change(details)
        fields = segment_fields(
            ident("segment", n), kind, start, end, sha256_hex(canonical(details))
        )
        return self.add(SEGMENT, contract, fields, details, signed_at)

    def amend(
        self,
        segment: int,
        contract: str,
        kind: AmendmentKind,
        made_at: datetime,
        signed_at: datetime,
        *,
        memo: str | None = None,
        reason: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        screenshot: str | None = None,
        fields_change: Callable[[dict[str, Any]], None] | None = None,
    ) -> Line:
        details = amendment_details(memo, reason)
        fields = amendment_fields(
            ident("segment", segment),
            kind,
            made_at,
            sha256_hex(canonical(details)),
            start=start,
            end=end,
            screenshot=screenshot,
        )
        if fields_change is not None:
            fields_change(fields)
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
    """Three small real JPEGs, made once and kept (a newer Pillow may encode other bytes)."""
    found = {}
    for name, colour in (
        ("first", (208, 48, 111)),
        ("second", (30, 160, 90)),
        ("third", (40, 60, 200)),
    ):
        path = directory / f"{name}.jpg"
        if not path.exists():
            from PIL import Image

            Image.new("RGB", (64, 40), colour).save(path, "JPEG", quality=70)
        found[name] = path.read_bytes()
    return found


# The valid chain: what each step is, and what it tests -------------------------------------------

#: A step adds a record; a variant of the chain replaces or adds steps (by seq).
Step = Callable[[Chain], object]


@dataclass
class Images:
    data: dict[str, bytes]

    def sha(self, name: str) -> str:
        return hashlib.sha256(self.data[name]).hexdigest()

    def shot(self, name: str, at: datetime, blurred: bool = False) -> ScreenshotEntry:
        return ScreenshotEntry(at, self.sha(name), None, blurred)


def valid_steps(images: Images) -> list[Step]:
    """One step a record: week 2026-W48 of contract 1, and what surrounds it."""
    unavailable = [
        *minutes(utc(25, 10, 30), 9),
        MinuteActivity(utc(25, 10, 39), unavailable="input listener stopped"),
    ]
    disk_full = ScreenshotEntry(utc(25, 10, 36, 2), None, "the disk is full", False)
    no_capture = ScreenshotEntry(utc(27, 9, 5), None, "the screen could not be captured", False)
    return [
        # 0: the device's genesis, the week before.
        lambda c: c.genesis(utc(20, 8, 0)),
        # 1: a segment of the week before: out of scope, yet its details are here (and checked).
        lambda c: c.segment(1, "1", utc(20, 9, 0), utc(20, 9, 10), "Last week",
                              minutes(utc(20, 9, 0), 10), [], utc(20, 9, 10, 1)),
        # 2: deleted below (seq 9), so its screenshot file stays out of the bundle.
        lambda c: c.segment(2, "1", utc(25, 10, 3, 27), utc(25, 10, 10), "Checkout page",
                              minutes(utc(25, 10, 3), 7), [images.shot("first", utc(25, 10, 5, 12))],
                              utc(25, 10, 10, 1)),
        # 3: every kind of tricky character in the memo; a blurred screenshot.
        lambda c: c.segment(3, "1", utc(25, 10, 10), utc(25, 10, 20), TRICKY_MEMO,
                              minutes(utc(25, 10, 10), 10),
                              [images.shot("second", utc(25, 10, 14, 50), blurred=True)],
                              utc(25, 10, 20, 1)),
        # 4: another contract's segment: out of scope, its signed header only.
        lambda c: c.segment(4, "2", utc(25, 10, 20), utc(25, 10, 30), "Another client",
                              minutes(utc(25, 10, 20), 10), [], utc(25, 10, 30, 1)).pop("details"),
        # 5: the key is rotated.
        lambda c: c.rotate(private_key("rotated"), utc(25, 10, 31)),
        # 6: signed by the new key; the screenshot is missing; the last minute had no listener.
        lambda c: c.segment(6, "1", utc(25, 10, 30), utc(25, 10, 40), "Checkout page",
                              unavailable, [disk_full], utc(25, 10, 40, 1)),
        # 7: seq 3's memo is edited.
        lambda c: c.amend(3, "1", AmendmentKind.MEMO, utc(25, 12, 0), utc(25, 12, 0, 1),
                            memo="Tax rules for the EU"),
        # 8: 10:32 to 10:35 of seq 6 is discarded...
        lambda c: c.amend(6, "1", AmendmentKind.IDLE_DISCARD, utc(25, 12, 1), utc(25, 12, 1, 1),
                            start=utc(25, 10, 32), end=utc(25, 10, 35), reason="the user decided"),
        # 9: seq 2 is deleted.
        lambda c: c.amend(2, "1", AmendmentKind.DELETE_SEGMENT, utc(25, 12, 2), utc(25, 12, 2, 1),
                            reason="a private call"),
        # 10: ...and 10:34 to 10:37 of it too: the union, 10:32 to 10:37, is discarded once.
        lambda c: c.amend(6, "1", AmendmentKind.IDLE_DISCARD, utc(25, 12, 3), utc(25, 12, 3, 1),
                            start=utc(25, 10, 34), end=utc(25, 10, 37), reason="the user decided"),
        # 11: manual time: no minutes, no screenshots.
        lambda c: c.segment(11, "1", utc(26, 9, 0), utc(26, 9, 10), "Call with the client", [],
                              [], utc(26, 9, 30), SegmentKind.MANUAL, "added by hand"),
        # 12: a screenshot taken in the second the segment closed carries its end.
        lambda c: c.segment(12, "1", utc(27, 9, 0), utc(27, 9, 10), "Import script",
                              minutes(utc(27, 9, 0), 10), [images.shot("third", utc(27, 9, 10))],
                              utc(27, 9, 10, 1)),
        # 13: a segment of no length inside seq 12's time: it overlaps nothing, counts 0 s.
        lambda c: c.segment(13, "1", utc(27, 9, 5), utc(27, 9, 5), "Import script", [],
                              [no_capture], utc(27, 9, 10, 2),
                              reason="recovered after an unexpected stop"),
        # 14: the same screen as seq 12, so the same file...
        lambda c: c.segment(14, "1", utc(27, 9, 10), utc(27, 9, 20), "Import script",
                              minutes(utc(27, 9, 10), 10), [images.shot("third", utc(27, 9, 12))],
                              utc(27, 9, 20, 1)),
        # 15: ...whose screenshot is deleted: seq 14 no longer counts, seq 12 still does.
        lambda c: c.amend(14, "1", AmendmentKind.DELETE_SCREENSHOT, utc(27, 9, 30),
                            utc(27, 9, 30, 1), screenshot=images.sha("third"),
                            reason="deleted by the freelancer"),
        # 16, 17: the only segment of the 28th, deleted: the day has no hours, and no row.
        lambda c: c.segment(16, "1", utc(28, 9, 0), utc(28, 9, 10), "Weekend fix",
                              minutes(utc(28, 9, 0), 10), [images.shot("first", utc(28, 9, 4))],
                              utc(28, 9, 10, 1)),
        lambda c: c.amend(16, "1", AmendmentKind.DELETE_SEGMENT, utc(28, 9, 20), utc(28, 9, 20, 1),
                            reason="not for this client"),
    ]  # fmt: skip


#: Billable seconds of each in-scope segment of the valid chain, by its seq, worked out by
#: hand from docs/protocol.md: seq 3 whole; seq 6 less the union 10:32-10:37 (5 min, not the
#: 6 min the two discards sum to); the manual 10 min; seq 12 whole; deleted segments 0.
SEGMENT_SECONDS = {
    2: ("1", "2026-11-25", 0),
    3: ("1", "2026-11-25", 600),
    6: ("1", "2026-11-25", 300),
    11: ("1", "2026-11-26", 600),
    12: ("1", "2026-11-27", 600),
    13: ("1", "2026-11-27", 0),
    14: ("1", "2026-11-27", 0),
    16: ("1", "2026-11-28", 0),
}


def hours(excluded: set[int]) -> dict[str, int]:
    """The hours of the valid chain's segments but those ``excluded``; days with 0 s left out."""
    found: dict[str, int] = {}
    for seq, (contract, day, seconds) in SEGMENT_SECONDS.items():
        if seq not in excluded and seconds:
            found[f"{contract} {day}"] = found.get(f"{contract} {day}", 0) + seconds
    return found


def build(steps: list[Step]) -> Chain:
    chain = Chain(private_key("device"))
    for step in steps:
        step(chain)
    return chain


# A bundle to write, and the changes that make the other vectors ----------------------------------


@dataclass
class Bundle:
    manifest: dict[str, Any]
    #: keys.jsonl: the key records of each device, as record entries.
    keys: list[Line]
    lines: list[Line]
    files: dict[str, bytes]
    images: Images
    #: Applied to records.jsonl's bytes as written (for framing cases).
    raw: Callable[[bytes], bytes] | None = None
    #: Lines written as given text instead of encoded (for values JSON encoders refuse).
    text: dict[int, str] = field(default_factory=dict)
    #: receipts.jsonl and marketplace.json, when the bundle carries a marketplace's receipts.
    receipts: list[Line] | None = None
    marketplace: dict[str, Any] | None = None


def manifest(chains: list[Chain], first_seq: int = 0) -> dict[str, Any]:
    return {
        "format": BUNDLE_FORMAT,
        "week": "2026-W48",
        "period": {"start": "2026-11-23T00:00:00Z", "end": "2026-11-30T00:00:00Z"},
        "contract": "1",
        "created_at": "2026-11-30T09:00:00Z",
        "created_by": "workdiary test vectors",
        "devices": [
            {
                "device": chain.device,
                "first_seq": first_seq,
                "head": {"seq": chain.lines[-1]["record"]["seq"], "hash": chain.lines[-1]["hash"]},
            }
            for chain in chains
        ],
    }


def key_lines(chain: Chain) -> list[Line]:
    """The chain's key records, for keys.jsonl: its genesis and every rotation."""
    return [json.loads(json.dumps(line)) for line in chain.lines if line["record"]["type"] == "key"]


def base_bundle(images: Images, steps: list[Step] | None = None) -> Bundle:
    chain = build(steps or valid_steps(images))
    files = {
        f"screenshots/{images.sha(name)}.jpg": images.data[name] for name in ("second", "third")
    }
    return Bundle(manifest([chain]), key_lines(chain), chain.lines, files, images)


def _at(b: Bundle, seq: int) -> int:
    return next(i for i, line in enumerate(b.lines) if line["record"]["seq"] == seq)


def _head_again(b: Bundle) -> None:
    b.manifest["devices"][0]["head"] = {
        "seq": b.lines[-1]["record"]["seq"],
        "hash": b.lines[-1]["hash"],
    }


def _signed_variant(change: Callable[[Images, list[Step]], None]) -> Callable[[Bundle], Bundle]:
    """A chain the device itself signed differently: rebuilt with some steps changed."""

    def make(b: Bundle) -> Bundle:
        steps = valid_steps(b.images)
        change(b.images, steps)
        return base_bundle(b.images, steps)

    return make


Change = Callable[[Bundle], Bundle | None]


# Changed after signing.


def memo_changed(b: Bundle) -> None:
    b.lines[_at(b, 3)]["details"]["memo"] = "Something more impressive"


def minute_count_changed(b: Bundle) -> None:
    b.lines[_at(b, 6)]["details"]["minutes"][0]["keys"] += 1


def out_of_scope_details_changed(b: Bundle) -> None:
    b.lines[_at(b, 1)]["details"]["minutes"][0]["keys"] += 1


def screenshot_swapped(b: Bundle) -> None:
    """The file of seq 3's screenshot replaced by another real screenshot."""
    b.files[f"screenshots/{b.images.sha('second')}.jpg"] = b.images.data["first"]


def screenshot_missing(b: Bundle) -> None:
    del b.files[f"screenshots/{b.images.sha('second')}.jpg"]


def details_missing(b: Bundle) -> None:
    del b.lines[_at(b, 3)]["details"]


def record_removed(b: Bundle) -> None:
    del b.lines[_at(b, 4)]


def records_reordered(b: Bundle) -> None:
    i, j = _at(b, 3), _at(b, 4)
    b.lines[i], b.lines[j] = b.lines[j], b.lines[i]


def record_duplicated(b: Bundle) -> None:
    i = _at(b, 3)
    b.lines.insert(i + 1, json.loads(json.dumps(b.lines[i])))


def segment_moved(b: Bundle) -> None:
    record = b.lines[_at(b, 6)]["record"]
    record["start"], record["end"] = "2026-11-25T11:30:00Z", "2026-11-25T11:40:00Z"


def amendment_signature_broken(b: Bundle) -> None:
    line = b.lines[_at(b, 7)]
    signature = bytearray(bytes.fromhex(line["signature"]))
    signature[0] ^= 0x80
    line["signature"] = signature.hex()


def head_cut(b: Bundle) -> None:
    b.lines.pop()


def start_cut(b: Bundle) -> None:
    b.lines = b.lines[2:]
    b.manifest["devices"][0]["first_seq"] = 2


# Malformed lines and framing.


def malformed_record(b: Bundle) -> None:
    b.lines[_at(b, 7)]["record"]["note"] = "an extra field"


def contract_null(b: Bundle) -> None:
    b.lines[_at(b, 11)]["record"]["contract"] = None


def uppercase_signature(b: Bundle) -> None:
    line = b.lines[_at(b, 4)]
    line["signature"] = line["signature"].upper()


def uppercase_hash(b: Bundle) -> None:
    line = b.lines[_at(b, 3)]
    line["hash"] = line["hash"].upper()


def lone_surrogate(b: Bundle) -> None:
    """Seq 3's memo holds an unpaired \\ud800: valid JSON text, but no canonical form."""
    i = _at(b, 3)
    b.lines[i]["details"]["memo"] = "LONE SURROGATE HERE"
    b.text[i] = json.dumps(b.lines[i], ensure_ascii=False).replace(
        "LONE SURROGATE HERE", "before \\ud800 after"
    )


def blank_line(b: Bundle) -> None:
    b.raw = lambda data: data.replace(b"\n", b"\n\n", 6).replace(b"\n\n", b"\n", 5)


def byte_order_mark(b: Bundle) -> None:
    b.raw = lambda data: b"\xef\xbb\xbf" + data


def crlf_and_noncanonical_lines(b: Bundle) -> None:
    """Verifies: CRLF line ends, the genesis seq written -0, escapes the canonical form avoids,
    members in another order, and no LF after the last line."""
    i = _at(b, 0)
    b.text[i] = json.dumps(b.lines[i], indent=1).replace("\n", " ").replace('"seq": 0', '"seq": -0')
    j = _at(b, 3)
    b.text[j] = json.dumps(b.lines[j], ensure_ascii=True, sort_keys=True)
    b.raw = lambda data: data.rstrip(b"\n").replace(b"\n", b"\r\n")


# Keys and devices.


def key_record_listed_twice(b: Bundle) -> None:
    b.keys.append(json.loads(json.dumps(b.keys[1])))


def record_of_another_key(b: Bundle) -> None:
    """A stranger signs an extra segment onto the chain's head: no key record of the device
    introduces their key, and they cannot sign one with the device's key."""
    stranger = private_key("stranger")
    chain = Chain(stranger)
    chain.device = b.lines[0]["record"]["device"]
    chain.lines = b.lines
    chain.segment(18, "1", utc(29, 10, 0), utc(29, 10, 10), "Extra hour",
                  minutes(utc(29, 10, 0), 10), [], utc(29, 10, 10, 1))  # fmt: skip
    _head_again(b)


def stranger_claims_the_device(b: Bundle) -> Bundle:
    """Someone with a key of their own makes a chain under the freelancer's device id, with a
    "genesis" of their key, and a bundle whose records start after it: the genesis gives them
    away (its key is not the device's)."""
    fake = Chain(private_key("stranger"))
    fake.device = b.lines[0]["record"]["device"]
    fake.genesis(utc(20, 8, 0))
    fake.segment(31, "1", utc(20, 9, 0), utc(20, 9, 10), "Last week",
                 minutes(utc(20, 9, 0), 10), [], utc(20, 9, 10, 1))  # fmt: skip
    fake.segment(32, "1", utc(25, 14, 0), utc(25, 14, 10), "Hours never worked",
                 minutes(utc(25, 14, 0), 10), [], utc(25, 14, 10, 1))  # fmt: skip
    fake.segment(33, "1", utc(25, 14, 10), utc(25, 14, 20), "Hours never worked",
                 minutes(utc(25, 14, 10), 10), [], utc(25, 14, 20, 1))  # fmt: skip
    return Bundle(manifest([fake], first_seq=1), key_lines(fake), fake.lines[1:], {}, b.images)


def record_of_another_device(b: Bundle) -> None:
    """Another device's genesis spliced into records.jsonl; the manifest does not list it."""
    stranger = Chain(private_key("stranger"), "stranger")
    stranger.genesis(utc(25, 9, 0))
    b.lines.insert(3, stranger.lines[0])


def amendment_of_another_device(b: Bundle) -> None:
    """A second, self-signed device, listed in full, deletes seq 3 of the first."""
    stranger = Chain(private_key("stranger"), "stranger")
    stranger.genesis(utc(25, 9, 0))
    stranger.amend(3, "1", AmendmentKind.DELETE_SEGMENT, utc(25, 13, 0), utc(25, 13, 0, 1),
                   reason="not worked")  # fmt: skip
    b.lines += stranger.lines
    b.keys += key_lines(stranger)
    b.manifest["devices"] += manifest([stranger])["devices"]


def genesis_with_prev(b: Bundle) -> None:
    chain = Chain(private_key("device"))
    record = dict(b.lines[0]["record"], prev="0" * 64)
    chain.append(record, None)
    b.lines[0] = chain.lines[0]


# A marketplace's receipts.

#: When the marketplace received each record: half a minute after the device signed it.
RECEIVED_AFTER = timedelta(seconds=30)


def marketplace_json(key: Ed25519PrivateKey) -> dict[str, Any]:
    """marketplace.json: the key that signs the receipts, and its key id."""
    return {"algorithm": "Ed25519", "key_id": kid(key), "public_key": public(key).hex()}


def receipt(line: Line, key: Ed25519PrivateKey | None = None, **changes: Any) -> Line:
    """The receipt entry a marketplace signs for a record entry: by ``key`` (the marketplace's
    when None), naming the key's id, its fields changed by ``changes`` before signing."""
    key = key or private_key("marketplace")
    record = line["record"]
    fields = {
        "format": RECEIPT_FORMAT,
        "marketplace": kid(key),
        "record": line["hash"],
        "device": record["device"],
        "seq": record["seq"],
        "contract": record["contract"],
        "received_at": timestamp(parse_timestamp(record["signed_at"]) + RECEIVED_AFTER),
    }
    fields.update(changes)
    return {"receipt": fields, "signature": key.sign(canonical(fields)).hex()}


def with_receipts(b: Bundle) -> None:
    """Verifies: a receipt of every record, and the marketplace's key."""
    b.receipts = [receipt(line) for line in b.lines]
    b.marketplace = marketplace_json(private_key("marketplace"))


def _receipt_at(b: Bundle, seq: int) -> int:
    assert b.receipts is not None
    return next(i for i, line in enumerate(b.receipts) if line["receipt"]["seq"] == seq)


def receipts_from_seq_1(b: Bundle) -> None:
    """Verifies: the bundle starts at seq 1 (signed before the week), and the receipt of seq 0,
    before the bundle's stretch of the chain, names the genesis keys.jsonl holds: it vouches for
    the device's key."""
    with_receipts(b)
    del b.lines[_at(b, 0)]
    b.manifest["devices"][0]["first_seq"] = 1


def receipt_of_another_genesis(b: Bundle) -> None:
    """The bundle starts at seq 1, and the receipt of seq 0 names another genesis of the same key
    (signed a minute later) than the one keys.jsonl holds: it vouches for nothing."""
    receipts_from_seq_1(b)
    assert b.receipts is not None
    other = Chain(private_key("device"))
    other.genesis(utc(20, 8, 1))
    assert other.lines[0]["hash"] != b.keys[0]["hash"]
    b.receipts[_receipt_at(b, 0)] = receipt(other.lines[0])


def receipt_signature_broken(b: Bundle) -> None:
    with_receipts(b)
    assert b.receipts is not None
    line = b.receipts[_receipt_at(b, 6)]
    signature = bytearray(bytes.fromhex(line["signature"]))
    signature[0] ^= 0x80
    line["signature"] = signature.hex()


def receipt_by_another_marketplace(b: Bundle) -> None:
    """Seq 3's receipt is signed by another key, which it names: not the bundle's marketplace."""
    with_receipts(b)
    assert b.receipts is not None
    b.receipts[_receipt_at(b, 3)] = receipt(b.lines[_at(b, 3)], private_key("stranger"))


def receipt_of_another_record(b: Bundle) -> None:
    """The device signed another seq 12 (another memo), and that is the one the marketplace
    received: the bundle's seq 12 is not it."""
    with_receipts(b)
    assert b.receipts is not None
    steps = valid_steps(b.images)
    steps[12] = lambda c: c.segment(
        12, "1", utc(27, 9, 0), utc(27, 9, 10), "Import script, first version",
        minutes(utc(27, 9, 0), 10), [b.images.shot("third", utc(27, 9, 10))], utc(27, 9, 10, 1),
    )  # fmt: skip
    other = build(steps).lines[12]
    assert other["hash"] != b.lines[_at(b, 12)]["hash"]
    b.receipts[_receipt_at(b, 12)] = receipt(other)


def receipt_of_another_contract(b: Bundle) -> None:
    """Seq 11's receipt names its hash, but contract 2."""
    with_receipts(b)
    assert b.receipts is not None
    b.receipts[_receipt_at(b, 11)] = receipt(b.lines[_at(b, 11)], contract="2")


def receipt_of_another_device(b: Bundle) -> None:
    """A receipt of a device the manifest does not list."""
    with_receipts(b)
    assert b.receipts is not None
    stranger = Chain(private_key("stranger"), "stranger")
    stranger.genesis(utc(25, 9, 0))
    b.receipts.append(receipt(stranger.lines[0]))


def receipt_malformed(b: Bundle) -> None:
    """Seq 12's receipt has a field too many: the line is not a receipt entry."""
    with_receipts(b)
    assert b.receipts is not None
    b.receipts[_receipt_at(b, 12)]["receipt"]["note"] = "an extra field"


def truncated(b: Bundle) -> None:
    """Seq 17, the deletion of seq 16, is cut off and the manifest's head edited to match, with
    seq 16's screenshot file added: the chain is whole and seq 16 counts again, but the
    marketplace's receipt of seq 17 is still in the bundle."""
    with_receipts(b)
    b.lines.pop()
    _head_again(b)
    b.files[f"screenshots/{b.images.sha('first')}.jpg"] = b.images.data["first"]


# Signed by the device, but against the rules.


def _replace(seq: int, step: Callable[[Images], Step]) -> Callable[[Images, list[Step]], None]:
    def change(images: Images, steps: list[Step]) -> None:
        steps[seq] = step(images)

    return change


def _append(step: Callable[[Images], Step]) -> Callable[[Images, list[Step]], None]:
    def change(images: Images, steps: list[Step]) -> None:
        steps.append(step(images))

    return change


def _append_both(
    first: Callable[[Images], Step], second: Callable[[Images], Step]
) -> Callable[[Images, list[Step]], None]:
    def change(images: Images, steps: list[Step]) -> None:
        steps += [first(images), second(images)]

    return change


def _wrong_active(details: dict[str, Any]) -> None:
    details["active_minutes"] -= 1


def _minute_left_out(details: dict[str, Any]) -> None:
    details["minutes"].pop()
    details["active_minutes"] -= 1


def _memo_segment(change: Callable[[dict[str, Any]], None]) -> Callable[[Images], Step]:
    return lambda images: lambda c: (
        c.segment(3, "1", utc(25, 10, 10), utc(25, 10, 20), TRICKY_MEMO,
                  minutes(utc(25, 10, 10), 10),
                  [images.shot("second", utc(25, 10, 14, 50), blurred=True)],
                  utc(25, 10, 20, 1), change=change)
    )  # fmt: skip


def _with_times(fields: dict[str, Any]) -> None:
    fields["start"], fields["end"] = "2026-11-25T10:12:00Z", "2026-11-25T10:13:00Z"


SIGNED_VARIANTS: dict[str, Callable[[Images, list[Step]], None]] = {
    "active-minutes-wrong": _replace(3, _memo_segment(_wrong_active)),
    "minute-left-out": _replace(3, _memo_segment(_minute_left_out)),
    "segment-across-slots": _replace(11, lambda _i: lambda c: (
        c.segment(11, "1", utc(26, 9, 5), utc(26, 9, 15), "Call with the client", [], [],
                  utc(26, 9, 30), SegmentKind.MANUAL, "added by hand"))),
    "signed-before-end": _replace(11, lambda _i: lambda c: (
        c.segment(11, "1", utc(26, 9, 0), utc(26, 9, 10), "Call with the client", [], [],
                  utc(26, 9, 5), SegmentKind.MANUAL, "added by hand"))),
    "overlap": _append(lambda _i: lambda c: (
        c.segment(18, "2", utc(25, 10, 35), utc(25, 10, 40), "Another client",
                  minutes(utc(25, 10, 35), 5), [], utc(28, 10, 0)))),
    "amendment-extra-fields": _replace(7, lambda _i: lambda c: (
        c.amend(3, "1", AmendmentKind.MEMO, utc(25, 12, 0), utc(25, 12, 0, 1),
                memo="Tax rules for the EU", fields_change=_with_times))),
    # A segment an old version closed after a crash before its screenshot: it cannot verify...
    "screenshot-after-end": _append(lambda i: lambda c: (
        c.segment(18, "1", utc(29, 9, 0), utc(29, 9, 3), "Before the crash",
                  minutes(utc(29, 9, 0), 3), [i.shot("third", utc(29, 9, 4, 10))],
                  utc(29, 9, 20), reason="recovered after an unexpected stop"))),
    # ...until it is deleted: a deleted segment's screenshots back no time, and are not checked.
    "screenshot-after-end-deleted": _append_both(
        lambda i: lambda c: (
            c.segment(18, "1", utc(29, 9, 0), utc(29, 9, 3), "Before the crash",
                      minutes(utc(29, 9, 0), 3), [i.shot("third", utc(29, 9, 4, 10))],
                      utc(29, 9, 20), reason="recovered after an unexpected stop")),
        lambda _i: lambda c: (
            c.amend(18, "1", AmendmentKind.DELETE_SEGMENT, utc(29, 9, 30), utc(29, 9, 30, 1),
                    reason="it cannot verify")),
    ),
    "delete-screenshot-without-hash": _replace(15, lambda _i: lambda c: (
        c.amend(14, "1", AmendmentKind.DELETE_SCREENSHOT, utc(27, 9, 30), utc(27, 9, 30, 1),
                reason="deleted by the freelancer"))),
}  # fmt: skip

#: Each bundle: how it differs from the valid one, the failures docs/protocol.md requires as
#: (seq, code) pairs (-1: at no record), and which in-scope segments (by seq) no longer count.
VECTORS: dict[str, tuple[Change | None, list[tuple[int, str]], set[int]]] = {
    "valid": (None, [], set()),
    "crlf-and-noncanonical-lines": (crlf_and_noncanonical_lines, [], set()),
    # Changed after signing.
    "memo-changed": (memo_changed, [(3, "details")], {3}),
    "minute-count-changed": (minute_count_changed, [(6, "details")], {6}),
    "out-of-scope-details-changed": (out_of_scope_details_changed, [(1, "details")], set()),
    "details-missing": (details_missing, [(3, "details-missing")], {3}),
    "screenshot-swapped": (screenshot_swapped, [(3, "screenshot")], {3}),
    "screenshot-missing": (screenshot_missing, [(3, "screenshot-missing")], {3}),
    "record-removed": (record_removed, [(5, "gap")], set()),
    "records-reordered": (records_reordered, [(3, "order")], {3}),
    "record-duplicated": (record_duplicated, [(3, "duplicate")], {3}),
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
            (10, "amendment"),
        ],
        {3, 6},  # seq 3's memo edit, seq 7, fails its link
    ),
    "amendment-bad-signature": (amendment_signature_broken, [(7, "signature")], {3}),
    # Seq 16's deletion is cut off: its screenshot should now be here.
    "head-cut": (head_cut, [(16, "head"), (16, "screenshot-missing")], {16}),
    "start-cut": (start_cut, [(2, "edge")], {2}),
    # Malformed lines: reported at their seq when it can be read, and left out of the chain.
    "malformed-record": (malformed_record, [(7, "format"), (8, "gap")], {6}),
    "contract-null": (contract_null, [(11, "format"), (12, "gap")], {11, 12}),
    "uppercase-signature": (uppercase_signature, [(4, "format"), (5, "gap")], set()),
    "uppercase-hash": (uppercase_hash, [(3, "hash")], {3}),
    "lone-surrogate": (lone_surrogate, [(3, "format")], {3}),
    "blank-line": (blank_line, [(-1, "format")], set()),
    "byte-order-mark": (byte_order_mark, [(-1, "format")], set()),
    # Keys and devices.
    "key-record-listed-twice": (key_record_listed_twice, [(5, "duplicate")], set()),
    "record-of-another-key": (record_of_another_key, [(18, "key"), (18, "unknown-key")], set()),
    # Only the stranger's records: none of the valid chain's hours are in it.
    "stranger-claims-the-device": (
        stranger_claims_the_device,
        [(0, "genesis")] + [(seq, code) for seq in (1, 2, 3) for code in ("key", "unknown-key")],
        set(SEGMENT_SECONDS),
    ),
    "record-of-another-device": (
        record_of_another_device,
        [(0, "device"), (0, "unknown-key")],
        set(),
    ),
    "amendment-of-another-device": (amendment_of_another_device, [(1, "amendment")], {3}),
    # keys.jsonl holds the true genesis: the changed one in records.jsonl is not it.
    "genesis-with-prev": (
        genesis_with_prev,
        [(0, "genesis"), (0, "key"), (1, "link")],
        set(),
    ),
    # Signed by the device, against the rules.
    "active-minutes-wrong": (None, [(3, "active-minutes")], {3}),
    "minute-left-out": (None, [(3, "minutes")], {3}),
    "segment-across-slots": (None, [(11, "alignment")], {11}),
    "signed-before-end": (None, [(11, "time")], {11}),
    "overlap": (None, [(18, "overlap")], set()),
    "amendment-extra-fields": (None, [(7, "amendment")], {3}),
    "delete-screenshot-without-hash": (None, [(15, "amendment")], {14}),
    "screenshot-after-end": (None, [(18, "screenshot")], set()),
    "screenshot-after-end-deleted": (None, [], set()),
    # A marketplace's receipts: checked after the hours, they never change which segments count.
    "receipts": (with_receipts, [], set()),
    "receipts-from-seq-1": (receipts_from_seq_1, [], set()),
    "receipt-of-another-genesis": (receipt_of_another_genesis, [(0, "receipt")], set()),
    "receipt-signature-broken": (receipt_signature_broken, [(6, "receipt")], set()),
    "receipt-by-another-marketplace": (receipt_by_another_marketplace, [(3, "receipt")], set()),
    "receipt-of-another-record": (receipt_of_another_record, [(12, "receipt")], set()),
    "receipt-of-another-contract": (receipt_of_another_contract, [(11, "receipt")], set()),
    "receipt-of-another-device": (receipt_of_another_device, [(-1, "receipt")], set()),
    "receipt-malformed": (receipt_malformed, [(-1, "receipt")], set()),
    "truncated": (truncated, [(16, "truncated")], set()),
}

#: The key records whose receipt vouches for the key they introduce: in each bundle with
#: receipts, the genesis (seq 0) and the rotation (seq 5), unless the receipt does not fit.
VOUCHED: dict[str, list[int]] = {
    name: [0, 5]
    for name in (
        "receipts",
        "receipts-from-seq-1",
        "receipt-signature-broken",
        "receipt-by-another-marketplace",
        "receipt-of-another-record",
        "receipt-of-another-contract",
        "receipt-of-another-device",
        "receipt-malformed",
        "truncated",
    )
} | {"receipt-of-another-genesis": [5]}

#: Hours a change brings back: with its deletion cut off, seq 16's 10 minutes count again.
MORE_HOURS: dict[str, dict[str, int]] = {"truncated": {"1 2026-11-28": 600}}

#: Zip files that are not bundles: verify refuses them.
REFUSED = (
    "duplicate-member",
    "member-outside",
    "week-not-its-period",
    "format-1",
    "receipts-without-marketplace",
    "marketplace-key-id-wrong",
    "marketplace-other-algorithm",
)


def records_bytes(b: Bundle) -> bytes:
    text = "".join(
        (b.text[i] if i in b.text else json.dumps(line, ensure_ascii=False)) + "\n"
        for i, line in enumerate(b.lines)
    ).encode("utf-8", "surrogatepass")
    return b.raw(text) if b.raw else text


def jsonl(lines: list[Line]) -> bytes:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


def json_file(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, indent=2) + "\n").encode()


def write_bundle(directory: Path, b: Bundle) -> None:
    directory.mkdir(parents=True)
    (directory / "manifest.json").write_bytes(json_file(b.manifest))
    (directory / "keys.jsonl").write_bytes(jsonl(b.keys))
    (directory / "records.jsonl").write_bytes(records_bytes(b))
    if b.receipts is not None:
        (directory / "receipts.jsonl").write_bytes(jsonl(b.receipts))
    if b.marketplace is not None:
        (directory / "marketplace.json").write_bytes(json_file(b.marketplace))
    for name, data in b.files.items():
        (directory / name).parent.mkdir(exist_ok=True)
        (directory / name).write_bytes(data)


def refused_zip(name: str, b: Bundle) -> bytes:
    """A zip of the valid bundle broken as ``name`` says, made byte for byte the same each time."""
    manifest = dict(b.manifest)
    if name == "week-not-its-period":  # labelled the week before: verify would print it
        manifest["week"] = "2026-W47"
    if name == "format-1":  # an older bundle: keys.json said, unsigned, whose key is whose
        manifest["format"] = "workdiary-bundle/1"
    members = [
        ("manifest.json", json.dumps(manifest, indent=2).encode()),
        ("keys.jsonl", jsonl(b.keys)),
        ("records.jsonl", records_bytes(b)),
        *sorted(b.files.items()),
    ]
    if name == "duplicate-member":  # a second records.jsonl, with the newest record cut
        members.append(("records.jsonl", records_bytes(b).rsplit(b"\n", 2)[0] + b"\n"))
    if name == "member-outside":  # a screenshot that would unpack outside where it is unpacked
        members.append(("screenshots/../../escaped.jpg", b.images.data["first"]))
    market = private_key("marketplace")
    if name == "receipts-without-marketplace":  # receipts, but no key to check them with
        members.append(("receipts.jsonl", jsonl([receipt(line) for line in b.lines])))
    if name == "marketplace-key-id-wrong":  # a stranger's key under the marketplace's key id
        stranger = private_key("stranger")
        lines = [receipt(line, stranger, marketplace=kid(market)) for line in b.lines]
        key = dict(marketplace_json(stranger), key_id=kid(market))
        members += [("receipts.jsonl", jsonl(lines)), ("marketplace.json", json_file(key))]
    if name == "marketplace-other-algorithm":  # a key of an algorithm this format does not use
        key = dict(marketplace_json(market), algorithm="Ed448")
        lines = [receipt(line) for line in b.lines]
        members += [("receipts.jsonl", jsonl(lines)), ("marketplace.json", json_file(key))]
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # "Duplicate name": that is the point
        for member, data in members:
            info = zipfile.ZipInfo(member, date_time=(2026, 11, 30, 9, 0, 0))
            archive.writestr(info, data)
    return buffer.getvalue()


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
    images = Images(screenshot_files(HERE))
    base = base_bundle(images)
    for stale in ("valid", "tampered", "bundles", "refused"):
        shutil.rmtree(target / stale, ignore_errors=True)
    verdicts: dict[str, Any] = {}
    for name, (change, failures, excluded) in VECTORS.items():
        bundle = base_bundle(images)
        if name in SIGNED_VARIANTS:
            bundle = _signed_variant(SIGNED_VARIANTS[name])(bundle)
        elif change is not None:
            bundle = change(bundle) or bundle
        write_bundle(target / "bundles" / name, bundle)
        verdicts[name] = {
            "ok": not failures,
            "failures": [{"seq": s, "code": c} for s, c in sorted(failures)],
            "hours": hours(excluded) | MORE_HOURS.get(name, {}),
            "vouched": VOUCHED.get(name, []),
        }
    (target / "refused").mkdir()
    for name in REFUSED:
        (target / "refused" / f"{name}.zip").write_bytes(refused_zip(name, base))
        verdicts[name] = {"refused": True}
    expected = {
        "keys": {
            name: {
                "seed": private_key(name).private_bytes_raw().hex(),
                "public_key": public(private_key(name)).hex(),
                "key_id": kid(private_key(name)),
            }
            for name in ("device", "rotated", "stranger", "marketplace")
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
            for line in base.lines
        ],
        "receipts": [
            {
                "seq": line["receipt"]["seq"],
                "canonical": canonical(line["receipt"]).decode(),
                "signature": line["signature"],
            }
            for line in map(receipt, base.lines)
        ],
        "canonical_json": canonical_cases(),
        "verdicts": verdicts,
    }
    (target / "expected.json").write_text(
        json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
