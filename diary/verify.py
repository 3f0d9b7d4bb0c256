"""Verifying signed records in memory: a bundle's worth (``verify_records``) or a batch that
extends a chain whose head is known (``verify_extension``), and what they count for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .canonical import Json
from .chain import check_links, check_signature, first_of_each_seq
from .checks import (
    ScreenshotFiles,
    check_amendment_fits,
    check_details,
    check_overlaps,
    check_record,
    check_screenshot_files,
)
from .entries import Entry
from .failures import Failure
from .keychain import KeyChain, check_key_chain
from .limits import LIMITS, Limits
from .receipts import MarketplaceKey, Receipt, check_receipts, vouching
from .records import DELETING, AmendmentKind, RecordType, SegmentKind
from .rules import Change, Counted, count_segment
from .times import parse_timestamp


@dataclass(frozen=True)
class Scope:
    """Which segments must carry their details and count in the hours: those starting in
    [start, end), of one contract or of all (docs/protocol.md, "Scope")."""

    start: datetime
    end: datetime
    contract: str | None

    def holds(self, record: Json) -> bool:
        if record["type"] != RecordType.SEGMENT:
            return False
        if self.contract is not None and record["contract"] != self.contract:
            return False
        return self.start <= parse_timestamp(record["start"]) < self.end


@dataclass(frozen=True)
class Receipts:
    """A bundle's receipts (each read, or the `receipt` failure of its line) and the key of the
    marketplace that signed them."""

    key: MarketplaceKey
    entries: Iterable[Receipt | Failure]


@dataclass(frozen=True)
class Head:
    """A device's head as a bundle's manifest names it."""

    seq: int
    hash: str


@dataclass
class Verdict:
    """Every failure, and the hours of the in-scope segments that verified."""

    records: int = 0
    screenshots: int = 0
    #: Each device with records here: its id, the keys that signed them, its first and last seq,
    #: its segments, and its key chain up to its head ("key_chain": each key, the seq of the key
    #: record that introduces it, and "vouched_by": the key id of the marketplace whose receipt
    #: of that key record the bundle carries, or None: self-issued as far as the bundle shows).
    devices: list[Json] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    #: Billable seconds by (contract, UTC day "YYYY-MM-DD"), more than 0, from segments that
    #: verified.
    seconds: dict[tuple[str, str], int] = field(default_factory=dict)
    unverified_segments: int = 0
    #: The in-scope segments that verified (none of their records failed): they count.
    verified_segments: set[str] = field(default_factory=set)
    #: Failures past the limit a verdict lists: counted, not kept.
    more_failures: int = 0
    #: The key id of the marketplace whose receipts the bundle carries, and when it received
    #: each record whose receipt verified, by (device, seq).
    marketplace: str | None = None
    received: dict[tuple[str, int], str] = field(default_factory=dict)
    #: How many of the records that take part carry a receipt that verified, and the latest
    #: time the marketplace received one of them.
    receipted: int = 0
    last_received: str | None = None
    #: For each in-scope segment whose receipt verified: how long after its end the
    #: marketplace received it (late is not wrong: offline work arrives late).
    lags: list[Json] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.more_failures


def verify_records(
    lines: Iterable[Entry | Failure],
    key_lines: Iterable[Entry | Failure],
    heads: Mapping[str, Head],
    scope: Scope,
    files: ScreenshotFiles,
    limits: Limits = LIMITS,
    receipts: Receipts | None = None,
) -> Verdict:
    """Verify a bundle's records: ``lines`` and ``key_lines`` as read from records.jsonl and
    keys.jsonl (a malformed line is its `format` failure), each device's head, the bundle's
    scope and its screenshot files, and a marketplace's receipts when the bundle has them."""
    verdict = Verdict()
    failures = verdict.failures
    key_chains = _key_chains(_entries(key_lines, failures), heads, failures)
    entries = _entries(lines, failures)
    verdict.records = len(entries)
    for entry in entries:
        failures += _check_signature(entry, key_chains)
    by_device: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_device[entry.device].append(entry)
    kept: list[Entry] = []
    for device, lines_of_device in by_device.items():
        head = heads.get(device)
        if head is None:
            failures += [
                e.failure(
                    "device",
                    f"The record is from device {device[:12]}, which this bundle's manifest does "
                    "not list (a record of another device spliced in?).",
                )
                for e in lines_of_device
            ]
            continue
        chain, chain_failures = first_of_each_seq(device, lines_of_device)
        failures += chain_failures
        keys = key_chains[device]
        failures += check_links(chain, None, keys.keys, scope.start, keys.key_at)
        failures += _same_key_records(chain, keys)
        failures += _check_head(chain[-1], head)
        kept += chain
        verdict.devices.append(_device_summary(device, chain))
    for device in heads.keys() - by_device.keys():
        failures.append(
            Failure(
                "head",
                f"The manifest lists device {device[:12]}, but none of its records are here.",
            )
        )
    kept.sort(key=lambda e: e.at)
    diary = _check_diary(kept, scope, files, failures)
    failures += diary.failures
    verdict.seconds = diary.seconds
    verdict.screenshots = diary.screenshots
    verdict.unverified_segments = diary.unverified_segments
    verdict.verified_segments = diary.verified
    verified: dict[tuple[str, int], Receipt] = {}
    if receipts is not None:
        held = {e.at: e for e in kept}
        # A receipt of a key record before the stretch is compared with keys.jsonl's.
        key_records = {
            (device, seq): entry
            for device, chain in key_chains.items()
            for seq, entry in chain.records.items()
        }
        found, verified = check_receipts(
            receipts.entries, receipts.key, key_records | held, {d: h.seq for d, h in heads.items()}
        )
        failures += found
        verdict.marketplace = receipts.key.key_id
        verdict.received = {at: r.received_at for at, r in verified.items()}
        of_records = [r.received_at for at, r in verified.items() if at in held]
        verdict.receipted = len(of_records)
        verdict.last_received = max(of_records, default=None)
        verdict.lags = _lags(kept, scope, verdict.received)
    key = None if receipts is None else receipts.key
    for summary in verdict.devices:
        device = summary["device"]
        summary["key_chain"] = vouching(key_chains[device], heads[device].seq, key, verified)
    _keep_at_most(verdict, limits.failures)
    return verdict


def _lags(kept: list[Entry], scope: Scope, received: Mapping[tuple[str, int], str]) -> list[Json]:
    """How long after each in-scope segment ended the marketplace received its record."""
    lags = []
    for entry in kept:
        when = received.get(entry.at)
        if when is None or not scope.holds(entry.record):
            continue
        end = entry.record["end"]
        lags.append(
            {
                "segment": entry.record["segment"],
                "device": entry.device,
                "seq": entry.seq,
                "end": end,
                "received_at": when,
                "lag_seconds": int((parse_timestamp(when) - parse_timestamp(end)).total_seconds()),
            }
        )
    return lags


def _keep_at_most(verdict: Verdict, count: int) -> None:
    """List the first ``count`` failures, by device, seq and line; count the rest."""
    if len(verdict.failures) <= count:
        return
    ordered = sorted(
        verdict.failures,
        key=lambda f: (f.device or "", -1 if f.seq is None else f.seq, f.line or 0, f.code),
    )
    verdict.failures, verdict.more_failures = ordered[:count], len(ordered) - count


def _entries(lines: Iterable[Entry | Failure], failures: list[Failure]) -> list[Entry]:
    entries: list[Entry] = []
    for item in lines:
        if isinstance(item, Failure):
            failures.append(item)
        else:
            entries.append(item)
    return entries


def _key_chains(
    entries: list[Entry], heads: Mapping[str, Head], failures: list[Failure]
) -> dict[str, KeyChain]:
    """Each listed device's key chain, from keys.jsonl; key records of other devices fail."""
    by_device: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_device[entry.device].append(entry)
    chains: dict[str, KeyChain] = {}
    for device in heads:
        chains[device], found = check_key_chain(device, by_device.pop(device, []))
        failures += found
        head = heads[device]
        failures += [
            Failure("head", "keys.jsonl holds a key record after the head.", None, device, seq)
            for seq in chains[device].hashes
            if seq > head.seq
        ]
    for strays in by_device.values():
        failures += [
            e.failure("device", "keys.jsonl holds a key record of a device the manifest lacks.")
            for e in strays
        ]
    return chains


def _check_signature(entry: Entry, key_chains: Mapping[str, KeyChain]) -> list[Failure]:
    """A record is checked with the keys its own device's key chain introduces."""
    own = key_chains.get(entry.device)
    keys = own.keys if own is not None else {}
    if entry.record["key"] in keys:
        return check_signature(entry, keys)
    elsewhere = any(entry.record["key"] in chain.keys for chain in key_chains.values())
    why = (
        "which another device's key records introduce"
        if elsewhere
        else "which no key record of its device introduces (keys.jsonl)"
    )
    return check_signature(entry, {}, {entry.record["key"]: why})


def _same_key_records(chain: list[Entry], keys: KeyChain) -> list[Failure]:
    """A key record in the stretch is the one keys.jsonl holds for its seq."""
    return [
        entry.failure(
            "key",
            "keys.jsonl "
            + (
                "lacks this key record."
                if entry.seq not in keys.hashes
                else "holds another key record for this seq."
            ),
        )
        for entry in chain
        if entry.type == RecordType.KEY and keys.hashes.get(entry.seq) != entry.hash
    ]


def _check_head(last: Entry, head: Head) -> list[Failure]:
    if last.seq == head.seq and last.hash == head.hash:
        return []
    return [
        last.failure(
            "head",
            f"The chain ends at seq {last.seq}, but the manifest says its head is seq "
            f"{head.seq} ({head.hash[:12]}): records at the end are missing or changed.",
        )
    ]


def _device_summary(device: str, chain: list[Entry]) -> Json:
    return {
        "device": device,
        "keys": sorted({e.record["key"] for e in chain}),
        "first_seq": chain[0].seq,
        "last_seq": chain[-1].seq,
        "segments": sum(1 for e in chain if e.type == RecordType.SEGMENT),
    }


# The diary's checks and hours ----------------------------------------------------------------


@dataclass
class _Diary:
    failures: list[Failure] = field(default_factory=list)
    seconds: dict[tuple[str, str], int] = field(default_factory=dict)
    screenshots: int = 0
    unverified_segments: int = 0
    verified: set[str] = field(default_factory=set)


def _check_diary(
    kept: list[Entry], scope: Scope, files: ScreenshotFiles, earlier: list[Failure]
) -> _Diary:
    diary = _Diary()
    failures = diary.failures
    segments: dict[str, Entry] = {}
    for entry in kept:
        failures += check_record(entry)
        if entry.type != RecordType.SEGMENT:
            continue
        if entry.record["segment"] in segments:
            failures.append(
                entry.failure("duplicate", "Another record already holds this segment.")
            )
        else:
            segments[entry.record["segment"]] = entry
    failures += check_overlaps([e for e in kept if e.type == RecordType.SEGMENT])
    amendments: dict[str, list[Entry]] = defaultdict(list)
    for entry in kept:
        if entry.type == RecordType.AMENDMENT:
            amendments[entry.record["segment"]].append(entry)
    in_scope = {sid: e for sid, e in segments.items() if scope.holds(e.record)}
    deleted = {
        sid
        for sid, changes in amendments.items()
        if any(a.record["kind"] in DELETING for a in changes)
    }
    details_ok: set[str] = set()
    for entry in kept:
        if entry.type == RecordType.KEY:
            continue
        scoped = entry.record["segment"] in in_scope
        if entry.details is None and scoped:
            failures.append(
                entry.failure(
                    "details-missing",
                    "The record belongs to this bundle's period and contract, but its details "
                    "(memo, activity, screenshots) are not in the bundle.",
                )
            )
        found = check_details(entry, entry.record["segment"] in deleted)
        failures += found
        if entry.details is not None and not found:
            details_ok.add(entry.id)
        segment = segments.get(entry.record["segment"])
        if entry.type == RecordType.AMENDMENT and segment is not None:
            failures += check_amendment_fits(entry, segment)
    for segment_id, entry in in_scope.items():
        if segment_id not in deleted and entry.id in details_ok:
            found, checked = check_screenshot_files(entry, files)
            failures += found
            diary.screenshots += checked
    failed = {f.at for f in earlier + failures if f.at is not None}
    for segment_id, entry in in_scope.items():
        changes = amendments[segment_id]
        if {entry.at, *(a.at for a in changes)} & failed:
            diary.unverified_segments += 1
            continue
        diary.verified.add(segment_id)
        seconds = count_entries(entry, changes).billable_seconds
        if seconds:
            key = (entry.record["contract"], entry.record["start"][:10])
            diary.seconds[key] = diary.seconds.get(key, 0) + seconds
    return diary


def count_entries(segment: Entry, amendments: Iterable[Entry]) -> Counted:
    """What a verified segment record counts for with its verified amendments (docs/protocol.md,
    "Hours")."""
    record = segment.record
    memo = (segment.details or {}).get("memo", "")
    changes = [
        Change(
            kind=AmendmentKind(a.record["kind"]),
            made_at=parse_timestamp(a.record["made_at"]),
            order=a.seq,
            memo=(a.details or {}).get("memo"),
            start=None if a.record["start"] is None else parse_timestamp(a.record["start"]),
            end=None if a.record["end"] is None else parse_timestamp(a.record["end"]),
        )
        for a in amendments
    ]
    return count_segment(
        SegmentKind(record["state"]),
        parse_timestamp(record["start"]),
        parse_timestamp(record["end"]),
        str(memo),
        changes,
    )
