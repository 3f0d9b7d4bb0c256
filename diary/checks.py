"""The diary's rules over signed records: alignment, overlap, details, minutes, screenshots and
amendments (docs/protocol.md, "Verifying")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .canonical import canonical, sha256_hex
from .entries import Entry
from .failures import Failure
from .records import AmendmentKind, RecordType, SegmentKind
from .schema import details_problems
from .times import MINUTE, parse_timestamp, slot_end, slot_start, timestamp


@dataclass(frozen=True)
class ScreenshotFile:
    """What a screenshot file hashes to, or why it could not be read."""

    sha256: str | None
    problem: str | None = None


#: Looks up a screenshot's file by its SHA-256: None when there is none.
ScreenshotFiles = Callable[[str], ScreenshotFile | None]


def check_record(entry: Entry) -> list[Failure]:
    """What a record must satisfy on its own, whatever else is in the bundle."""
    if entry.type == RecordType.SEGMENT:
        return _segment_time(entry)
    if entry.type == RecordType.AMENDMENT:
        return _amendment_fields(entry)
    return []


def _segment_time(entry: Entry) -> list[Failure]:
    record = entry.record
    start, end = parse_timestamp(record["start"]), parse_timestamp(record["end"])
    if end < start or end > slot_end(start):
        return [
            entry.failure(
                "alignment",
                f"The segment {record['start']} to {record['end']} does not lie inside one "
                f"10-minute slot ({slot_start(start):%H:%M} to {slot_end(start):%H:%M}).",
            )
        ]
    if record["signed_at"] < record["end"]:
        return [
            entry.failure(
                "time", f"The segment was signed at {record['signed_at']}, before it ended."
            )
        ]
    return []


#: The fields an amendment of each kind uses; the others must be null.
_KIND_FIELDS = {
    AmendmentKind.IDLE_DISCARD: {"start", "end"},
    AmendmentKind.DELETE_SCREENSHOT: {"screenshot"},
}


def _amendment_fields(entry: Entry) -> list[Failure]:
    record = entry.record
    failures = []
    if record["made_at"] > record["signed_at"]:
        failures.append(entry.failure("time", "The change was signed before it was made."))
    used = _KIND_FIELDS.get(AmendmentKind(record["kind"]), set())
    wrong = [f for f in ("start", "end", "screenshot") if (record[f] is None) == (f in used)]
    if wrong:
        failures.append(
            entry.failure(
                "amendment",
                f"A {record['kind']} amendment "
                + (
                    f"uses {', '.join(sorted(used))}, and only those"
                    if used
                    else "uses none of start, end and screenshot"
                )
                + f": {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong.",
            )
        )
    elif record["kind"] == AmendmentKind.IDLE_DISCARD and record["start"] >= record["end"]:
        failures.append(entry.failure("amendment", "An idle discard must end after it starts."))
    return failures


def check_overlaps(segments: Sequence[Entry]) -> list[Failure]:
    """No two segment records (of any device or contract) share a second of time.

    A segment with no length ([s, s)) claims no time, so it overlaps nothing.
    """
    failures = []
    timed = [e for e in segments if e.record["start"] < e.record["end"]]
    latest: Entry | None = None
    order = sorted(timed, key=lambda e: (e.record["start"], e.record["end"], e.device, e.seq))
    for entry in order:
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


def check_details(entry: Entry, deleted: bool = False) -> list[Failure]:
    """A record's details, when it carries them: their fields, their hash, then what they say.

    The screenshots of a ``deleted`` segment (a deletion in the bundle) are not checked: they
    no longer back any time, and a segment that cannot verify can then still be deleted."""
    details = entry.details
    if details is None:
        return []
    wrong = details_problems(entry.type, details)
    if wrong:
        return [entry.failure("format", f"The details are malformed: {'; '.join(wrong)}.")]
    try:
        entry.details_data = canonical(details, plain=True)
    except ValueError as error:
        return [entry.failure("format", f"The details have no canonical form ({error}).")]
    actual = sha256_hex(entry.details_data)
    if actual != entry.record["details"]:
        return [
            entry.failure(
                "details",
                "The details (memo, activity counts or screenshots) were changed after signing: "
                f"they hash to {actual[:12]}, the signed record says {entry.record['details'][:12]}.",
            )
        ]
    if entry.type == RecordType.SEGMENT:
        return _segment_details(entry, screenshots=not deleted)
    return _amendment_memo(entry)


def covered_minutes(kind: str, start: str, end: str) -> list[str]:
    """The minutes a segment's details must list: for a tracked segment every minute holding
    any of its time, from the minute holding ``start`` on; none for a manual one."""
    first, last = parse_timestamp(start), parse_timestamp(end)
    if kind != SegmentKind.TRACKED or last <= first:
        return []
    minute = first.replace(second=0)
    count = -(-int((last - minute).total_seconds()) // 60)
    within = int(start[14:16])
    if within + count <= 60:  # the usual case (a segment lies in one slot): one hour's minutes
        return [f"{start[:14]}{m:02d}:00Z" for m in range(within, within + count)]
    return [timestamp(minute + n * MINUTE) for n in range(count)]


def _segment_details(entry: Entry, screenshots: bool) -> list[Failure]:
    assert entry.details is not None
    record, details = entry.record, entry.details
    failures = []
    start, end = record["start"], record["end"]
    if [m["start"] for m in details["minutes"]] != covered_minutes(record["state"], start, end):
        failures.append(
            entry.failure(
                "minutes",
                "The minutes listed are not exactly the minutes the segment covers"
                + (" (a manual segment lists none)." if record["state"] == "manual" else "."),
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
    taken = ""
    for shot in details["screenshots"] if screenshots else ():
        if not start <= shot["taken_at"] <= end or shot["taken_at"] < taken:
            failures.append(
                entry.failure(
                    "screenshot",
                    f"The screenshot at {shot['taken_at']} lies outside the segment, or out of "
                    "the order they were taken in.",
                )
            )
        elif (shot["sha256"] is None) == (shot["missing"] is None):
            failures.append(
                entry.failure(
                    "screenshot",
                    f"The screenshot at {shot['taken_at']} must have either a file hash or the "
                    "reason it is missing.",
                )
            )
        taken = max(taken, shot["taken_at"])
    return failures


def _amendment_memo(entry: Entry) -> list[Failure]:
    assert entry.details is not None
    memo = entry.details["memo"]
    if entry.record["kind"] == AmendmentKind.MEMO:
        if not memo:
            return [entry.failure("amendment", "A memo amendment needs the new memo.")]
    elif memo is not None:
        return [entry.failure("amendment", f"A {entry.record['kind']} amendment has no memo.")]
    return []


def check_amendment_fits(amendment: Entry, segment: Entry) -> list[Failure]:
    """An amendment against the segment it names: same device and contract, after it in the
    chain, an idle range inside it, a deleted screenshot that is one of its own."""
    failures = []
    record, target = amendment.record, segment.record
    if amendment.device != segment.device:
        failures.append(
            amendment.failure(
                "amendment", "The amendment comes from another device than its segment."
            )
        )
    elif amendment.seq < segment.seq:
        failures.append(
            amendment.failure("amendment", "The amendment comes before its segment in the chain.")
        )
    if record["contract"] != target["contract"]:
        failures.append(
            amendment.failure("amendment", "The amendment names another contract than its segment.")
        )
    kind = record["kind"]
    if (
        kind == AmendmentKind.IDLE_DISCARD
        and record["start"] is not None
        and record["end"] is not None
        and not target["start"] <= record["start"] < record["end"] <= target["end"]
    ):
        failures.append(
            amendment.failure("amendment", "The idle time discarded lies outside the segment.")
        )
    if kind == AmendmentKind.DELETE_SCREENSHOT and segment.details is not None:
        shots = segment.details.get("screenshots")
        hashes = (
            {s.get("sha256") for s in shots if type(s) is dict} if type(shots) is list else set()
        )
        if record["screenshot"] not in hashes:
            failures.append(
                amendment.failure(
                    "amendment", "The screenshot deleted is not one of the segment's."
                )
            )
    return failures


def check_screenshot_files(entry: Entry, files: ScreenshotFiles) -> tuple[list[Failure], int]:
    """Each screenshot file of a segment that counts must be present, byte for byte; returns the
    failures and how many files were checked."""
    assert entry.details is not None
    failures = []
    checked = 0
    for shot in entry.details["screenshots"]:
        sha256 = shot["sha256"]
        if sha256 is None:
            continue
        found = files(sha256)
        if found is None:
            failures.append(
                entry.failure(
                    "screenshot-missing",
                    f"The screenshot {sha256[:12]} taken at {shot['taken_at']} is not in the bundle.",
                )
            )
            continue
        checked += 1
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
    return failures, checked
