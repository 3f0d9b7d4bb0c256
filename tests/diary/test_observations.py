"""Observations on made-up patterns: a mouse jiggler, a typing macro, injected input and a late
upload are flagged, each saying what was seen and the threshold; honest reading time with few
inputs, honest varied work and honest offline work are not."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from diary.observations import THRESHOLDS, FlagKind, SegmentInput, observe
from diary.records import MinuteActivity

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _week(
    counts: list[tuple[int, int, int, int]],
    received_after: timedelta | None = None,
    injected: int = 0,
) -> list[SegmentInput]:
    """Segments of ten minutes, one after another, with these per-minute counts
    (keys, clicks, scrolls, moves), received this long after each ended."""
    segments = []
    for first in range(0, len(counts), 10):
        minutes = tuple(
            MinuteActivity(START + (first + i) * MINUTE, *counts[first + i], injected=injected)
            for i in range(min(10, len(counts) - first))
        )
        end = minutes[-1].start + MINUTE
        received = None if received_after is None else end + received_after
        segments.append(SegmentInput(f"s{first // 10}", end, minutes, received))
    return segments


def _kinds(segments: list[SegmentInput]) -> dict[str, set[FlagKind]]:
    return {k: {f.kind for f in v} for k, v in observe(segments).items()}


def test_a_mouse_jiggler_is_flagged_for_moves_without_keys_or_clicks() -> None:
    rng = random.Random(1)
    jiggler = [(0, 0, 0, rng.randint(2, 40)) for _ in range(70)]  # moves, varied, every minute
    flags = observe(_week(jiggler))
    assert all(FlagKind.MOVES_ONLY in {f.kind for f in found} for found in flags.values())
    flag = next(f for f in flags["s0"] if f.kind is FlagKind.MOVES_ONLY)
    assert "each of 70 minutes in a row (2026-11-25 09:00–10:10 UTC)" in flag.seen
    assert flag.threshold == "60 minutes or more of moves without keys or clicks"
    assert "Flagged at: 60 minutes" in flag.text()


def test_a_steady_jiggler_repeats_its_counts_too() -> None:
    flags = _kinds(_week([(0, 0, 0, 30)] * 35))
    assert all(found == {FlagKind.REPEATED_COUNTS} for found in flags.values())  # 35 < 60 moves


def test_a_macro_is_flagged_for_repeated_counts_and_a_constant_key_rate() -> None:
    macro = [(120 + i % 2, 2, 0, 0) for i in range(65)]
    flags = observe(_week(macro))
    kinds = {f.kind for found in flags.values() for f in found}
    assert kinds == {FlagKind.REPEATED_COUNTS, FlagKind.CONSTANT_KEYS}
    repeated = next(f for f in flags["s0"] if f.kind is FlagKind.REPEATED_COUNTS)
    assert (
        "each of 65 minutes in a row" in repeated.seen and "keys 120–121, clicks 2" in repeated.seen
    )
    assert "30 minutes or more with every count within 5% (or 1)" in repeated.threshold


def test_injected_input_is_said_with_its_count() -> None:
    flags = observe(_week([(10, 1, 0, 5)] * 10, injected=3))
    (flag,) = flags["s0"]
    assert flag.kind is FlagKind.INJECTED
    assert "reported 30 input event(s) made by software" in flag.seen


def test_a_late_upload_is_flagged_with_its_lag_and_says_late_is_not_wrong() -> None:
    rng = random.Random(2)
    work = [
        (rng.randint(0, 90), rng.randint(0, 8), rng.randint(0, 5), rng.randint(0, 200))
        for _ in range(20)
    ]
    flags = observe(_week(work, received_after=timedelta(days=3, hours=2)))
    (flag,) = flags["s0"]
    assert flag.kind is FlagKind.LATE
    assert "received this segment 3 d 2 h after it ended. Late is not wrong" in flag.seen
    assert flag.threshold == "received more than 24 h after the end"


def test_honest_patterns_raise_no_flag() -> None:
    rng = random.Random(3)
    # Reading: a scroll or a nudge of the pointer now and then, many quiet minutes.
    reading = [(0, 0, rng.choice([0, 0, 1, 2]), rng.choice([0, 0, 0, 3, 8])) for _ in range(120)]
    # Work: typing in bursts, clicks, pauses to think.
    work = [
        (rng.choice([0, 5, 40, 80, 140]), rng.randint(0, 6), rng.randint(0, 4), rng.randint(0, 300))
        for _ in range(240)
    ]
    # Offline: a working day uploaded the same evening.
    offline = _week(work, received_after=timedelta(hours=9))
    for segments in (_week(reading), _week(work), offline):
        assert all(found == [] for found in observe(segments).values())


def test_minutes_that_do_not_follow_one_another_make_no_run() -> None:
    first = _week([(0, 0, 0, 30)] * 20)
    later = [
        SegmentInput(
            s.segment + "-later",
            s.end + timedelta(hours=2),
            tuple(MinuteActivity(m.start + timedelta(hours=2), 0, 0, 0, 30) for m in s.minutes),
        )
        for s in first
    ]
    assert all(found == [] for found in observe([*first, *later]).values())  # 20 + 20 < 30


def test_the_thresholds_are_one_set() -> None:
    assert THRESHOLDS.repeated_minutes == 30 and THRESHOLDS.moves_only_minutes == 60
    assert THRESHOLDS.constant_keys_minutes == 60 and THRESHOLDS.late_after == timedelta(hours=24)
