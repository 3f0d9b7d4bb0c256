"""The self-test's recording steps: the X display, a minute of made-up input counted by the
engine on the real listeners, and the screenshot it took."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from diary.records import MinuteActivity
from diary.times import MINUTE
from tracker.activity import ActivityCounter, Counts
from tracker.clock import FakeClock
from tracker.contract_book import ContractForm, add_contract
from tracker.engine import Engine
from tracker.errors import EnvironmentProblem, SessionUnsupported
from tracker.platform import session_problem
from tracker.platform.x11 import SyntheticInput, screen_size
from tracker.records import Segment
from tracker.screenshots import stored_size
from tracker.store import Store

from .self_test_steps import SelfTest, StepFailed, TimedOut, needs, wait_for

#: The self-test's contract when it is not signed in, and its memo (a memo is one of the things
#: that make a segment protected).
CONTRACT = ContractForm("Workdiary self-test", "Workdiary", "1.00")
MEMO = "Workdiary self-test"
#: The input made in the minute checked: Shift taps (fewer than the five in a row that turn
#: sticky keys on, on some desktops) and one-pixel pointer moves. Clicks could press a button.
MADE = Counts(keys=3, moves=10)
#: The engine takes a segment's first screenshot 1 to 4 s after it starts.
SHOT_AFTER = timedelta(seconds=5)
#: How long made-up input may take to reach the listeners; how long one probe may.
INPUT_SECONDS = 5.0
PROBE_SECONDS = 0.5
ENVIRONMENT = EnvironmentProblem.exit_code


def check_display(test: SelfTest) -> str:
    """DISPLAY names an X display that answers, in a session that is not Wayland."""
    problem = session_problem(os.environ)
    if problem:
        raise SessionUnsupported(problem)
    test.display = os.environ["DISPLAY"]
    test.screen = screen_size(test.display)
    return f"{test.display}, {test.screen[0]}x{test.screen[1]}"


def record_minute(test: SelfTest) -> str:
    """The engine on the real listeners and screen, for two minutes of the self-test's clock:
    the first lets the listeners start (and takes the screenshot), the second is checked. On the
    marketplace's demo contract when the sign-in cached it."""
    screen = needs(test.screen, "no X display")
    store = test.store
    if test.contract is None:
        # Not signed in (no marketplace here, or no keyring to keep the sign-in in): tracking
        # is checked all the same, on a contract of the data dir's own, for it is what a user
        # needs first and none of it depends on the marketplace; only the sync is skipped.
        test.contract = add_contract(store, CONTRACT)
    contract = test.contract
    platform = test.parts.platform()
    maker = SyntheticInput(needs(test.display, "no X display"))
    counter = ActivityCounter()
    engine = test.parts.engine(store, test.parts.settings(), counter, platform, None, can_ask=False)
    start, home = test.clock.now(), maker.pointer()
    try:
        engine.start(contract.id, MEMO)
        wait_listening(maker, counter, screen)
        tick_at(engine, test.clock, start + SHOT_AFTER)
        tick_at(engine, test.clock, start + MINUTE)
        make_input(maker, screen, MADE)
        wait_for(lambda: counter.peek() == MADE or exceeds(counter.peek(), MADE), INPUT_SECONDS)
        tick_at(engine, test.clock, start + 2 * MINUTE)
    finally:
        engine.stop()
        platform.screen.close()
        maker.move_to(*home)
        maker.close()
        test.segment = closed_segment(store, contract.id, start)
    if test.segment is None:
        raise StepFailed("the engine recorded no segment")
    minutes = store.minutes([test.segment.id]).get(test.segment.id, [])
    checked = next((m for m in minutes if m.start == start + MINUTE), None)
    if checked is None:
        raise StepFailed("the engine recorded no minute after the first")
    where = (
        f"the marketplace's contract '{contract.title}'"
        if contract.marketplace_id
        else "a contract of this computer's own"
    )
    return f"{check_counts(checked, MADE)}, on {where}"


def wait_listening(
    maker: SyntheticInput, counter: ActivityCounter, screen: tuple[int, int]
) -> None:
    """pynput says its listeners are ready before the X server sends them anything: probe with
    a Shift tap and a pointer move until both arrive (in the first minute, not the one checked)."""
    deadline = time.monotonic() + INPUT_SECONDS
    probes = Counts()
    while not (counter.peek().keys and counter.peek().moves):
        if time.monotonic() > deadline:
            raise TimedOut(
                f"input made through the X server's XTEST extension did not reach Workdiary's "
                f"input listeners within {INPUT_SECONDS:g} s: activity would read as zero in "
                "this session. Workdiary counts input through the X server's RECORD extension: "
                "check that it is enabled."
            )
        seen = counter.peek()
        if not seen.keys:
            maker.tap_shift()
            probes += Counts(keys=1)
        if not seen.moves:
            nudge(maker, screen)
            probes += Counts(moves=1)
        wait_for(lambda: counter.peek() != seen, PROBE_SECONDS)  # noqa: B023 - called at once
    # Probes made before the listeners listened never arrive; the others have to, before the
    # minute checked.
    wait_for(lambda: counter.peek() == probes, PROBE_SECONDS)


def make_input(maker: SyntheticInput, screen: tuple[int, int], made: Counts) -> None:
    for _ in range(made.keys):
        maker.tap_shift()
    for _ in range(made.moves):
        nudge(maker, screen)


def nudge(maker: SyntheticInput, screen: tuple[int, int]) -> None:
    """Move the pointer by one pixel (back, at the screen's right edge): one move event."""
    x, y = maker.pointer()
    maker.move_to(x + 1 if x + 1 < screen[0] else x - 1, y)


def exceeds(counts: Counts, made: Counts) -> bool:
    """Whether ``counts`` holds input that was not made."""
    more = counts.keys > made.keys or counts.moves > made.moves
    return more or bool(counts.clicks or counts.scrolls or counts.injected)


def tick_at(engine: Engine, clock: FakeClock, when: datetime) -> None:
    clock.advance((when - clock.now()).total_seconds())
    engine.tick()


def closed_segment(store: Store, contract_id: int, start: datetime) -> Segment | None:
    found = store.segments_between(start, start + 10 * MINUTE, contract_id)
    return next((s for s in found if s.end is not None), None)


def check_counts(minute: MinuteActivity, made: Counts) -> str:
    """The minute's counts are exactly the input made, or why they are not."""
    if minute.unavailable:
        raise StepFailed(f"activity could not be counted: {minute.unavailable}.", ENVIRONMENT)
    counted = Counts(minute.keys, minute.clicks, minute.scrolls, minute.moves, minute.injected)
    what = f"{made.keys} Shift taps and {made.moves} pointer moves"
    if counted == made:
        return f"{what} made through XTEST, counted exactly in the minute {minute.start:%H:%M} UTC"
    if counted.injected:
        hint = "Input the X server marks as synthetic is counted apart, never as activity."
    elif exceeds(counted, made):
        hint = (
            "More than was made: if the keyboard or mouse was used meanwhile, run the self-test "
            "again without touching them."
        )
    else:
        hint = "Input was lost on its way to Workdiary: activity would be under-counted here."
    raise StepFailed(
        f"{what} were made; the minute counted {counted.keys} key presses, {counted.moves} "
        f"moves, {counted.clicks} clicks, {counted.scrolls} scroll steps and {counted.injected} "
        f"synthetic events (waiting up to {INPUT_SECONDS:g} s for them). {hint}"
    )


def check_screenshot(test: SelfTest) -> str:
    """The segment's screenshot: its file and thumbnail decode, at the size of the screen."""
    segment = needs(test.segment, "nothing was recorded")
    width, height = needs(test.screen, "no X display")
    shots = test.store.screenshots([segment.id]).get(segment.id, [])
    if not shots:
        raise StepFailed("the engine took no screenshot in the segment")
    shot = shots[0]
    if shot.missing_reason or shot.path is None or shot.thumb_path is None:
        raise StepFailed(f"the screenshot is missing: {shot.missing_reason}.", ENVIRONMENT)
    expected = stored_size(width, height)
    found = decoded_size(test.parts.data_dir / shot.path)
    decoded_size(test.parts.data_dir / shot.thumb_path)
    if found != expected or (shot.width, shot.height) != expected:
        raise StepFailed(
            f"the screenshot is {found[0]}x{found[1]} (its record says {shot.width}x"
            f"{shot.height}); of a {width}x{height} screen it should be "
            f"{expected[0]}x{expected[1]}."
        )
    return (
        f"{found[0]}x{found[1]} JPEG of the {width}x{height} screen, {shot.size_bytes // 1024} "
        "KiB, and its thumbnail decode"
    )


def decoded_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
            return image.size
    except OSError as error:
        raise StepFailed(f"{path.name} does not decode as an image ({error}).") from error
