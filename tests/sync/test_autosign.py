"""The signing runner: rounds in a separate process, coalesced, failures reported plainly; a
segment closed while tracking goes on signed and uploaded at a random moment after it, a stop
at once."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sync.autosign import UPLOAD_SPREAD_SECONDS, SigningRunner, SignOnClose
from sync.signing import SigningReport
from tests.sync.seeding import track
from tests.tracker.helpers import at
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine


def _command(script: str) -> list[str]:
    return [sys.executable, "-c", script]


def test_requests_during_a_round_make_exactly_one_more_round(tmp_path: Path) -> None:
    """Round N waits at named pipe N until the test lets it finish: no sleeping."""
    log = tmp_path / "rounds"
    for n in (1, 2):
        os.mkfifo(tmp_path / f"gate{n}")
    script = (
        "import json, pathlib\n"
        f"log = pathlib.Path({str(log)!r})\n"
        "log.write_text((log.read_text() if log.exists() else '') + 'x')\n"
        "(log.parent / f'gate{len(log.read_text())}').read_text()\n"
        "print(json.dumps({'signed': 1, 'waiting': 0, 'problem': None, 'notices': []}))\n"
    )
    reports: list[SigningReport] = []
    runner = SigningRunner(_command(script), reports.append)
    for _ in range(5):  # the first starts a round; the others arrive while it runs
        runner.request()

    def let_rounds_finish() -> None:
        for n in (1, 2):  # blocks until round n opens its pipe, then lets it finish
            (tmp_path / f"gate{n}").write_text("go")

    opener = threading.Thread(target=let_rounds_finish, daemon=True)
    opener.start()
    opener.join(30)
    assert not opener.is_alive(), "the second round never started"
    assert runner.wait(30)
    assert log.read_text() == "xx"
    assert reports == [SigningReport(1, 0), SigningReport(1, 0)]


def test_a_failing_sign_command_is_reported_in_its_own_words() -> None:
    script = (
        "import sys; print('workdiary: The disk holding x is full.', file=sys.stderr); sys.exit(3)"
    )
    report = SigningRunner(_command(script), lambda report: None).run_once()
    assert report == SigningReport(0, -1, "The disk holding x is full.")


def test_the_sign_command_reports_as_json(data_dir: Path) -> None:
    """The real command, with no keyring: the tracker learns why records wait."""
    from tests.e2e.program import MAIN

    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(data_dir),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    command = [sys.executable, str(MAIN), "--data-dir", str(data_dir), "sign", "--json"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    report = SigningReport.from_json(json.loads(result.stdout))
    assert report.signed == 0 and report.problem and "no keyring is available" in report.problem


def test_a_segment_closed_while_tracking_asks_for_a_later_round_and_a_stop_for_one_now(
    engine: Engine, fake_clock: FakeClock, counter: ActivityCounter, contract_id: int
) -> None:
    asked: list[str] = []
    engine.subscribe(SignOnClose(lambda: asked.append("now"), lambda: asked.append("later")))
    track(engine, fake_clock, counter, contract_id, "Checkout page", at(10, 3), at(10, 25))
    # 10:10 and 10:20 closed while tracking went on; the stop at 10:25 closed the last
    # segment (a later round asked for, which the stop's round at once makes moot).
    assert asked == ["later", "later", "later", "now"]
    assert UPLOAD_SPREAD_SECONDS == 300  # half a segment: docs/scale.md counts on it


class Fixed(random.Random):
    """A random source whose every draw is ``value`` seconds into the spread."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def uniform(self, a: float, b: float) -> float:
        assert a <= self.value <= b
        return self.value


def _counting(log: Path) -> list[str]:
    return _command(
        "import json, pathlib\n"
        f"log = pathlib.Path({str(log)!r})\n"
        "log.write_text((log.read_text() if log.exists() else '') + 'x')\n"
        "print(json.dumps({'signed': 0, 'waiting': 0, 'problem': None, 'notices': []}))\n"
    )


def test_later_requests_make_one_round_at_the_drawn_moment(tmp_path: Path) -> None:
    log = tmp_path / "rounds"
    reports: list[SigningReport] = []
    runner = SigningRunner(_counting(log), reports.append, spread=10, rng=Fixed(0.5))
    began = time.monotonic()
    for _ in range(3):  # segments closing while one round waits for its moment: one round
        runner.request_later()
    assert not log.exists()
    deadline = time.monotonic() + 30
    while not reports and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reports == [SigningReport(0, 0)]
    assert time.monotonic() - began >= 0.5
    assert runner.wait(30) and log.read_text() == "x"


class HeldTimer:
    """A round's timer whose moment comes when the test says, and which, as threading.Timer,
    runs nothing once cancelled."""

    def __init__(self, seconds: float, run: Callable[[], None]) -> None:
        self.seconds, self.run = seconds, run
        self.started = self.cancelled = self.fired = False

    def start(self) -> None:
        self.started = True

    def cancel(self) -> None:
        self.cancelled = True

    def is_alive(self) -> bool:
        return self.started and not (self.cancelled or self.fired)

    def fire(self) -> None:
        self.fired = True
        if not self.cancelled:
            self.run()


class HeldTimers(list[HeldTimer]):
    def __call__(self, seconds: float, run: Callable[[], None]) -> HeldTimer:
        self.append(HeldTimer(seconds, run))
        return self[-1]


def test_a_program_that_ends_does_not_wait_for_a_round_that_waits_for_its_moment(
    tmp_path: Path,
) -> None:
    log = tmp_path / "rounds"
    timers = HeldTimers()
    runner = SigningRunner(
        _counting(log), lambda report: None, spread=10, rng=Fixed(1.0), timer=timers
    )
    runner.request_later()
    assert runner.wait(0.1)  # nothing runs: the stop's own round signed what it would have
    (later,) = timers
    later.fire()  # the moment it had drawn: it never runs
    assert runner.wait(30)
    assert not log.exists()


def test_a_round_asked_for_now_makes_the_waiting_one_moot(tmp_path: Path) -> None:
    log = tmp_path / "rounds"
    timers = HeldTimers()
    runner = SigningRunner(
        _counting(log), lambda report: None, spread=10, rng=Fixed(1.0), timer=timers
    )
    runner.request_later()  # the segment a stop closed
    runner.request()  # the stop
    assert runner.wait(30) and log.read_text() == "x"
    (later,) = timers
    later.fire()  # the later round's moment: it never runs
    assert runner.wait(30)
    assert log.read_text() == "x"
