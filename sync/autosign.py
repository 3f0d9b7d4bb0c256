"""Signing as tracking goes: an engine listener, and a runner that signs in a separate process.

The tracker runs all day, so it does not load the keyring library (about 20 MB with its
dependencies) or the device's private key: each round of signing is a short ``sign`` command
in a process of its own, started when there is something to sign. Nothing waits for it; when it
fails (no keyring), the records wait in the database and the next round signs them.

A segment that closes while tracking goes on is signed and uploaded at a random moment of the
UPLOAD_SPREAD_SECONDS after it. Segments end together on every device (they align to UTC): a
fleet whose devices all uploaded at once would reach its marketplace as one burst every ten
minutes, which is what the marketplace would have to be built for (docs/scale.md). A stop, a
quit and an answered idle question are signed and uploaded at once.
"""

from __future__ import annotations

import json
import logging
import random
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from tracker.events import EngineEvent, IdleResolved, SegmentClosed, TrackingStopped

from .signing import SigningReport

log = logging.getLogger(__name__)

#: Events after which there is something new to sign.
TRIGGERS = (SegmentClosed, IdleResolved, TrackingStopped)
#: A segment closed while tracking goes on is signed and uploaded within this many seconds of
#: it, at random: half a segment, well inside any receipt-lag threshold a client sees.
UPLOAD_SPREAD_SECONDS = 300.0
#: A keyring that asks its user to unlock it may take a while; longer than this is given up.
SIGN_TIMEOUT_SECONDS = 120.0
#: How long a program that is quitting waits for the last segments to be signed.
SIGNING_WAIT_SECONDS = 60.0


class SignOnClose:
    """Engine listener: asks for a round of signing after each trigger event; after a closed
    segment, through ``later`` when given (SigningRunner.request_later), since tracking goes
    on (a stop, which also closes the segment, asks at once with TrackingStopped)."""

    def __init__(
        self, sign: Callable[[], object], later: Callable[[], object] | None = None
    ) -> None:
        self._sign = sign
        self._later = later or sign

    def __call__(self, event: EngineEvent) -> None:
        if isinstance(event, SegmentClosed):
            self._later()
        elif isinstance(event, TRIGGERS):
            self._sign()


class LaterRound(Protocol):
    """A round waiting for its moment (threading.Timer's part of it)."""

    def start(self) -> None: ...
    def cancel(self) -> None: ...
    def is_alive(self) -> bool: ...


def daemon_timer(seconds: float, run: Callable[[], None]) -> LaterRound:
    """``run`` in ``seconds``, on a thread that never keeps the program from ending."""
    timer = threading.Timer(seconds, run)
    timer.daemon = True
    return timer


class SigningRunner:
    """Runs the sign command on a background thread, one round at a time.

    A request while a round runs makes exactly one more round after it, so nothing closed in
    the meantime is left unsigned and rounds never pile up.
    """

    def __init__(
        self,
        command: Sequence[str],
        report: Callable[[SigningReport], None],
        spread: float = UPLOAD_SPREAD_SECONDS,
        rng: random.Random | None = None,
        timer: Callable[[float, Callable[[], None]], LaterRound] = daemon_timer,
    ) -> None:
        self._command = list(command)
        self._timer = timer
        self._report = report
        self._spread = spread
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._running = False
        self._again = False
        self._idle = threading.Event()
        self._idle.set()
        self._later: LaterRound | None = None

    def request(self) -> None:
        with self._lock:
            if self._later is not None:  # this round signs and uploads what that one would
                self._later.cancel()
            if self._running:
                self._again = True
                return
            self._running = True
            self._idle.clear()
        threading.Thread(target=self._rounds, name="signing", daemon=True).start()

    def request_later(self) -> None:
        """A round at a random moment of the next ``spread`` seconds; one already waiting for
        its moment covers this request too (a round signs and uploads all that waits)."""
        with self._lock:
            if self._later is not None and self._later.is_alive():
                return
            self._later = self._timer(self._rng.uniform(0, self._spread), self.request)
            self._later.start()

    def wait(self, timeout: float) -> bool:
        """Wait for the rounds asked for so far; False if they are still running. A round
        waiting for its moment (request_later) is not run: the program is ending, and the
        round that its stop asked for at once has signed and uploaded what it would have."""
        with self._lock:
            if self._later is not None:
                self._later.cancel()
        return self._idle.wait(timeout)

    def _rounds(self) -> None:
        while True:
            report = self.run_once()
            try:
                self._report(report)
            except Exception:  # a broken report must not stop signing
                log.exception("reporting a signing round failed")
            with self._lock:
                if not self._again:
                    self._running = False
                    self._idle.set()
                    return
                self._again = False

    def run_once(self) -> SigningReport:
        try:
            result = subprocess.run(
                self._command, capture_output=True, text=True, timeout=SIGN_TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired:
            return SigningReport(
                0,
                -1,
                f"signing took longer than {SIGN_TIMEOUT_SECONDS:.0f} s (is the keyring waiting "
                "to be unlocked?); it is tried again when the next segment closes",
            )
        except OSError as error:
            log.exception("could not start the sign command")
            return SigningReport(0, -1, f"the sign command could not start ({error})")
        try:
            return SigningReport.from_json(json.loads(result.stdout))
        except (ValueError, KeyError, TypeError):
            problem = result.stderr.strip().removeprefix("workdiary: ")
            log.warning("sign command exited with %s: %s", result.returncode, problem)
            return SigningReport(
                0, -1, problem or f"the sign command failed (exit code {result.returncode})"
            )
