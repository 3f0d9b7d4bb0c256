"""Verifying signed records in memory: a bundle's worth (``verify_records``) or a batch that
extends a chain whose head is known (``verify_extension``), and what they count for."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .canonical import Json, key_id
from .chain import ChainHead, PublicKey, check_links, check_signature, first_of_each_seq
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
class Head:
    """A device's head as a bundle's manifest names it."""

    seq: int
    hash: str


@dataclass
class Verdict:
    """Every failure, and the hours of the in-scope segments that verified."""

    records: int = 0
    screenshots: int = 0
    devices: list[Json] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    #: Billable seconds by (contract, UTC day "YYYY-MM-DD"), more than 0, from segments that
    #: verified.
    seconds: dict[tuple[str, str], int] = field(default_factory=dict)
    unverified_segments: int = 0
    #: Failures past the limit a verdict lists: counted, not kept.
    more_failures: int = 0

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
) -> Verdict:
    """Verify a bundle's records: ``lines`` and ``key_lines`` as read from records.jsonl and
    keys.jsonl (a malformed line is its `format` failure), each device's head, the bundle's
    scope and its screenshot files."""
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
    _keep_at_most(verdict, limits.failures)
    return verdict


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


@dataclass
class KeyTable:
    """The keys a bundle lists: those that can be used, and why the others cannot."""

    usable: dict[str, PublicKey]
    unusable: dict[str, str]
    failures: list[Failure]


def key_table(keys: Sequence[PublicKey]) -> KeyTable:
    """A key whose id is not the SHA-256 of its public key, or an id listed twice, is not used:
    records signed with it fail `unknown-key`, and so does its listing (at no record)."""
    counts: dict[str, int] = defaultdict(int)
    for key in keys:
        counts[key.key_id] += 1
    table = KeyTable({}, {}, [])
    for key in keys:
        kid = key.key_id
        if counts[kid] > 1:
            reason = "keys.json lists it more than once"
        elif key_id(key.public_key) != kid:
            reason = (
                f"keys.json lists it with a public key whose SHA-256 is "
                f"{key_id(key.public_key)[:12]}, and a key's id is the SHA-256 of its public key"
            )
        else:
            table.usable[kid] = key
            continue
        if kid not in table.unusable:
            table.unusable[kid] = reason
            table.failures.append(Failure("unknown-key", f"Key {kid[:12]} is not used: {reason}."))
    return table


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


# A batch that extends a known chain ------------------------------------------------------------


@dataclass
class Extension:
    """How far a batch extends a device's chain: the records accepted (in order, up to the
    first that does not verify), why the rest were not, and the head after them."""

    accepted: list[Entry]
    failures: list[Failure]
    head: ChainHead | None
    #: What each segment accepted in this batch counts for, with the batch's amendments.
    counted: dict[str, Counted]

    @property
    def complete(self) -> bool:
        return not self.failures


def verify_extension(
    anchor: ChainHead | None,
    entries: Sequence[Entry],
    keys: Sequence[PublicKey],
    known_segments: Mapping[str, Entry] | None = None,
) -> Extension:
    """Does this batch extend the chain whose head is ``anchor`` (None: the batch starts at
    the device's genesis), and what do its records count for?

    Every record must verify on its own and in the chain, carry its details, and fit the
    segment it amends (in the batch or in ``known_segments``, those accepted earlier). Records
    before the first that fails are accepted; the rest are not. Checks that need more than the
    chain (overlap with other devices' segments, the weekly limit, the contract, the clock) are
    the caller's.
    """
    table = key_table(keys)
    known, failures = table.usable, list(table.failures)
    for entry in entries:
        failures += check_signature(entry, known, table.unusable)
    chain = list(entries)
    device = anchor.device if anchor is not None else chain[0].device if chain else None
    failures += [
        e.failure("device", f"A batch extends one device's chain, of device {str(device)[:12]}.")
        for e in chain
        if e.device != device
    ]
    failures += _order(chain)
    failures += check_links(chain, anchor, known)
    segments = dict(known_segments or {})
    batch_segments: list[Entry] = []
    for entry in chain:
        failures += check_record(entry)
        if entry.type == RecordType.KEY:
            continue
        if entry.details is None:
            failures.append(
                entry.failure("details-missing", "An uploaded record carries its details.")
            )
        failures += check_details(entry)
        if entry.type == RecordType.SEGMENT:
            if entry.record["segment"] in segments:
                failures.append(
                    entry.failure("duplicate", "Another record already holds this segment.")
                )
            segments.setdefault(entry.record["segment"], entry)
            batch_segments.append(entry)
        else:
            target = segments.get(entry.record["segment"])
            if target is None:
                failures.append(
                    entry.failure("amendment", "The segment it amends has not been received.")
                )
            else:
                failures += check_amendment_fits(entry, target)
    failures += check_overlaps(batch_segments)
    bad = {f.at for f in failures}
    bad_index = next((i for i, e in enumerate(chain) if e.at in bad), None)
    if bad_index is None and failures:
        bad_index = 0  # a failure of the batch as a whole (a key listed twice, say)
    accepted = chain if bad_index is None else chain[:bad_index]
    stopped = (
        [] if bad_index is None else [f for f in failures if f.at in (None, chain[bad_index].at)]
    )
    counted: dict[str, Counted] = {}
    for entry in accepted:
        if entry.type == RecordType.SEGMENT:
            changes = [
                a
                for a in accepted
                if a.type == RecordType.AMENDMENT and a.record["segment"] == entry.record["segment"]
            ]
            counted[entry.record["segment"]] = count_entries(entry, changes)
    return Extension(accepted, stopped, ChainHead.after(accepted, anchor), counted)


def _order(chain: list[Entry]) -> list[Failure]:
    for before, after in itertools.pairwise(chain):
        if after.seq <= before.seq:
            return [after.failure("order", "The batch's records are not in chain order.")]
    return []
