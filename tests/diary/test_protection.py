"""Payment protection, condition by condition: a segment that meets them all is protected, and
each condition it misses is a reason of its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from diary.protection import (
    REASONS,
    SegmentFacts,
    Unprotected,
    is_protected,
    unprotected,
    why_unprotected,
)
from diary.records import SegmentKind, SegmentState

#: Wednesday 25 November 2026, 10:00 UTC; its week locks Monday 30 November at 12:00 UTC.
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LOCK = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

GOOD = SegmentFacts(
    kind=SegmentKind.TRACKED,
    state=SegmentState.TRACKED,
    start=START,
    verified=True,
    received_at=START + timedelta(minutes=11),
    memo="Checkout page",
    screenshots=1,
    active_minutes=1,
    over_limit=False,
)

CASES = [
    (
        "manual time",
        {"kind": SegmentKind.MANUAL, "state": SegmentState.MANUAL},
        {Unprotected.MANUAL},
    ),
    ("deleted", {"state": SegmentState.DELETED}, {Unprotected.NOT_COUNTING}),
    ("idle, discarded", {"state": SegmentState.IDLE_DISCARDED}, {Unprotected.NOT_COUNTING}),
    ("not verified", {"verified": False}, {Unprotected.NOT_VERIFIED}),
    ("no receipt", {"received_at": None}, {Unprotected.NOT_RECEIPTED}),
    ("received at the lock", {"received_at": LOCK}, {Unprotected.RECEIPTED_LATE}),
    ("no memo", {"memo": "  "}, {Unprotected.NO_MEMO}),
    ("no screenshot", {"screenshots": 0}, {Unprotected.NO_SCREENSHOT}),
    ("no active minute", {"active_minutes": 0}, {Unprotected.NO_ACTIVE_MINUTE}),
    ("beyond the weekly limit", {"over_limit": True}, {Unprotected.OVER_LIMIT}),
    ("marked over the limit", {"state": SegmentState.OVER_LIMIT}, {Unprotected.OVER_LIMIT}),
]


def test_a_segment_that_meets_every_condition_is_protected() -> None:
    assert unprotected(GOOD) == () and is_protected(GOOD)
    assert is_protected(replace(GOOD, received_at=LOCK - timedelta(seconds=1)))
    assert why_unprotected(GOOD).startswith("Protected")


@pytest.mark.parametrize(("name", "change", "reasons"), CASES, ids=[c[0] for c in CASES])
def test_each_condition_missed_is_its_own_reason(
    name: str, change: dict[str, object], reasons: set[Unprotected]
) -> None:
    facts = replace(GOOD, **change)  # type: ignore[arg-type]
    assert set(unprotected(facts)) == reasons and not is_protected(facts)
    assert all(REASONS[r] in why_unprotected(facts) for r in reasons)


def test_every_reason_is_tested_and_said_in_words() -> None:
    tested = set().union(*(reasons for _, _, reasons in CASES))
    assert tested == set(Unprotected) == set(REASONS)


def test_reasons_add_up() -> None:
    facts = replace(GOOD, memo="", screenshots=0, received_at=None)
    assert unprotected(facts) == (
        Unprotected.NOT_RECEIPTED,
        Unprotected.NO_MEMO,
        Unprotected.NO_SCREENSHOT,
    )
    assert why_unprotected(facts) == (
        "Not protected: the marketplace has no receipt for it; it has no memo; it has no "
        "screenshot."
    )
