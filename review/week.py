"""The review of one bundle: each in-scope segment as the client sees it (state, verified or the
reason not, memo, screenshots, activity, when the marketplace received it, protection, flags)
and the week's totals, from `verify`'s own verdict on the same file."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from diary.bundle import BundleVerdict, open_bundle, verify_bundle
from diary.entries import Entry
from diary.limits import LIMITS, Limits
from diary.members import RECORDS
from diary.observations import THRESHOLDS, Flag, SegmentInput, Thresholds, observe
from diary.protection import Unprotected, segment_facts, unprotected, why_unprotected
from diary.records import MinuteActivity, RecordType, ScreenshotEntry, SegmentKind, SegmentState
from diary.rules import amount_cents
from diary.times import parse_timestamp
from diary.verify import count_entries


@dataclass(frozen=True)
class ReviewSegment:
    id: str
    contract: str
    device: str
    seq: int
    kind: SegmentKind
    state: SegmentState
    start: datetime
    end: datetime
    memo: str
    minutes: tuple[MinuteActivity, ...]
    #: Screenshots taken (a file named by its hash), of a segment not deleted.
    screenshots: tuple[ScreenshotEntry, ...]
    duration_seconds: int
    idle_seconds: int
    billable_seconds: int
    verified: bool
    #: Why it did not verify: the failures at its records, in words.
    failures: tuple[str, ...]
    received_at: datetime | None
    unprotected: tuple[Unprotected, ...]
    flags: tuple[Flag, ...]
    #: The protection rule's verdict in words.
    protection_text: str = ""

    @property
    def protected(self) -> bool:
        return not self.unprotected

    @property
    def active_minutes(self) -> int:
        return sum(1 for m in self.minutes if m.active)

    @property
    def lag_seconds(self) -> int | None:
        """How long after it ended the marketplace received it."""
        if self.received_at is None:
            return None
        return int((self.received_at - self.end).total_seconds())


@dataclass(frozen=True)
class Totals:
    """Seconds by what they count as; the amounts at the contract's rate, when known."""

    tracked: int = 0
    manual: int = 0
    deleted: int = 0
    idle_discarded: int = 0
    over_limit: int = 0
    #: Billable seconds of segments that verified: what the week is worth.
    verified_billable: int = 0
    #: Billable seconds of protected segments: payable whatever is disputed.
    protected: int = 0
    rate_cents: int | None = None

    @property
    def amount_cents(self) -> int | None:
        return (
            None
            if self.rate_cents is None
            else amount_cents(self.verified_billable, self.rate_cents)
        )

    @property
    def protected_cents(self) -> int | None:
        return None if self.rate_cents is None else amount_cents(self.protected, self.rate_cents)


@dataclass
class Review:
    verdict: BundleVerdict
    segments: list[ReviewSegment] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    @property
    def ok(self) -> bool:
        return self.verdict.ok

    def segment(self, segment_id: str) -> ReviewSegment:
        return next(s for s in self.segments if s.id == segment_id)


def review_bundle(
    path: Path,
    rate_cents: int | None = None,
    thresholds: Thresholds = THRESHOLDS,
    limits: Limits = LIMITS,
) -> Review:
    """Verify the bundle at ``path`` (BadBundle if it is none) and review its week."""
    verdict = verify_bundle(path, limits)
    with open_bundle(path, limits) as bundle:
        entries = [
            e for e in bundle.entries(RECORDS, limits.records_member) if isinstance(e, Entry)
        ]
        scope = bundle.manifest.scope
    reasons: dict[tuple[str, int], list[str]] = defaultdict(list)
    for failure in verdict.failures:
        if failure.device is not None and failure.seq is not None:
            reasons[(failure.device, failure.seq)].append(f"{failure.code}: {failure.reason}")
    first: dict[tuple[str, int], Entry] = {}
    for entry in entries:
        first.setdefault(entry.at, entry)  # what verify counts: the first line of each seq
    amendments: dict[str, list[Entry]] = defaultdict(list)
    segments: list[Entry] = []
    for entry in sorted(first.values(), key=lambda e: e.at):
        if entry.type == RecordType.AMENDMENT:
            amendments[entry.record["segment"]].append(entry)
        elif scope.holds(entry.record):
            segments.append(entry)
    reviewed = [
        _segment(entry, amendments[entry.record["segment"]], verdict, reasons) for entry in segments
    ]
    flags = observe(
        [
            SegmentInput(s.id, s.end, s.minutes, s.received_at)
            for s in reviewed
            if s.kind is SegmentKind.TRACKED
        ],
        thresholds,
    )
    reviewed = [replace(s, flags=tuple(flags.get(s.id, []))) for s in reviewed]
    reviewed.sort(key=lambda s: (s.start, s.id))
    return Review(verdict, reviewed, _totals(reviewed, rate_cents))


def _segment(
    entry: Entry,
    changes: list[Entry],
    verdict: BundleVerdict,
    reasons: dict[tuple[str, int], list[str]],
) -> ReviewSegment:
    record, details = entry.record, entry.details or {}
    counted = count_entries(entry, changes)
    segment_id = record["segment"]
    verified = segment_id in verdict.verified_segments
    failures = tuple(r for at in (entry.at, *(c.at for c in changes)) for r in reasons.get(at, []))
    received = verdict.received.get(entry.at)
    minutes = tuple(
        MinuteActivity(
            parse_timestamp(m["start"]),
            m["keys"],
            m["clicks"],
            m["scrolls"],
            m["moves"],
            m["injected"],
            m["unavailable"],
        )
        for m in details.get("minutes", [])
    )
    shots = tuple(
        ScreenshotEntry(parse_timestamp(s["taken_at"]), s["sha256"], s["missing"], s["blurred"])
        for s in details.get("screenshots", [])
        if s["sha256"] is not None
    )
    if counted.state is SegmentState.DELETED:
        shots = ()
    start, end = parse_timestamp(record["start"]), parse_timestamp(record["end"])
    facts = segment_facts(
        entry,
        changes,
        verified=verified,
        received_at=None if received is None else parse_timestamp(received),
    )
    return ReviewSegment(
        id=segment_id,
        contract=record["contract"],
        device=entry.device,
        seq=entry.seq,
        kind=facts.kind,
        state=counted.state,
        start=start,
        end=end,
        memo=counted.memo,
        minutes=minutes,
        screenshots=shots,
        duration_seconds=max(0, int((end - start).total_seconds())),
        idle_seconds=counted.idle_seconds,
        billable_seconds=counted.billable_seconds,
        verified=verified,
        failures=failures,
        received_at=facts.received_at,
        unprotected=unprotected(facts),
        flags=(),
        protection_text=why_unprotected(facts),
    )


def _totals(segments: list[ReviewSegment], rate_cents: int | None) -> Totals:
    seconds: dict[str, int] = defaultdict(int)
    for s in segments:
        counting = s.duration_seconds - s.idle_seconds
        if s.state is SegmentState.TRACKED:
            seconds["tracked"] += counting
        elif s.state is SegmentState.MANUAL:
            seconds["manual"] += counting
        elif s.state is SegmentState.DELETED:
            seconds["deleted"] += s.duration_seconds
        elif s.state is SegmentState.OVER_LIMIT:
            seconds["over_limit"] += counting
        seconds["idle_discarded"] += s.idle_seconds
        if s.verified:
            seconds["verified_billable"] += s.billable_seconds
            if s.protected:
                seconds["protected"] += s.billable_seconds
    return Totals(**seconds, rate_cents=rate_cents)
