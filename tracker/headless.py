"""Headless mode: a loop that ticks the engine whenever it is due, and a line printed per event."""

from __future__ import annotations

import threading
from datetime import datetime

from .clock import Clock
from .engine import Engine
from .events import (
    ActivityUnavailable,
    ClockJumped,
    EngineEvent,
    IdleResolved,
    IdleStarted,
    LimitReached,
    ScreenshotTaken,
    SegmentClosed,
    TrackingStarted,
    TrackingStopped,
)

#: Sleep a little past a deadline, so that the tick after a minute boundary lands after it.
PAST_DEADLINE_SECONDS = 0.005
LONGEST_SLEEP_SECONDS = 5.0


def run_until_stopped(
    engine: Engine, clock: Clock, stop: threading.Event, until: datetime | None = None
) -> None:
    """Tick until ``stop`` is set, ``until`` passes or the engine stops itself (weekly limit)."""
    while engine.tracking and not stop.is_set():
        engine.tick()
        now = clock.now()
        if until is not None and now >= until:
            break
        due = engine.next_tick_at()
        if due is None:
            break
        if until is not None:
            due = min(due, until)
        wait = (due - now).total_seconds() + PAST_DEADLINE_SECONDS
        stop.wait(min(max(wait, 0.0), LONGEST_SLEEP_SECONDS))
    engine.stop("stopped" if stop.is_set() or until is None else "the --for time ran out")


def _clock(when: datetime) -> str:
    return f"{when:%H:%M:%S}"


def print_event(event: EngineEvent) -> None:
    """Headless mode's view of the engine: one line a happening."""
    match event:
        case TrackingStarted(contract_id=contract_id, at=at, segment=segment):
            line = (
                f"Tracking contract {contract_id} from {_clock(at)} UTC. Memo: {segment.memo}\n"
                "Stop with Ctrl+C."
            )
        case SegmentClosed(segment=segment, reason=reason) if segment.end is not None:
            line = f"{_clock(segment.end)} Segment {_clock(segment.start)}-{_clock(segment.end)} closed ({reason})."
        case ScreenshotTaken(screenshot=shot) if shot.missing_reason:
            line = f"{_clock(shot.taken_at)} Screenshot missing: {shot.missing_reason}."
        case ScreenshotTaken(screenshot=shot):
            line = f"{_clock(shot.taken_at)} Screenshot taken ({shot.width}x{shot.height}, {shot.path})."
        case IdleStarted(since=since):
            line = f"No input since {_clock(since)}: this time is idle until you are back."
        case IdleResolved(start=start, end=end, kept=kept, why=why):
            minutes = int((end - start).total_seconds() // 60)
            verdict = "kept" if kept else "discarded (not billed)"
            line = f"Idle time {start:%H:%M}-{end:%H:%M} ({minutes} min) {verdict}: {why}."
        case LimitReached(at=at, limit_minutes=limit):
            line = f"{_clock(at)} The weekly limit of {limit / 60:g} h is reached: tracking stops."
        case ClockJumped(kind="forward", at=at, resumes_at=resumes):
            line = (
                f"The computer slept or its clock jumped forward: nothing was tracked from "
                f"{_clock(at)} to {_clock(resumes) if resumes else 'now'} UTC."
            )
        case ClockJumped(kind="backward", seconds=seconds, resumes_at=resumes):
            line = (
                f"The system clock moved back {abs(seconds) / 60:.0f} min. So that no time is "
                f"counted twice, tracking resumes at {resumes:%Y-%m-%d %H:%M:%S} UTC; "
                "correct the clock to resume sooner."
            )
        case ActivityUnavailable(reason=reason):
            line = f"Activity can no longer be counted ({reason}); time is still tracked."
        case TrackingStopped(at=at, reason=reason):
            line = (
                f"{_clock(at)} Stopped."
                if reason == "stopped"
                else f"{_clock(at)} Stopped: {reason}."
            )
        case _:
            return
    print(line, flush=True)
