"""The engine on a fake clock: segments, minutes, idle, the weekly limit, clock jumps, crashes."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest

from diary.records import SegmentState
from diary.times import MINUTE, slot_start
from tests.tracker.helpers import all_views, at, run_for, run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.errors import EnvironmentProblem, InvalidInput, LimitReached
from tracker.events import (
    ClockJumped,
    EngineEvent,
    IdleQuestion,
    IdleResolved,
    IdleStarted,
    SegmentClosed,
    TrackingStopped,
)
from tracker.events import LimitReached as LimitReachedEvent
from tracker.settings import Settings
from tracker.store import Store


def spans(store: Store) -> list[tuple[str, str]]:
    return [
        (
            f"{v.segment.start:%d %H:%M:%S}",
            f"{v.segment.end:%d %H:%M:%S}" if v.segment.end else "open",
        )
        for v in all_views(store)
    ]


def test_segments_align_to_ten_minute_slots(
    engine: Engine, fake_clock: FakeClock, store: Store, contract_id: int
) -> None:
    engine.start(contract_id, "Landing page")
    run_until(engine, fake_clock, at(10, 25, 30))
    engine.stop()
    assert spans(store) == [
        ("25 10:03:27", "25 10:10:00"),
        ("25 10:10:00", "25 10:20:00"),
        ("25 10:20:00", "25 10:25:30"),
    ]
    views = all_views(store)
    assert [len(v.minutes) for v in views] == [7, 10, 6]
    assert views[0].minutes[0].start == at(10, 3)
    assert all(v.memo == "Landing page" for v in views)
    assert sum(v.billable_seconds for v in views) == 22 * 60 + 3


def test_alignment_across_the_hour_and_the_day(
    engine: Engine, fake_clock: FakeClock, store: Store, contract_id: int
) -> None:
    fake_clock.set_wall(at(23, 48, 10))
    engine.start(contract_id, "Night shift")
    run_until(engine, fake_clock, at(0, 12, day=26))
    engine.stop()
    assert spans(store) == [
        ("25 23:48:10", "25 23:50:00"),
        ("25 23:50:00", "26 00:00:00"),
        ("26 00:00:00", "26 00:10:00"),
        ("26 00:10:00", "26 00:12:00"),
    ]
    for view in all_views(store):
        assert view.segment.end is not None
        assert slot_start(view.segment.start) == slot_start(view.segment.end - timedelta(seconds=1))


def test_counts_land_in_the_minute_they_happened(
    engine: Engine, fake_clock: FakeClock, store: Store, counter: ActivityCounter, contract_id: int
) -> None:
    engine.start(contract_id, "Typing")
    run_until(engine, fake_clock, at(10, 4, 20))
    for _ in range(40):
        counter.key_pressed()
    for _ in range(12):
        counter.clicked()
    counter.scrolled(5)
    counter.moved()
    counter.key_pressed(injected=True)
    run_until(engine, fake_clock, at(10, 6, 10))
    for _ in range(30):
        counter.moved()
    run_until(engine, fake_clock, at(10, 7, 30))
    engine.stop()
    minutes = {m.start: m for m in all_views(store)[0].minutes}
    assert (minutes[at(10, 4)].keys, minutes[at(10, 4)].clicks) == (40, 12)
    assert (minutes[at(10, 4)].scrolls, minutes[at(10, 4)].moves) == (5, 1)
    assert minutes[at(10, 4)].injected == 1
    assert minutes[at(10, 6)].moves == 30
    assert not minutes[at(10, 5)].active
    assert all_views(store)[0].active_minutes == 2


def test_injected_input_alone_is_not_activity(
    engine: Engine, fake_clock: FakeClock, store: Store, counter: ActivityCounter, contract_id: int
) -> None:
    engine.start(contract_id, "Bot")
    run_for(engine, fake_clock, 10)
    for _ in range(100):
        counter.key_pressed(injected=True)
    run_until(engine, fake_clock, at(10, 5))
    engine.stop()
    view = all_views(store)[0]
    assert view.minutes[0].injected == 100
    assert view.active_minutes == 0


def test_memo_is_required_and_bounded(engine: Engine, contract_id: int) -> None:
    with pytest.raises(InvalidInput, match="memo is required"):
        engine.start(contract_id, "   ")
    with pytest.raises(InvalidInput, match="1001 characters"):
        engine.start(contract_id, "x" * 1001)
    engine.start(contract_id, "x" * 1000)


def test_unknown_contract_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidInput, match="no contract 42"):
        engine.start(42, "memo")


def test_memo_change_while_tracking(
    engine: Engine, fake_clock: FakeClock, store: Store, contract_id: int
) -> None:
    engine.start(contract_id, "First")
    run_until(engine, fake_clock, at(10, 12))
    engine.set_memo("Second")
    run_until(engine, fake_clock, at(10, 22))
    engine.stop()
    assert [v.memo for v in all_views(store)] == ["First", "Second", "Second"]


# Idle ----------------------------------------------------------------------------------------


def _idle_then_return(
    engine: Engine, clock: FakeClock, counter: ActivityCounter, contract_id: int
) -> None:
    """Input at 10:05:30, nothing until 10:31:15, input again, stop at 10:33."""
    engine.start(contract_id, "Reading")
    run_until(engine, clock, at(10, 5, 30))
    counter.key_pressed()
    run_until(engine, clock, at(10, 31, 15))
    counter.clicked()
    run_until(engine, clock, at(10, 33))
    engine.stop()


@pytest.mark.parametrize("settings", [Settings(idle_policy="discard")])
def test_idle_discard_removes_exactly_the_idle_minutes(
    engine: Engine,
    fake_clock: FakeClock,
    store: Store,
    counter: ActivityCounter,
    events: list[EngineEvent],
    contract_id: int,
) -> None:
    _idle_then_return(engine, fake_clock, counter, contract_id)
    started = [e for e in events if isinstance(e, IdleStarted)]
    assert len(started) == 1
    # Counted input is seen at the next tick, at most 5 s later.
    assert at(10, 5, 30) <= started[0].since <= at(10, 5, 36)
    resolved = [e for e in events if isinstance(e, IdleResolved)]
    assert [(r.start, r.end, r.kept) for r in resolved] == [(at(10, 6), at(10, 31), False)]
    views = all_views(store)
    assert [v.state for v in views] == [
        SegmentState.TRACKED,
        SegmentState.IDLE_DISCARDED,
        SegmentState.IDLE_DISCARDED,
        SegmentState.TRACKED,
    ]
    # 10:03:27-10:06 and 10:31-10:33 stay billable.
    assert sum(v.billable_seconds for v in views) == (2 * 60 + 33) + 2 * 60
    assert store.idle_periods()[0].resolution == "discarded"


@pytest.mark.parametrize("settings", [Settings(idle_policy="keep")])
def test_idle_keep_keeps_every_minute(
    engine: Engine,
    fake_clock: FakeClock,
    store: Store,
    counter: ActivityCounter,
    events: list[EngineEvent],
    contract_id: int,
) -> None:
    _idle_then_return(engine, fake_clock, counter, contract_id)
    assert [e.kept for e in events if isinstance(e, IdleResolved)] == [True]
    views = all_views(store)
    assert all(v.state is SegmentState.TRACKED for v in views)
    assert sum(v.billable_seconds for v in views) == 29 * 60 + 33
    assert store.idle_periods()[0].resolution == "kept"


@pytest.mark.parametrize("settings", [Settings(idle_policy="ask")])
def test_idle_ask_headless_discards(
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    events: list[EngineEvent],
    contract_id: int,
) -> None:
    _idle_then_return(engine, fake_clock, counter, contract_id)
    resolved = [e for e in events if isinstance(e, IdleResolved)]
    assert [r.kept for r in resolved] == [False]
    assert "headless" in resolved[0].why


@pytest.mark.parametrize("keep", [True, False])
def test_idle_ask_with_someone_to_ask(
    fake_clock: FakeClock, store: Store, counter: ActivityCounter, contract_id: int, keep: bool
) -> None:
    events: list[EngineEvent] = []
    engine = Engine(fake_clock, store, Settings(idle_policy="ask"), counter, can_ask=True)
    engine.subscribe(events.append)
    engine.start(contract_id, "Reading")
    run_until(engine, fake_clock, at(10, 5, 30))
    counter.key_pressed()
    run_until(engine, fake_clock, at(10, 31, 15))
    counter.clicked()
    run_until(engine, fake_clock, at(10, 31, 30))
    questions = [e for e in events if isinstance(e, IdleQuestion)]
    assert [(q.start, q.end) for q in questions] == [(at(10, 6), at(10, 31))]
    assert not any(isinstance(e, IdleResolved) for e in events)
    (period_id,) = engine.pending_questions()
    engine.resolve_idle(period_id, keep=keep)
    engine.stop()
    billable = sum(v.billable_seconds for v in all_views(store))
    assert billable == (28 * 60 + 3 if keep else 2 * 60 + 33 + 30)


@pytest.mark.parametrize("rng", [random.Random(seed) for seed in range(20)])
def test_idle_from_the_os_idle_time(
    fake_clock: FakeClock,
    store: Store,
    counter: ActivityCounter,
    contract_id: int,
    rng: random.Random,
) -> None:
    """An OS idle source that says 'no input for 11 minutes' makes the time idle."""

    class OsIdle:
        """The system's idle time on the same clock: the seconds since the last input it saw."""

        last_input = fake_clock.now()

        def seconds_idle(self) -> float | None:
            return (fake_clock.now() - self.last_input).total_seconds()

    os_idle = OsIdle()
    events: list[EngineEvent] = []
    engine = Engine(
        fake_clock, store, Settings(idle_policy="discard"), counter, idle=os_idle, rng=rng
    )
    engine.subscribe(events.append)
    engine.start(contract_id, "Reading")
    run_until(engine, fake_clock, at(10, 20))
    assert any(isinstance(e, IdleStarted) for e in events)
    os_idle.last_input = fake_clock.now()  # input the counter never saw (another app's, say)
    run_for(engine, fake_clock, 5)
    resolved = [e for e in events if isinstance(e, IdleResolved)]
    assert len(resolved) == 1 and not resolved[0].kept
    engine.stop()


# Weekly limit -------------------------------------------------------------------------------


def test_weekly_limit_reached_mid_segment(
    fake_clock: FakeClock, store: Store, counter: ActivityCounter
) -> None:
    contract = store.add_contract("Capped", "Acme", 4500, 60, False)
    events: list[EngineEvent] = []
    engine = Engine(fake_clock, store, Settings(idle_policy="keep"), counter)
    engine.subscribe(events.append)
    fake_clock.set_wall(at(9, 0))
    engine.start(contract.id, "Morning")
    run_until(engine, fake_clock, at(9, 55))
    engine.stop()
    fake_clock.set_wall(at(10, 3, 27))
    engine.start(contract.id, "More")
    run_until(engine, fake_clock, at(10, 20))
    assert not engine.tracking
    limit = [e for e in events if isinstance(e, LimitReachedEvent)]
    assert [e.at for e in limit] == [at(10, 8, 27)]
    assert spans(store)[-1] == ("25 10:03:27", "25 10:08:27")
    assert isinstance(events[-1], TrackingStopped) and events[-1].reason == "weekly limit reached"
    assert sum(v.billable_seconds for v in all_views(store)) == 3600
    with pytest.raises(LimitReached, match="weekly limit of 1 h"):
        engine.start(contract.id, "Even more")


def test_weekly_limit_resets_on_monday(
    fake_clock: FakeClock, store: Store, counter: ActivityCounter
) -> None:
    contract = store.add_contract("Capped", "Acme", 4500, 30, False)
    engine = Engine(fake_clock, store, Settings(idle_policy="keep"), counter)
    fake_clock.set_wall(at(23, 40, day=29))  # Sunday: 20 of the week's 30 minutes
    engine.start(contract.id, "Late")
    run_until(engine, fake_clock, at(1, 0, day=30))
    assert not engine.tracking  # a new week's 30 minutes, then the limit
    assert spans(store) == [
        ("29 23:40:00", "29 23:50:00"),
        ("29 23:50:00", "30 00:00:00"),
        ("30 00:00:00", "30 00:10:00"),
        ("30 00:10:00", "30 00:20:00"),
        ("30 00:20:00", "30 00:30:00"),
    ]


# Clock jumps and crashes --------------------------------------------------------------------


def test_suspend_gap_is_not_tracked(
    engine: Engine, fake_clock: FakeClock, store: Store, events: list[EngineEvent], contract_id: int
) -> None:
    engine.start(contract_id, "Before lunch")
    run_until(engine, fake_clock, at(10, 12, 40))
    fake_clock.suspend(3 * 3600)  # wakes at 13:12:40
    run_for(engine, fake_clock, 0.5)
    run_until(engine, fake_clock, at(13, 25))
    engine.stop()
    assert spans(store) == [
        ("25 10:03:27", "25 10:10:00"),
        ("25 10:10:00", "25 10:12:40"),
        ("25 13:12:40", "25 13:20:00"),
        ("25 13:20:00", "25 13:25:00"),
    ]
    jumps = [e for e in events if isinstance(e, ClockJumped)]
    assert [j.kind for j in jumps] == ["forward"]


def test_clock_set_back_an_hour_never_overlaps(
    engine: Engine, fake_clock: FakeClock, store: Store, events: list[EngineEvent], contract_id: int
) -> None:
    engine.start(contract_id, "Work")
    run_until(engine, fake_clock, at(10, 30, 0))
    fake_clock.set_wall(at(9, 30, 0))
    run_for(engine, fake_clock, 1)
    assert [e.kind for e in events if isinstance(e, ClockJumped)] == ["backward"]
    run_for(engine, fake_clock, 3600 + 5 * 60)  # the clock passes 10:30 again at real time +1 h
    engine.stop()
    views = all_views(store)
    for before, after in itertools.pairwise(views):
        assert before.segment.end is not None and before.segment.end <= after.segment.start
    for view in views:
        assert view.duration_seconds >= 0
    assert spans(store)[2] == ("25 10:20:00", "25 10:30:00")
    assert spans(store)[3][0] == "25 10:30:00"  # resumed exactly when the clock caught up
    assert views[-1].segment.end == at(10, 35, 1)


def test_start_with_the_clock_before_recorded_time_is_refused(
    engine: Engine, fake_clock: FakeClock, contract_id: int
) -> None:
    engine.start(contract_id, "Work")
    run_until(engine, fake_clock, at(10, 30))
    engine.stop()
    fake_clock.set_wall(at(9, 0))
    with pytest.raises(EnvironmentProblem, match="before time already recorded"):
        engine.start(contract_id, "Again")


def test_crash_recovery_closes_at_the_last_committed_minute(
    fake_clock: FakeClock, store: Store, counter: ActivityCounter, contract_id: int
) -> None:
    # Seeded: the slot's screenshot falls before 10:14 (a recovered segment ends no earlier
    # than its last screenshot, which would move the end this test is about).
    crashed = Engine(fake_clock, store, Settings(idle_policy="keep"), counter, rng=random.Random(0))
    crashed.start(contract_id, "Before the crash")
    run_until(crashed, fake_clock, at(10, 14, 35))
    counter.key_pressed()
    # The process dies here: nothing more is written. A new engine starts later.
    fake_clock.advance(600)
    events: list[EngineEvent] = []
    engine = Engine(fake_clock, store, Settings(idle_policy="keep"), ActivityCounter())
    engine.subscribe(events.append)
    recovered = engine.recover()
    assert [s.end for s in recovered] == [at(10, 14)]
    assert spans(store) == [("25 10:03:27", "25 10:10:00"), ("25 10:10:00", "25 10:14:00")]
    assert [m.start for m in all_views(store)[1].minutes] == [
        at(10, 10) + i * MINUTE for i in range(4)
    ]
    assert [type(e) for e in events] == [SegmentClosed, IdleResolved]  # idle since 10:03:27
    assert store.open_segments() == []
    engine.start(contract_id, "After the crash")


@pytest.mark.parametrize("seed", [7, 84, 116])  # 84 and 116 take a screenshot after 10:30
def test_crash_while_idle_never_bills_the_idle_time(
    fake_clock: FakeClock, store: Store, counter: ActivityCounter, contract_id: int, seed: int
) -> None:
    """Not even the seconds after the last whole idle minute: no input came back."""
    crashed = Engine(
        fake_clock, store, Settings(idle_policy="ask"), counter, rng=random.Random(seed)
    )
    crashed.start(contract_id, "Reading")
    run_until(crashed, fake_clock, at(10, 30, 10))  # idle since 10:03:27, still pending
    engine = Engine(fake_clock, store, Settings(idle_policy="ask"), ActivityCounter())
    engine.recover()
    views = all_views(store)
    assert sum(v.billable_seconds for v in views) == 33
    assert [p.resolution for p in store.idle_periods()] == ["discarded"]


def test_screenshots_are_scheduled_inside_each_segment(
    fake_clock: FakeClock, store: Store, counter: ActivityCounter, contract_id: int
) -> None:
    engine = Engine(
        fake_clock,
        store,
        Settings(screenshots_per_segment=3, idle_policy="keep"),
        counter,
        rng=random.Random(1),
    )
    engine.start(contract_id, "Shots")
    run_until(engine, fake_clock, at(10, 30))
    engine.stop()
    views = all_views(store)
    assert [len(v.screenshots) for v in views] == [3, 3, 3]
    first = views[0].screenshots[0]
    assert first.taken_at - at(10, 3, 27) <= timedelta(seconds=5)
    for view in views:
        for shot in view.screenshots:
            assert view.segment.start <= shot.taken_at < (view.segment.end or at(23, 59))
            # no screen source was given: each one says so instead of silently missing
            assert shot.missing_reason == "screenshots are not available here"


@pytest.mark.parametrize("settings", [Settings(idle_policy="discard")])
def test_idle_before_a_suspend_is_settled_on_waking(
    engine: Engine, fake_clock: FakeClock, store: Store, events: list[EngineEvent], contract_id: int
) -> None:
    engine.start(contract_id, "Walked away")
    run_until(engine, fake_clock, at(10, 20))  # idle since 10:03:27
    fake_clock.suspend(2 * 3600)
    run_until(engine, fake_clock, at(12, 25))
    engine.stop()
    resolved = [e for e in events if isinstance(e, IdleResolved)]
    assert [(r.start, r.end, r.kept) for r in resolved] == [(at(10, 4), at(12, 20), False)]
    views = all_views(store)
    assert [v.state for v in views] == [
        SegmentState.TRACKED,
        SegmentState.IDLE_DISCARDED,
        SegmentState.TRACKED,
    ]
    assert [v.billable_seconds for v in views] == [33, 0, 300]


def test_an_archived_contract_takes_no_new_time(
    engine: Engine, store: Store, contract_id: int
) -> None:
    store.set_archived(contract_id, True)
    with pytest.raises(InvalidInput, match="is archived") as refused:
        engine.start(contract_id, "Checkout page")
    assert refused.value.code == "contract-archived" and not engine.tracking
    store.set_archived(contract_id, False)
    engine.start(contract_id, "Checkout page")
    assert engine.tracking


def test_no_question_when_no_whole_minute_was_idle(
    fake_clock: FakeClock, store: Store, counter: ActivityCounter, contract_id: int
) -> None:
    """Idle from 10:05:10 to 10:06:50 with a one-minute threshold: no whole minute lies
    between, so there is nothing to ask about (it asked "idle from 10:06 to 10:06, 0 min")."""
    events: list[EngineEvent] = []
    settings = Settings(idle_policy="ask", idle_minutes=1)
    engine = Engine(fake_clock, store, settings, counter, can_ask=True)
    engine.subscribe(events.append)
    engine.start(contract_id, "Reading")
    run_until(engine, fake_clock, at(10, 5, 10))
    counter.key_pressed()
    run_until(engine, fake_clock, at(10, 6, 50))
    counter.clicked()
    run_until(engine, fake_clock, at(10, 7, 30))
    questions = [(e.start, e.end) for e in events if isinstance(e, IdleQuestion)]
    assert questions == [(at(10, 4), at(10, 5))]  # from the start: 10:04 had no input
    assert [p.resolution for p in store.idle_periods()] == [None, "kept"]
    engine.stop()
