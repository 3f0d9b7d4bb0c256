"""track: headless tracking in a terminal, with a line printed for each thing that happens."""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import datetime, timedelta

from composition import Composition
from sync.autosign import SIGNING_WAIT_SECONDS
from sync.signing import SigningReport
from tracker.activity import ActivityCounter
from tracker.clock import Clock
from tracker.datadir import TrackerLock
from tracker.durations import duration_text
from tracker.events import (
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
from tracker.memo import validate_memo
from tracker.records import IdlePolicy, Segment
from tracker.store import Store
from tracker.views import billable_seconds

from .messages import advice
from .program import command
from .terminal import safe
from .values import contract_number, minutes_to_track


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    track = commands.add_parser("track", help="track time headless until Ctrl+C")
    track.add_argument("--contract", required=True, type=contract_number, metavar="ID")
    track.add_argument("--memo", required=True, help="what you are working on")
    track.add_argument(
        "--for",
        dest="minutes",
        type=minutes_to_track,
        metavar="MINUTES",
        help="stop after this many minutes",
    )
    track.set_defaults(run=track_time, needs_data_dir=True)


def track_time(args: argparse.Namespace, parts: Composition) -> int:
    from tracker.headless import run_until_stopped

    settings = parts.settings()
    memo = validate_memo(args.memo)
    with TrackerLock(parts.data_dir):
        store = parts.open_store()
        store.contract(args.contract)  # an unknown contract is refused before anything starts
        platform = parts.platform()
        notes = SigningNotes()
        signing = parts.signing_runner(notes.show)
        engine = parts.engine(store, settings, ActivityCounter(), platform, signing, can_ask=False)
        engine.subscribe(print_event)
        for segment in engine.recover():
            print(
                f"Closed a segment left open by an unexpected stop at {segment.end:%H:%M:%S} UTC."
            )
        if settings.idle_policy_value is IdlePolicy.ASK:
            print(
                "Idle policy is 'ask', but nobody can be asked when tracking headless: idle time "
                f"will be discarded. Change it with: {command()} settings idle_policy keep"
            )
        signing.request()  # whatever an earlier run left unsigned
        try:
            started = engine.start(args.contract, memo)
            until = started.start + timedelta(minutes=args.minutes) if args.minutes else None
            stop = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
            print("Counting input now.", flush=True)
            run_until_stopped(engine, parts.clock, stop, until)
            print_run_total(store, started, parts.clock)
        finally:
            platform.input.stop()  # the engine stops it with tracking; this covers an error
            platform.screen.close()
            if not signing.wait(SIGNING_WAIT_SECONDS):
                print("Signing is still running; what it has not signed is signed next time.")
            store.close()
    return 0


def print_run_total(store: Store, started: Segment, clock: Clock) -> None:
    until = clock.now() + timedelta(minutes=10)  # every segment of this run starts before it
    segments = store.segments_between(started.start, until, started.contract_id)
    seconds = billable_seconds(store.views(segments, with_minutes=False))
    print(f"Tracked {duration_text(seconds)} billable in this run. See it with: {command()} diary")


class SigningNotes:
    """Tells the user about signing problems once, not at every segment, and when they end."""

    def __init__(self) -> None:
        self._problem: str | None = None

    def show(self, report: SigningReport) -> None:
        for notice in report.notices:
            print(notice, flush=True)
        if report.problem and report.problem != self._problem:
            more = advice(report.code)
            print(f"Not signed yet: {report.problem}" + (f" {more}" if more else ""), flush=True)
        elif self._problem and not report.problem:
            print(f"Signing works again: signed {report.signed} waiting record(s).", flush=True)
        self._problem = report.problem


def _clock(when: datetime) -> str:
    return f"{when:%H:%M:%S}"


def print_event(event: EngineEvent) -> None:
    """Headless mode's view of the engine: one line a happening."""
    match event:
        case TrackingStarted(contract_id=contract_id, at=at, segment=segment):
            line = (
                f"Tracking contract {contract_id} from {_clock(at)} UTC. Memo: {safe(segment.memo)}\n"
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
        case IdleResolved(start=start, end=end) if end <= start:
            line = "Input again before a whole minute was idle: all of that time counts."
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
