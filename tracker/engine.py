"""The tracking engine: a state machine advanced by tick(), turning counted input into segments."""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from diary.records import AmendmentKind, MinuteActivity, SegmentKind
from diary.times import MINUTE, minute_floor, slot_end, slot_start, week_start, whole_second

from .activity import ActivityCounter, Counts
from .clock import Clock
from .errors import EnvironmentProblem, InvalidInput, LimitReached
from .events import (
    ActivityUnavailable,
    ClockJumped,
    EngineEvent,
    IdleQuestion,
    IdleResolved,
    IdleStarted,
    MinuteRecorded,
    ScreenshotTaken,
    SegmentClosed,
    TrackingStarted,
    TrackingStopped,
)
from .events import LimitReached as LimitReachedEvent
from .listeners import Listener, Listeners, delivering
from .memo import validate_memo
from .platform import IdleSource, InputSource
from .records import Contract, IdlePolicy, Segment
from .screenshots import ScreenshotTaker, missing_screenshot
from .settings import Settings
from .store import Store
from .timeline import ceil_minute, idle_range, recovered_end
from .week import week_billable_seconds

#: Wall and monotonic time may drift this far between two ticks before it counts as a jump
#: (NTP steps are usually well under a second; suspend and manual clock changes are not).
CLOCK_TOLERANCE_SECONDS = 10.0
#: Why a minute between the last one saved and a later screenshot has no counts.
NOT_SAVED = "not saved: Workdiary stopped unexpectedly"
#: Why a screenshot is missing when taking it failed in a way Workdiary did not foresee.
SCREENSHOT_FAULT = "the screenshot failed through a fault in Workdiary (details in its log)"
#: How often idle time is checked while nothing else is due.
IDLE_POLL_SECONDS = 5.0

log = logging.getLogger(__name__)


@dataclass
class _Idle:
    period_id: int
    since: datetime


@dataclass
class _Session:
    """The mutable state of one stretch of tracking."""

    contract: Contract
    memo: str
    started_at: datetime
    last_wall: datetime
    last_mono: float
    last_input: datetime
    segment: Segment | None = None
    #: A segment is written to the store with its first minute or screenshot, so that
    #: stopping right at a slot boundary leaves no empty segment behind.
    stored: bool = False
    minute: datetime | None = None
    counts: Counts = field(default_factory=Counts)
    shots: list[datetime] = field(default_factory=list)
    limit_at: datetime | None = None
    idle: _Idle | None = None
    waiting_until: datetime | None = None
    activity_problem: str | None = None


class Engine:
    """Tracks one contract at a time. Drivers call tick() at least every few seconds.

    The engine knows nothing of Qt, signing or upload: it reports what happens through
    listeners (``subscribe``), and everything it records goes to the store as it happens.
    """

    def __init__(
        self,
        clock: Clock,
        store: Store,
        settings: Settings,
        counter: ActivityCounter,
        *,
        screenshots: ScreenshotTaker | None = None,
        idle: IdleSource | None = None,
        input_source: InputSource | None = None,
        rng: random.Random | None = None,
        can_ask: bool = False,
    ) -> None:
        self._clock = clock
        self._store = store
        self.settings = settings
        self._counter = counter
        self._screenshots = screenshots
        self._idle_source = idle
        self._input = input_source
        self._rng = rng or random.Random()
        self._can_ask = can_ask
        self.listeners = Listeners()
        self._session: _Session | None = None
        self._questions: dict[int, tuple[datetime, datetime]] = {}

    # Listeners and state -----------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with each event, once the change it reports is complete."""
        self.listeners.subscribe(listener)

    def _emit(self, event: EngineEvent) -> None:
        self.listeners.emit(event)

    @property
    def tracking(self) -> bool:
        return self._session is not None

    # Start, stop, recover ----------------------------------------------------------------

    @delivering
    def recover(self) -> list[Segment]:
        """Close segments an unexpected stop left open: after their last saved minute, and not
        before their last screenshot (the minutes in between say they were not saved)."""
        closed: list[Segment] = []
        for segment in self._store.open_segments():
            saved = [m.start for m in self._store.minutes([segment.id]).get(segment.id, [])]
            shots = [s.taken_at for s in self._store.screenshots([segment.id]).get(segment.id, [])]
            end = recovered_end(segment.start, saved, shots)
            reason = "recovered after an unexpected stop"
            with self._store.atomic():
                minute = minute_floor(segment.start)
                while minute < end:
                    if minute not in saved:
                        self._store.add_minute(
                            segment.id, MinuteActivity(minute, unavailable=NOT_SAVED)
                        )
                    minute += MINUTE
                self._store.close_segment(segment.id, end, reason)
            closed.append(
                replace(segment, end=end, closed_at=self._clock.now(), close_reason=reason)
            )
            self._emit(SegmentClosed(closed[-1], reason))
        for period in self._store.pending_idle_periods():
            # A period with an end was asked about: it ends at the minute input came back. One
            # without was cut short by the stop: no input came after it began, so it runs to
            # where the diary ends, to the second (its last partial minute was idle too).
            end = period.end or self._store.last_segment_end() or period.start
            keep = self.settings.idle_policy_value is IdlePolicy.KEEP
            self._settle_idle(
                period.id,
                period.contract_id,
                period.start,
                end,
                keep,
                "left undecided by an unexpected stop",
            )
        return closed

    @delivering
    def start(self, contract_id: int, memo: str) -> Segment:
        if self._session is not None:
            raise InvalidInput("Already tracking: stop first.")
        memo = validate_memo(memo)
        contract = self._store.contract(contract_id)
        if contract.archived_at is not None:
            raise InvalidInput(
                f"Contract {contract.id} ({contract.title}) is archived: it takes no new time until it is brought back.",
                code="contract-archived",
            )
        now = whole_second(self._clock.now())
        recorded_until = self._store.last_segment_end()
        if recorded_until is not None and now < recorded_until:
            raise EnvironmentProblem(
                f"The system clock reads {now:%Y-%m-%d %H:%M:%S} UTC, before time already recorded "
                f"(up to {recorded_until:%Y-%m-%d %H:%M:%S} UTC). Correct the clock and start again."
            )
        self._check_limit_left(contract, now)
        if self._input is not None:
            # Input is listened to only while tracking; no X server here says so, plainly.
            self._input.start(self._counter)
        self._counter.drain()
        self._session = _Session(
            contract=contract,
            memo=memo,
            started_at=now,
            last_wall=self._clock.now(),
            last_mono=self._clock.monotonic(),
            last_input=now,
        )
        segment = self._open_segment(now, first=True)
        if segment is None:  # _check_limit_left made sure there is time left; keep mypy honest
            raise LimitReached("The weekly limit is reached for this week.")
        self._emit(TrackingStarted(contract.id, now, segment))
        return segment

    @delivering
    def stop(self, reason: str = "stopped") -> None:
        """Close the open segment now. A last tick first counts input that arrived since the last."""
        session = self._session
        if session is None:
            return
        if self._input is not None:
            self._input.settle()
        self.tick()
        if self._session is None:  # that tick may itself have stopped at the weekly limit
            return
        self._finish(whole_second(max(self._clock.now(), session.last_wall)), reason)

    def _finish(self, end: datetime, reason: str) -> None:
        session = self._session
        assert session is not None
        if session.segment is not None:
            self._close_open_segment(end, reason)
        if session.idle is not None:
            keep = self.settings.idle_policy_value is IdlePolicy.KEEP
            self._settle_idle(
                session.idle.period_id,
                session.contract.id,
                ceil_minute(session.idle.since),
                minute_floor(end) + MINUTE,
                keep,
                "tracking stopped while idle",
            )
        self._session = None
        if self._input is not None:
            self._input.stop()
        self._emit(TrackingStopped(end, reason))

    @delivering
    def set_memo(self, memo: str) -> None:
        """Change the memo of the running segment and of the segments that follow."""
        memo = validate_memo(memo)
        session = self._session
        if session is None:
            raise InvalidInput("Not tracking: the memo is set when tracking starts.")
        session.memo = memo
        if session.segment is not None:
            session.segment = replace(session.segment, memo=memo)
            if session.stored:
                self._store.set_open_memo(session.segment.id, memo)

    # The tick ----------------------------------------------------------------------------

    @delivering
    def tick(self) -> None:
        session = self._session
        if session is None:
            return
        now, mono = self._clock.now(), self._clock.monotonic()
        drift = (now - session.last_wall).total_seconds() - (mono - session.last_mono)
        if drift > CLOCK_TOLERANCE_SECONDS:
            self._clock_jumped_forward(session, now, mono, drift)
            return
        if drift < -CLOCK_TOLERANCE_SECONDS:
            self._clock_jumped_back(session, now, mono, drift)
            return
        now = max(now, session.last_wall)  # small backward steps never reorder minutes
        session.last_wall, session.last_mono = now, mono
        counts = self._counter.drain()
        if session.waiting_until is not None:
            if now < session.waiting_until:
                return  # input while the clock is behind recorded time is not tracked time
            session.waiting_until = None
            session.last_input = now
            if self._open_segment(whole_second(now), first=False) is None:
                return  # the weekly limit was reached while waiting
        if counts.any_input:
            session.last_input = now
        session.counts += counts
        self._check_input()
        if session.limit_at is not None and now >= session.limit_at:
            self._stop_at_limit(session, session.limit_at)
            return
        self._roll_to(now)
        if self._session is None:
            return
        self._check_idle(session, now)
        self._take_due_screenshot(session, now)

    def next_tick_at(self) -> datetime | None:
        """When the driver must tick next at the latest; None when not tracking."""
        session = self._session
        if session is None:
            return None
        candidates = [session.last_wall + timedelta(seconds=IDLE_POLL_SECONDS)]
        if session.waiting_until is not None:
            candidates.append(session.waiting_until)
        if session.minute is not None:
            candidates.append(session.minute + MINUTE)
        if session.shots:
            candidates.append(session.shots[0])
        if session.limit_at is not None:
            candidates.append(session.limit_at)
        return min(candidates)

    # Minutes and segments ----------------------------------------------------------------

    def _roll_to(self, now: datetime) -> None:
        """Commit every minute that has ended; roll into a new segment at each slot boundary."""
        session = self._session
        assert session is not None and session.segment is not None and session.minute is not None
        while minute_floor(now) > session.minute:
            self._commit_minute(session)
            session.minute += MINUTE
            if session.minute >= slot_end(session.segment.start):
                boundary = session.minute
                self._close_open_segment(boundary, "segment ended")
                if not self._open_segment(boundary, first=False):
                    return

    def _store_segment(self, session: _Session) -> None:
        assert session.segment is not None
        if not session.stored:
            self._store.open_segment(session.segment)
            session.stored = True

    def _commit_minute(self, session: _Session) -> None:
        assert session.segment is not None and session.minute is not None
        counts = session.counts
        self._store_segment(session)
        minute = MinuteActivity(
            start=session.minute,
            keys=counts.keys,
            clicks=counts.clicks,
            scrolls=counts.scrolls,
            moves=counts.moves,
            injected=counts.injected,
            unavailable=session.activity_problem,
        )
        self._store.add_minute(session.segment.id, minute)
        session.counts = Counts()
        self._emit(MinuteRecorded(session.segment.id, minute))

    def _open_segment(self, at: datetime, first: bool) -> Segment | None:
        """Open a segment at ``at``; at the weekly limit, stop instead and return None."""
        session = self._session
        assert session is not None
        segment = Segment(
            id=uuid.uuid4().hex,
            contract_id=session.contract.id,
            kind=SegmentKind.TRACKED,
            start=at,
            end=None,
            memo=session.memo,
            created_at=self._clock.now(),
        )
        limit_at = self._limit_moment(session.contract, at)
        if limit_at is not None and limit_at <= at:
            session.segment = None
            self._stop_at_limit(session, at)
            return None
        session.segment, session.minute, session.counts = segment, minute_floor(at), Counts()
        session.stored = False
        session.shots = self._schedule_shots(at, first)
        session.limit_at = limit_at
        return segment

    def _close_open_segment(self, end: datetime, reason: str) -> None:
        """Commit the partial minute (if any time of it was tracked) and close the segment."""
        session = self._session
        assert session is not None and session.segment is not None and session.minute is not None
        segment = session.segment
        end = max(end, segment.start)
        if end == segment.start and not session.stored:
            session.segment, session.shots = None, []
            return  # not a second of it was tracked: nothing to keep
        with self._store.atomic():
            self._store_segment(session)
            if end > session.minute:
                self._commit_minute(session)
            self._store.close_segment(segment.id, end, reason)
        closed = replace(segment, end=end, closed_at=self._clock.now(), close_reason=reason)
        session.segment, session.shots = None, []
        self._emit(SegmentClosed(closed, reason))

    # Weekly limit ------------------------------------------------------------------------

    def _limit_moment(self, contract: Contract, at: datetime) -> datetime | None:
        """When tracking from ``at`` reaches the weekly limit; None for no limit this segment."""
        if contract.weekly_limit_minutes <= 0:
            return None
        used = week_billable_seconds(self._store, contract.id, at)
        left = contract.weekly_limit_minutes * 60 - used
        limit_at = at + timedelta(seconds=max(0, left))
        next_week = week_start(at) + timedelta(days=7)
        return None if limit_at >= next_week else limit_at

    def _check_limit_left(self, contract: Contract, now: datetime) -> None:
        limit_at = self._limit_moment(contract, now)
        if limit_at is not None and limit_at <= now:
            raise LimitReached(
                f"The weekly limit of {contract.weekly_limit_minutes / 60:g} h for contract "
                f"{contract.id} ({contract.title}) is reached for this week: time tracked now "
                "would not be paid. Ask the client to raise the limit."
            )

    def _stop_at_limit(self, session: _Session, at: datetime) -> None:
        if session.segment is not None:
            self._roll_to(at)
        if self._session is None:
            return
        self._emit(
            LimitReachedEvent(session.contract.id, at, session.contract.weekly_limit_minutes)
        )
        self._finish(at, "weekly limit reached")

    # Idle --------------------------------------------------------------------------------

    def _check_idle(self, session: _Session, now: datetime) -> None:
        last_input = session.last_input
        seconds = self._idle_source.seconds_idle() if self._idle_source else None
        if seconds is not None:
            seen = now - timedelta(seconds=seconds)
            last_input = max(last_input, min(seen, now), session.started_at)
        if session.idle is None:
            if (now - last_input).total_seconds() >= self.settings.idle_minutes * 60:
                period = self._store.add_idle_period(session.contract.id, ceil_minute(last_input))
                session.idle = _Idle(period, last_input)
                self._emit(IdleStarted(last_input))
            return
        # One second of slack: the OS reports idle time in milliseconds, now() in microseconds.
        if last_input <= session.idle.since + timedelta(seconds=1):
            return
        idle, session.idle = session.idle, None
        whole_minutes = idle_range(idle.since, last_input)
        if whole_minutes is None:
            # The minutes before and after both had input: nothing idle to ask about.
            start = ceil_minute(idle.since)
            self._settle_idle(
                idle.period_id, session.contract.id, start, start, True, "no whole minute idle"
            )
            return
        start, end = whole_minutes
        policy = self.settings.idle_policy_value
        if policy is IdlePolicy.ASK and self._can_ask:
            self._store.end_idle_period(idle.period_id, end)
            self._questions[idle.period_id] = (start, end)
            self._emit(IdleQuestion(start, end, idle.period_id))
            return
        why = f"idle policy is '{policy.value}'"
        if policy is IdlePolicy.ASK:
            why = "idle policy is 'ask', but nobody can be asked when tracking headless"
        self._settle_idle(
            idle.period_id, session.contract.id, start, end, policy is IdlePolicy.KEEP, why
        )

    def pending_questions(self) -> dict[int, tuple[datetime, datetime]]:
        return dict(self._questions)

    @delivering
    def resolve_idle(self, period_id: int, keep: bool) -> None:
        """The user's answer to an IdleQuestion."""
        start, end = self._questions.pop(period_id)
        contract_id = self._session.contract.id if self._session else self._contract_of(period_id)
        self._settle_idle(period_id, contract_id, start, end, keep, "the user decided")

    def _contract_of(self, period_id: int) -> int:
        return next(p.contract_id for p in self._store.idle_periods() if p.id == period_id)

    def _settle_idle(
        self, period_id: int, contract_id: int, start: datetime, end: datetime, keep: bool, why: str
    ) -> None:
        """Keep or discard idle minutes [start, end): a discard is an amendment on each segment."""
        end = max(start, end)
        with self._store.atomic():
            if not keep and end > start:
                for segment in self._store.segments_between(slot_start(start), end, contract_id):
                    seg_end = segment.end or end
                    if segment.start < end and seg_end > start:
                        self._store.add_amendment(
                            segment.id,
                            AmendmentKind.IDLE_DISCARD,
                            reason=why,
                            start=max(start, segment.start),
                            end=min(end, seg_end),
                        )
            self._store.resolve_idle_period(period_id, end, "kept" if keep else "discarded")
        session = self._session
        if session is not None and not keep and session.segment is not None:
            session.limit_at = self._limit_moment(session.contract, session.last_wall)
        self._emit(IdleResolved(start, end, keep, why))

    # Screenshots and input health -----------------------------------------------------------

    def _schedule_shots(self, at: datetime, first: bool) -> list[datetime]:
        """Random moments in the rest of the slot; the first segment also gets one at once."""
        count = self.settings.screenshots_per_segment
        shots: list[datetime] = []
        earliest = at
        if first:
            shots.append(at + timedelta(seconds=self._rng.uniform(1.0, 4.0)))
            count -= 1
            earliest = at + timedelta(seconds=5)
        span = (slot_end(at) - earliest).total_seconds()
        if span > 0:
            shots += [
                earliest + timedelta(seconds=self._rng.uniform(0, span)) for _ in range(count)
            ]
        return sorted(shots)

    def _take_due_screenshot(self, session: _Session, now: datetime) -> None:
        if not session.shots or now < session.shots[0] or session.segment is None:
            return
        # Shots missed while the process was held up are not made up later: one is enough.
        session.shots = [s for s in session.shots if s > now]
        at = whole_second(now)
        self._store_segment(session)
        if self._screenshots is None:
            shot = missing_screenshot(session.segment.id, at, "screenshots are not available here")
        else:
            try:
                shot = self._screenshots.take(
                    session.segment.id, at, self.settings.blur, self.settings.monitors
                )
            except Exception:  # a bug of ours must not stop the timer
                # The reason is signed and shown to the client: plain words, the details in
                # the log only.
                log.exception("taking a screenshot failed")
                shot = missing_screenshot(session.segment.id, at, SCREENSHOT_FAULT)
        self._emit(ScreenshotTaken(self._store.add_screenshot(shot)))

    def _check_input(self) -> None:
        session = self._session
        if session is None or self._input is None or session.activity_problem is not None:
            return
        problem = self._input.problem()
        if problem is not None:
            session.activity_problem = problem
            log.warning("activity unavailable: %s", problem)
            self._emit(ActivityUnavailable(problem))

    # Clock jumps ---------------------------------------------------------------------------

    def _clock_jumped_forward(
        self, session: _Session, now: datetime, mono: float, drift: float
    ) -> None:
        """Suspend, or the clock set forward: the gap is not tracked; a new segment starts now."""
        gap_start = whole_second(session.last_wall)
        if session.segment is not None:
            self._roll_to(gap_start)
            if self._session is None:
                return
            self._close_open_segment(gap_start, "the computer slept or the clock jumped forward")
        self._counter.drain()
        session.last_wall, session.last_mono = now, mono
        # Something woke the machine, usually its user: idle time is counted afresh from here.
        session.last_input = max(session.last_input, now)
        resume = whole_second(now)
        waiting = session.waiting_until
        if waiting is not None and resume < waiting:  # still behind time already recorded
            self._emit(ClockJumped("forward", drift, gap_start, waiting))
            return
        self._emit(ClockJumped("forward", drift, gap_start, resume))
        session.waiting_until = None
        self._open_segment(resume, first=False)

    def _clock_jumped_back(
        self, session: _Session, now: datetime, mono: float, drift: float
    ) -> None:
        """The clock was set back: stop counting until it passes every moment already recorded."""
        last_good = whole_second(session.last_wall)
        if session.segment is not None:
            self._roll_to(last_good)
            if self._session is None:
                return
            self._close_open_segment(last_good, "the system clock moved back")
        self._counter.drain()
        recorded = self._store.last_segment_end() or last_good
        session.waiting_until = max(recorded, last_good)
        session.last_wall, session.last_mono = now, mono
        self._emit(ClockJumped("backward", drift, now, session.waiting_until))
