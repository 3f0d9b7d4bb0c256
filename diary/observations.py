"""Observations on a week's input (docs/protocol.md, "Observations"): patterns that can come
from software rather than a person, each said exactly as it was seen, with the threshold that
made it a flag. They are never accusations: reading, thinking and offline work are honest, and
a flag is a reason for a client to look, not a verdict. The thresholds live here only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from .records import MinuteActivity

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Thresholds:
    """When a pattern becomes a flag. One set, shown with every flag it raises."""

    #: Per-minute counts this close to one another for this long: repeated counts.
    repeated_minutes: int = 30
    #: Near: each count within this fraction of the first minute's, or within ``near_at_least``.
    near_fraction: float = 0.05
    near_at_least: int = 1
    #: Minutes with fewer input events than this are never repeated counts (reading is quiet).
    repeated_min_events: int = 10
    #: Pointer moves in every minute with no key or click, for this long.
    moves_only_minutes: int = 60
    #: Keys in every minute at a near-constant rate (within ``key_rate_fraction`` of the first
    #: minute's, or within ``key_rate_at_least`` keys), for this long.
    constant_keys_minutes: int = 60
    key_rate_fraction: float = 0.10
    key_rate_at_least: int = 2
    #: Received by the marketplace this long after the segment ended.
    late_after: timedelta = timedelta(hours=24)


THRESHOLDS = Thresholds()


class FlagKind(StrEnum):
    INJECTED = "injected-input"
    REPEATED_COUNTS = "repeated-counts"
    MOVES_ONLY = "moves-only"
    CONSTANT_KEYS = "constant-key-rate"
    LATE = "received-late"


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    #: What was seen, with numbers and times.
    seen: str
    #: The threshold that made it a flag.
    threshold: str

    def text(self) -> str:
        return f"{self.seen} (Flagged at: {self.threshold}.)"


@dataclass(frozen=True)
class SegmentInput:
    """A segment as the observations read it: its minutes in order, when it ended, and when
    the marketplace received it."""

    segment: str
    end: datetime
    minutes: tuple[MinuteActivity, ...]
    received_at: datetime | None = None


@dataclass
class _Run:
    minutes: list[tuple[str, MinuteActivity]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return len(self.minutes)

    @property
    def segments(self) -> set[str]:
        return {segment for segment, _ in self.minutes}

    def span(self) -> str:
        first, last = self.minutes[0][1].start, self.minutes[-1][1].start + MINUTE
        return f"{first:%Y-%m-%d %H:%M}–{last:%H:%M} UTC"


def observe(
    segments: Sequence[SegmentInput], thresholds: Thresholds = THRESHOLDS
) -> dict[str, list[Flag]]:
    """The flags of each segment of one freelancer's week (segments in any order; patterns
    run across segments when their minutes follow one another)."""
    flags: dict[str, list[Flag]] = {s.segment: [] for s in segments}
    for segment in segments:
        injected = [m for m in segment.minutes if m.injected]
        if injected:
            flags[segment.segment].append(
                Flag(
                    FlagKind.INJECTED,
                    f"The system reported {sum(m.injected for m in injected)} input event(s) "
                    f"made by software, not by a keyboard or mouse, in {len(injected)} "
                    "minute(s) of this segment; they never counted as activity.",
                    "any injected event",
                )
            )
        late = _late(segment, thresholds)
        if late is not None:
            flags[segment.segment].append(late)
    timeline = sorted(
        ((s.segment, m) for s in segments for m in s.minutes), key=lambda item: item[1].start
    )
    for run in _runs(timeline, _repeats(thresholds)):
        if run.length >= thresholds.repeated_minutes:
            _flag(flags, run, _repeated_flag(run, thresholds))
    for run in _runs(timeline, _moves_only):
        if run.length >= thresholds.moves_only_minutes:
            _flag(flags, run, _moves_flag(run, thresholds))
    for run in _runs(timeline, _constant_keys(thresholds)):
        if run.length >= thresholds.constant_keys_minutes:
            _flag(flags, run, _keys_flag(run, thresholds))
    return flags


def _flag(flags: dict[str, list[Flag]], run: _Run, flag: Flag) -> None:
    for segment in run.segments:
        flags[segment].append(flag)


def _late(segment: SegmentInput, thresholds: Thresholds) -> Flag | None:
    if segment.received_at is None:
        return None
    lag = segment.received_at - segment.end
    if lag <= thresholds.late_after:
        return None
    return Flag(
        FlagKind.LATE,
        f"The marketplace received this segment {_duration(lag)} after it ended. Late is not "
        "wrong: time tracked offline is uploaded when the computer is back online.",
        f"received more than {_duration(thresholds.late_after)} after the end",
    )


#: Whether a minute belongs in a run: alone (None: may it start one?), or beside the run's first.
Fits = Callable[[MinuteActivity | None, MinuteActivity], bool]


def _runs(timeline: list[tuple[str, MinuteActivity]], fits: Fits) -> list[_Run]:
    """Runs of minutes that follow one another (a minute apart) and each ``fits`` the run's
    first minute."""
    runs: list[_Run] = []
    run = _Run()
    for segment, minute in timeline:
        if minute.unavailable is not None or not fits(None, minute):
            run = _close(runs, run)
            continue
        if run.minutes:
            previous, first = run.minutes[-1][1], run.minutes[0][1]
            if minute.start - previous.start != MINUTE or not fits(first, minute):
                run = _close(runs, run)
        run.minutes.append((segment, minute))
    _close(runs, run)
    return runs


def _close(runs: list[_Run], run: _Run) -> _Run:
    if run.minutes:
        runs.append(run)
    return _Run()


def _near(a: int, b: int, fraction: float, at_least: int) -> bool:
    return abs(a - b) <= max(at_least, fraction * b)


def _counts(m: MinuteActivity) -> tuple[int, int, int, int]:
    return m.keys, m.clicks, m.scrolls, m.moves


def _repeats(t: Thresholds) -> Fits:
    def fits(first: MinuteActivity | None, minute: MinuteActivity) -> bool:
        if sum(_counts(minute)) < t.repeated_min_events:
            return False
        if first is None:
            return True
        return all(
            _near(a, b, t.near_fraction, t.near_at_least)
            for a, b in zip(_counts(minute), _counts(first), strict=True)
        )

    return fits


def _moves_only(first: MinuteActivity | None, minute: MinuteActivity) -> bool:
    return minute.moves > 0 and minute.keys == 0 and minute.clicks == 0


def _constant_keys(t: Thresholds) -> Fits:
    def fits(first: MinuteActivity | None, minute: MinuteActivity) -> bool:
        if minute.keys == 0:
            return False
        return first is None or _near(
            minute.keys, first.keys, t.key_rate_fraction, t.key_rate_at_least
        )

    return fits


def _ranges(run: _Run) -> str:
    names = ("keys", "clicks", "scrolls", "moves")
    parts = []
    for index, name in enumerate(names):
        values = [_counts(m)[index] for _, m in run.minutes]
        low, high = min(values), max(values)
        parts.append(f"{name} {low}" if low == high else f"{name} {low}–{high}")
    return ", ".join(parts)


def _repeated_flag(run: _Run, t: Thresholds) -> Flag:
    return Flag(
        FlagKind.REPEATED_COUNTS,
        f"The input counts were near-identical in each of {run.length} minutes in a row "
        f"({run.span()}): {_ranges(run)} a minute. People's input varies from minute to minute; "
        "a program's can repeat.",
        f"{t.repeated_minutes} minutes or more with every count within "
        f"{t.near_fraction:.0%} (or {t.near_at_least}) of the first minute's, at least "
        f"{t.repeated_min_events} events a minute",
    )


def _moves_flag(run: _Run, t: Thresholds) -> Flag:
    moves = sum(m.moves for _, m in run.minutes)
    return Flag(
        FlagKind.MOVES_ONLY,
        f"The pointer moved in each of {run.length} minutes in a row ({run.span()}), "
        f"{moves} moves in all, with no key pressed and no click. Reading and watching move "
        "the pointer too; so does a program that keeps a computer awake.",
        f"{t.moves_only_minutes} minutes or more of moves without keys or clicks",
    )


def _keys_flag(run: _Run, t: Thresholds) -> Flag:
    keys = [m.keys for _, m in run.minutes]
    return Flag(
        FlagKind.CONSTANT_KEYS,
        f"Keys were pressed at a near-constant rate, {min(keys)}–{max(keys)} a minute, in each "
        f"of {run.length} minutes in a row ({run.span()}), without a minute's pause.",
        f"{t.constant_keys_minutes} minutes or more with keys every minute, each minute within "
        f"{t.key_rate_fraction:.0%} (or {t.key_rate_at_least} keys) of the first minute's",
    )


def _duration(delta: timedelta) -> str:
    """3 d 2 h; 24 h; 9 h 05 min; 40 min."""
    minutes = int(delta.total_seconds()) // 60
    hours, rest = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} d {hours % 24} h"
    if hours:
        return f"{hours} h {rest:02d} min" if rest else f"{hours} h"
    return f"{rest} min"
