"""Payment protection (docs/protocol.md, "Payment protection"): which segments stay payable
whatever a client disputes, unless a mediator rules otherwise. One pure rule, applied alike by
the marketplace and by the client's review, from facts both can check in a bundle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .entries import Entry
from .records import SegmentKind, SegmentState
from .times import lock_at, parse_timestamp
from .verify import count_entries


class Unprotected(StrEnum):
    """Why a segment is not protected; a protected segment has no reason."""

    MANUAL = "manual"
    NOT_COUNTING = "not-counting"
    NOT_VERIFIED = "not-verified"
    NOT_RECEIPTED = "not-receipted"
    RECEIPTED_LATE = "receipted-after-lock"
    NO_MEMO = "no-memo"
    NO_SCREENSHOT = "no-screenshot"
    NO_ACTIVE_MINUTE = "no-active-minute"
    OVER_LIMIT = "over-limit"


#: Each reason in words, as the client and the freelancer read it.
REASONS: dict[Unprotected, str] = {
    Unprotected.MANUAL: "manual time (added by hand, not tracked)",
    Unprotected.NOT_COUNTING: "deleted or discarded as idle: it is not billed",
    Unprotected.NOT_VERIFIED: "its records do not verify",
    Unprotected.NOT_RECEIPTED: "the marketplace has no receipt for it",
    Unprotected.RECEIPTED_LATE: "the marketplace received it after its week locked",
    Unprotected.NO_MEMO: "it has no memo",
    Unprotected.NO_SCREENSHOT: "it has no screenshot",
    Unprotected.NO_ACTIVE_MINUTE: "no minute of it had keyboard or mouse input",
    Unprotected.OVER_LIMIT: "it lies beyond the contract's weekly limit",
}


@dataclass(frozen=True)
class SegmentFacts:
    """What the rule needs to know of a segment, all of it checkable in a bundle."""

    kind: SegmentKind
    #: The state after its amendments (diary.rules.count_segment).
    state: SegmentState
    start: datetime
    #: Whether its record, its details and its amendments verified.
    verified: bool
    #: When the marketplace received its segment record (its receipt), if it did.
    received_at: datetime | None
    memo: str
    #: Screenshots its record names that were taken (not missing) and not deleted.
    screenshots: int
    active_minutes: int
    #: Whether the weekly limit leaves it out (counted in the week's order, diary.rules).
    over_limit: bool


def segment_facts(
    entry: Entry,
    changes: Sequence[Entry],
    *,
    verified: bool,
    received_at: datetime | None,
    over_limit: bool = False,
) -> SegmentFacts:
    """The facts of a segment record with its amendments, as both sides read them: the
    marketplace from what it holds, a client from the bundle."""
    counted = count_entries(entry, changes)
    details = entry.details or {}
    taken = [s for s in details.get("screenshots", []) if s["sha256"] is not None]
    return SegmentFacts(
        kind=SegmentKind(entry.record["state"]),
        state=counted.state,
        start=parse_timestamp(entry.record["start"]),
        verified=verified,
        received_at=received_at,
        memo=counted.memo,
        screenshots=0 if counted.state is SegmentState.DELETED else len(taken),
        # The signed count, which verify checks against the minutes (a failure unverifies).
        active_minutes=int(details.get("active_minutes", 0)),
        over_limit=over_limit or counted.state is SegmentState.OVER_LIMIT,
    )


def unprotected(facts: SegmentFacts) -> tuple[Unprotected, ...]:
    """Every reason the segment is not protected, in the order of REASONS; none: protected.

    Protected: tracked (not manual), counting, verified, receipted before its week locked
    (Monday 12:00 UTC after it), with a memo, a screenshot that was not deleted, an active
    minute, and within the weekly limit."""
    reasons: list[Unprotected] = []
    if facts.kind is SegmentKind.MANUAL:
        reasons.append(Unprotected.MANUAL)
    if facts.state not in (SegmentState.TRACKED, SegmentState.MANUAL, SegmentState.OVER_LIMIT):
        reasons.append(Unprotected.NOT_COUNTING)
    if not facts.verified:
        reasons.append(Unprotected.NOT_VERIFIED)
    if facts.received_at is None:
        reasons.append(Unprotected.NOT_RECEIPTED)
    elif facts.received_at >= lock_at(facts.start):
        reasons.append(Unprotected.RECEIPTED_LATE)
    if not facts.memo.strip():
        reasons.append(Unprotected.NO_MEMO)
    if facts.screenshots < 1:
        reasons.append(Unprotected.NO_SCREENSHOT)
    if facts.active_minutes < 1:
        reasons.append(Unprotected.NO_ACTIVE_MINUTE)
    if facts.over_limit or facts.state is SegmentState.OVER_LIMIT:
        reasons.append(Unprotected.OVER_LIMIT)
    return tuple(reasons)


def is_protected(facts: SegmentFacts) -> bool:
    return not unprotected(facts)


def why_unprotected(facts: SegmentFacts) -> str:
    """The reasons in words: "Not protected: it has no memo; it has no screenshot." """
    reasons = unprotected(facts)
    if not reasons:
        return "Protected: it stays payable unless a mediator rules otherwise."
    return "Not protected: " + "; ".join(REASONS[r] for r in reasons) + "."
