"""--self-test: a minute recorded, signed, verified and synced in a temporary data dir, step by step."""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from composition import Composition
from diary.times import MINUTE, minute_floor, slot_end
from tracker import __version__
from tracker.clock import FakeClock
from tracker.errors import DataDirUnusable, InternalError, TrackerError

from . import self_test_marketplace as marketplace
from . import self_test_recording as recording
from . import self_test_steps as steps
from .self_test_steps import SelfTest, Skipped, StepFailed
from .terminal import safe

log = logging.getLogger(__name__)

#: Where a step's result starts on its line.
RESULT_COLUMN = 18
#: The self-test's own advice, by error code, where the command line's names another command.
ADVICE = {"no-keyring": "Install or unlock one, then run the self-test again."}
#: The exit code of a self-test stopped with Ctrl+C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


@dataclass(frozen=True)
class Step:
    name: str
    check: Callable[[SelfTest], str]
    #: Runs even when the X display cannot be used (the display is what the self-test records).
    always: bool = False


#: The keyring comes before the sign-in, which keeps its token there: a keyring that is missing
#: or locked is said once, by the step that waits for it with a deadline. The sign-in comes
#: before the recording, which is on the contract the sign-in cached, as a freelancer's is; when
#: there is no sign-in (no marketplace, or no keyring), the recording, screenshot and signing
#: are checked all the same on a contract of the data dir's own, and only the sync is skipped.
STEPS = (
    Step("display", recording.check_display),
    Step("keyring", steps.store_device_key),
    Step("marketplace", marketplace.start_marketplace),
    Step("sign-in", marketplace.sign_in_locally),
    Step("input", recording.record_minute),
    Step("screenshot", recording.check_screenshot),
    Step("signing", steps.sign_segment),
    Step("verify", steps.export_and_verify),
    Step("sync", marketplace.sync_segment),
    Step("stop", marketplace.stop_marketplace),
    Step("clean-up", steps.clean_up, always=True),
)


@dataclass(frozen=True)
class Outcome:
    """How a step went: ok, FAILED or skipped, with the details; the exit code of a failure."""

    step: str
    state: str
    text: str
    exit_code: int = 0

    def line(self) -> str:
        dots = "." * max(3, RESULT_COLUMN - len(self.step) - 2)
        words = (
            f"{self.state} ({self.text})" if self.state == "ok" else f"{self.state}: {self.text}"
        )
        return f"  {self.step} {dots} {words}"


def temporary_data_dir() -> Path:
    """A new private folder for the self-test's data dir (mkdtemp makes it 0700)."""
    try:
        return Path(tempfile.mkdtemp(prefix="workdiary-self-test-"))
    except OSError as error:
        raise DataDirUnusable(
            f"The self-test's temporary data dir cannot be made in {tempfile.gettempdir()} "
            f"({error.strerror or error}): free some space there, or name another folder in "
            "TMPDIR."
        ) from error


def run(args: argparse.Namespace, parts: Composition) -> int:
    began = time.monotonic()
    print(
        f"Workdiary {__version__} self-test, in the temporary data dir {safe(str(parts.data_dir))}."
        "\nIt taps Shift and moves the pointer by a pixel: leave the keyboard and mouse alone "
        "for a few seconds.",
        flush=True,
    )
    # The engine runs on a clock the self-test moves: its minute takes seconds, not a minute.
    clock = FakeClock(first_minute(parts.clock.now()))
    test = SelfTest(Composition(parts.data_dir, clock), clock)
    outcomes: list[Outcome] = []
    try:
        run_steps(test, outcomes)
    finally:
        kept = finish(test, outcomes)
    print(summary(outcomes, time.monotonic() - began, kept), flush=True)
    return next((o.exit_code for o in outcomes if o.state == "FAILED"), 0)


def first_minute(now: datetime) -> datetime:
    """Where the self-test's two minutes start: just past, and both in one 10-minute segment."""
    start = minute_floor(now) - 2 * MINUTE
    return min(start, slot_end(start) - 2 * MINUTE)


def run_steps(test: SelfTest, outcomes: list[Outcome]) -> None:
    """Each step in turn, its line printed as it ends. Without the X display, or after Ctrl+C,
    only the clean-up runs."""
    why_not: str | None = None
    for step in STEPS:
        if why_not is not None and not step.always:
            outcome = Outcome(step.name, "skipped", why_not)
        else:
            try:
                outcome = attempt(step, test)
            except KeyboardInterrupt:
                outcome = Outcome(step.name, "FAILED", "interrupted (Ctrl+C)", INTERRUPTED)
                why_not = "the self-test was interrupted"
        if step.name == "display" and outcome.state != "ok":
            why_not = "needs the X display"
        outcomes.append(outcome)
        print(outcome.line(), flush=True)


def attempt(step: Step, test: SelfTest) -> Outcome:
    """Run one step; whatever it raises becomes its outcome (a bug of ours is logged too)."""
    try:
        return Outcome(step.name, "ok", safe(step.check(test)))
    except Skipped as skipped:
        return Outcome(step.name, "skipped", str(skipped))
    except StepFailed as failed:
        return Outcome(step.name, "FAILED", safe(str(failed)), failed.exit_code)
    except TrackerError as error:
        more = ADVICE.get(error.code)
        text = f"{error} {more}" if more else str(error)
        return Outcome(step.name, "FAILED", safe(text), error.exit_code)
    except Exception as error:
        log.exception("self-test step %s failed", step.name)
        text = (
            f"something went wrong inside Workdiary ({type(error).__name__}: {error}); the "
            "details are in workdiary.log"
        )
        return Outcome(step.name, "FAILED", safe(text), InternalError.exit_code)


def finish(test: SelfTest, outcomes: list[Outcome]) -> Path | None:
    """Close what the steps opened, and remove the data dir unless a step failed after the
    display was found (it then holds what a report needs): the data dir if it is kept."""
    test.close()
    data_dir = test.parts.data_dir
    failed = any(o.state == "FAILED" for o in outcomes)
    if failed and outcomes[0].state == "ok":
        return data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    return None


def summary(outcomes: list[Outcome], seconds: float, kept: Path | None) -> str:
    if outcomes and all(o.state == "ok" for o in outcomes):
        return f"Self-test passed: all {len(outcomes)} steps ok, in {seconds:.1f} s."
    failed = ", ".join(o.step for o in outcomes if o.state == "FAILED")
    skipped = sum(o.state == "skipped" for o in outcomes)
    line = f"Self-test FAILED ({failed}); {skipped} step(s) skipped; in {seconds:.1f} s."
    if kept is not None:
        line += (
            f"\nIts data dir is kept, to send with a report: {safe(str(kept))} (workdiary.log in "
            "it says more; it also holds the screenshot taken of your screen)."
        )
    return line
