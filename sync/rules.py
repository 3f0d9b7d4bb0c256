"""The diary's rules over verified records: alignment, overlap, details, screenshots, and hours."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tracker.records import (
    Amendment,
    AmendmentKind,
    Segment,
    SegmentKind,
)
from tracker.timeline import slot_end, slot_start, view_segment

from .bundle import DELETING, Scope
from .protocol import AMENDMENT, SEGMENT, canonical, parse_timestamp, sha256_hex
from .schema import details_problems

if TYPE_CHECKING:
    from .bundle_reader import Bundle
    from .verify import Entry, Failure


@dataclass
class Outcome:
    failures: list[Failure] = field(default_factory=list)
    seconds: dict[tuple[str, str], int] = field(default_factory=dict)
    screenshots: int = 0
    unverified_segments: int = 0


def check_diary(entries: list[Entry], bundle: Bundle, earlier: list[Failure]) -> Outcome:
    """Check what the records say against the diary's rules; sum hours of what verified."""
    outcome = Outcome()
    failures = outcome.failures
    entries = _first_of_each_seq(entries)  # the chain check reports duplicated lines
    segments = [e for e in entries if e.type == SEGMENT]
    seen: set[str] = set()
    for entry in segments:
        failures += _segment_time(entry)
        if entry.record["segment"] in seen:
            failures.append(
                entry.failure("duplicate", "Another record already holds this segment.")
            )
        seen.add(entry.record["segment"])
    for entry in entries:
        if entry.type == AMENDMENT and entry.record["made_at"] > entry.record["signed_at"]:
            failures.append(entry.failure("time", "The change was signed before it was made."))
    failures += _overlaps(segments)
    scope = Scope(*bundle.period, bundle.manifest["contract"])
    in_scope: dict[str, Entry] = {}
    for entry in segments:
        if scope.holds(entry.record):
            in_scope.setdefault(entry.record["segment"], entry)
    amendments: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.type == AMENDMENT and entry.record["segment"] in in_scope:
            amendments[entry.record["segment"]].append(entry)
    for segment_id, entry in in_scope.items():
        failures += _segment_details(entry)
        for amendment in amendments[segment_id]:
            failures += _amendment(amendment, entry)
        if not any(a.record["kind"] in DELETING for a in amendments[segment_id]):
            outcome.screenshots += _screenshots(entry, bundle, failures)
    failed = {f.record for f in earlier + failures if f.record is not None}
    for segment_id, entry in in_scope.items():
        if {entry.record["id"], *(a.record["id"] for a in amendments[segment_id])} & failed:
            outcome.unverified_segments += 1
            continue
        segment, changes = _as_tracker(entry, amendments[segment_id])
        view = view_segment(segment, amendments=changes)
        key = (entry.record["contract"], entry.record["start"][:10])
        outcome.seconds[key] = outcome.seconds.get(key, 0) + view.billable_seconds
    return outcome


def _first_of_each_seq(entries: list[Entry]) -> list[Entry]:
    seen: set[tuple[str, int]] = set()
    kept = []
    for entry in entries:
        if (entry.device, entry.seq) not in seen:
            seen.add((entry.device, entry.seq))
            kept.append(entry)
    return kept


def _segment_time(entry: Entry) -> list[Failure]:
    record = entry.record
    start, end = parse_timestamp(record["start"]), parse_timestamp(record["end"])
    signed = parse_timestamp(record["signed_at"])
    if end < start or end > slot_end(start):
        return [
            entry.failure(
                "alignment",
                f"The segment {record['start']} to {record['end']} does not lie inside one "
                f"10-minute slot ({slot_start(start):%H:%M} to {slot_end(start):%H:%M}).",
            )
        ]
    if signed < end:
        return [
            entry.failure(
                "time", f"The segment was signed at {record['signed_at']}, before it ended."
            )
        ]
    return []


def _overlaps(segments: list[Entry]) -> list[Failure]:
    """No two segment records (of any device or contract) share a second of time."""
    failures = []
    ordered = sorted(segments, key=lambda e: (e.record["start"], e.record["end"]))
    latest: Entry | None = None
    for entry in ordered:
        if latest is not None and entry.record["start"] < latest.record["end"]:
            failures.append(
                entry.failure(
                    "overlap",
                    f"The segment {entry.record['start']} to {entry.record['end']} overlaps the "
                    f"segment {latest.record['start']} to {latest.record['end']} "
                    f"(device {latest.device[:12]} seq {latest.seq}): the same time twice.",
                )
            )
        if latest is None or entry.record["end"] > latest.record["end"]:
            latest = entry
    return failures


def _details_ok(entry: Entry) -> list[Failure]:
    details = entry.details
    if details is None:
        return [
            entry.failure(
                "details-missing",
                "The record belongs to this bundle's week and contract, but its details "
                "(memo, activity, screenshots) are not in the bundle.",
            )
        ]
    try:
        actual = sha256_hex(canonical(details, plain=True))
    except Exception as error:
        return [entry.failure("details", f"The details have no canonical form ({error}).")]
    if actual != entry.record["details"]:
        return [
            entry.failure(
                "details",
                "The details (memo, activity counts or screenshots) were changed after signing: "
                f"they hash to {actual[:12]}, the signed record says {entry.record['details'][:12]}.",
            )
        ]
    wrong = details_problems(entry.type, details)
    if wrong:
        return [entry.failure("format", f"The details are malformed: {'; '.join(wrong)}.")]
    return []


def _segment_details(entry: Entry) -> list[Failure]:
    failures = _details_ok(entry)
    if failures:
        return failures
    assert entry.details is not None
    record, details = entry.record, entry.details
    # Timestamps compare in time order as strings; a whole minute ends in ":00Z".
    start, end = record["start"], record["end"]
    first = start[:17] + "00Z"
    minutes = [m["start"] for m in details["minutes"]]
    if minutes != sorted(set(minutes)) or any(
        not m.endswith(":00Z") or not first <= m < end for m in minutes
    ):
        failures.append(
            entry.failure(
                "minutes", "The minutes are not whole, ordered, unique minutes inside the segment."
            )
        )
    active = sum(
        1 for m in details["minutes"] if m["keys"] + m["clicks"] + m["scrolls"] + m["moves"] > 0
    )
    if active != details["active_minutes"]:
        failures.append(
            entry.failure(
                "active-minutes",
                f"The record claims {details['active_minutes']} active minutes, but its minute "
                f"counts show {active}.",
            )
        )
    for shot in details["screenshots"]:
        if not start <= shot["taken_at"] <= end or (shot["sha256"] is None) == (
            shot["missing"] is None
        ):
            failures.append(
                entry.failure(
                    "screenshot",
                    f"The screenshot at {shot['taken_at']} is outside the segment, or is neither "
                    "a file nor a reason it is missing.",
                )
            )
    return failures


def _amendment(entry: Entry, segment: Entry) -> list[Failure]:
    failures = _details_ok(entry)
    record = entry.record
    if record["contract"] != segment.record["contract"]:
        failures.append(
            entry.failure("amendment", "The amendment names another contract than its segment.")
        )
    if (entry.device, entry.seq) < (segment.device, segment.seq) and entry.device == segment.device:
        failures.append(
            entry.failure("amendment", "The amendment comes before its segment in the chain.")
        )
    kind = record["kind"]
    if kind == AmendmentKind.IDLE_DISCARD.value:
        seg_start, seg_end = (
            parse_timestamp(segment.record["start"]),
            parse_timestamp(segment.record["end"]),
        )
        if record["start"] is None or record["end"] is None:
            failures.append(entry.failure("amendment", "An idle discard needs a start and an end."))
        elif (
            not seg_start
            <= parse_timestamp(record["start"])
            < parse_timestamp(record["end"])
            <= seg_end
        ):
            failures.append(
                entry.failure("amendment", "The idle time discarded lies outside the segment.")
            )
    if kind == AmendmentKind.DELETE_SCREENSHOT.value and segment.details is not None:
        hashes = {s["sha256"] for s in segment.details.get("screenshots", [])}
        if record["screenshot"] not in hashes:
            failures.append(
                entry.failure("amendment", "The screenshot deleted is not one of the segment's.")
            )
    if (
        kind == AmendmentKind.MEMO.value
        and entry.details is not None
        and not entry.details.get("memo")
    ):
        failures.append(entry.failure("amendment", "A memo amendment needs the new memo."))
    return failures


def _screenshots(entry: Entry, bundle: Bundle, failures: list[Failure]) -> int:
    """Each screenshot file of a segment that counts must be in the bundle, byte for byte."""
    if entry.details is None or not isinstance(entry.details.get("screenshots"), list):
        return 0
    checked = 0
    for shot in entry.details["screenshots"]:
        sha256 = shot.get("sha256") if isinstance(shot, dict) else None
        if not isinstance(sha256, str):
            continue
        found = bundle.screenshot_file(sha256)
        if found is None:
            failures.append(
                entry.failure(
                    "screenshot-missing",
                    f"The screenshot {sha256[:12]} taken at {shot.get('taken_at')} is not in the bundle.",
                )
            )
            continue
        if found.sha256 is None:
            failures.append(
                entry.failure(
                    "screenshot",
                    f"The file of screenshot {sha256[:12]} cannot be read ({found.problem}).",
                )
            )
        elif found.sha256 != sha256:
            failures.append(
                entry.failure(
                    "screenshot",
                    f"The file of screenshot {sha256[:12]} was replaced: its content hashes to "
                    f"{found.sha256[:12]}, not to the signed {sha256[:12]}.",
                )
            )
        checked += 1
    return checked


def _as_tracker(entry: Entry, amendments: list[Entry]) -> tuple[Segment, list[Amendment]]:
    """The records as the engine's own types, so hours follow exactly the engine's rules
    (billable time depends only on the segment and its amendments)."""
    record, details = entry.record, entry.details or {}
    segment = Segment(
        id=record["segment"],
        contract_id=0,
        kind=SegmentKind(record["state"]),
        start=parse_timestamp(record["start"]),
        end=parse_timestamp(record["end"]),
        memo=str(details.get("memo", "")),
        created_at=parse_timestamp(record["signed_at"]),
    )
    changes = [
        Amendment(
            id=a.seq,
            segment_id=record["segment"],
            made_at=parse_timestamp(a.record["made_at"]),
            kind=AmendmentKind(a.record["kind"]),
            memo=(a.details or {}).get("memo"),
            start=_maybe_time(a.record["start"]),
            end=_maybe_time(a.record["end"]),
        )
        for a in amendments
    ]
    return segment, changes


def _maybe_time(text: str | None) -> datetime | None:
    return None if text is None else parse_timestamp(text)
